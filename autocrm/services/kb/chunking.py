"""Cutting an article into the passages search reads: one per heading, long sections split by words.

Pure: sanitized HTML in, (heading, text) passages out. Each passage's heading carries the article's title
(and the section's heading under it), so a title word counts in every passage of the article (the keyword
index weighs headings above text) and the dense vector of a passage knows what article it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

HEADINGS = {"h1", "h2", "h3", "h4"}
BLOCKS = {"p", "li", "blockquote", "pre", "tr", "br", "div", "table", "ul", "ol", "hr"}
# MiniLM reads at most 256 word pieces; 160 words stays under that for most prose in the four languages.
MAX_WORDS = 160
OVERLAP_WORDS = 20
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Passage:
    heading: str
    text: str

    @property
    def for_embedding(self) -> str:
        return f"{self.heading}\n{self.text}" if self.text else self.heading


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, list[str]]] = [("", [])]
        self._in_heading = False
        self._heading: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in HEADINGS:
            self._in_heading, self._heading = True, []
        elif tag in BLOCKS:
            self.sections[-1][1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS and self._in_heading:
            self._in_heading = False
            self.sections.append((_clean(" ".join(self._heading)), []))
        elif tag in BLOCKS:
            self.sections[-1][1].append("\n")

    def handle_data(self, data: str) -> None:
        (self._heading if self._in_heading else self.sections[-1][1]).append(data)


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _windows(words: list[str]) -> list[list[str]]:
    if len(words) <= MAX_WORDS:
        return [words]
    step = MAX_WORDS - OVERLAP_WORDS
    return [words[start : start + MAX_WORDS] for start in range(0, len(words) - OVERLAP_WORDS, step)]


def passages(title: str, body_html: str) -> list[Passage]:
    """The article's passages in reading order; an article with no text is its title alone."""
    parser = _Sections()
    parser.feed(body_html)
    parser.close()
    title = _clean(title)
    found: list[Passage] = []
    for heading, parts in parser.sections:
        words = _clean("".join(parts)).split(" ")
        words = [w for w in words if w]
        if not words and not heading:
            continue
        label = f"{title} › {heading}" if heading and heading != title else title
        for window in _windows(words) if words else [[]]:
            found.append(Passage(heading=label[:300], text=" ".join(window)))
    return found or [Passage(heading=title[:300], text="")]
