"""A tutorial's steps: what goes in, how each is cleaned and stored, and how readers get them back.

A step is a title (optional), text as HTML (sanitized like an article's body) and at most one medium: an image
or a video uploaded for it (a `kb_media` row, `tutorials.upload_media`), or a link to a video on an allowlisted
site (YouTube, Vimeo), stored as the site's own embed address. No other address is ever put in a frame: the
allowlist builds the embed URL from the video's id, so nothing the editor typed reaches the page but that id.

Steps are stored on the article (a JSON list, in order) and in each version's `meta`, so the history and the
diff cover them; search reads each step as a passage of its own (`step_passages`).
"""

from __future__ import annotations

import html
import re
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from autocrm import routes
from autocrm.core.i18n import t
from autocrm.models import KbMedia
from autocrm.services import content
from autocrm.services.errors import ValidationFailed
from autocrm.services.inputs import DbId, ServiceInput

MAX_STEPS = 50
MAX_STEP_CHARS = 20_000
MAX_LINK_CHARS = 500
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm"})
# The frames a tutorial may show, as the page's Content-Security-Policy allows them (`api/security_headers`).
EMBED_ORIGINS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")
_START = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,3})m)?(?:(\d{1,5})s?)?$")


class StepMediaInput(ServiceInput):
    """`image` / `video`: an uploaded file (`media_id`); `embed`: a video link (`url`) on YouTube or Vimeo."""

    type: Literal["image", "video", "embed"]
    media_id: DbId | None = None
    url: str | None = Field(default=None, max_length=MAX_LINK_CHARS)
    alt: str = Field(default="", max_length=300)  # an image's description for screen readers


class StepInput(ServiceInput):
    title: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=MAX_STEP_CHARS)  # HTML, sanitized on the way in
    media: StepMediaInput | None = None


class StepMediaPublic(BaseModel):
    type: str  # image, video or embed
    media_id: int | None = None
    # Where the page loads it: our media route for an upload, the site's embed address for a link.
    src: str
    url: str = ""  # the link as the editor gave it (embed)
    filename: str = ""
    content_type: str = ""
    alt: str = ""


class StepPublic(BaseModel):
    title: str
    body_html: str
    media: StepMediaPublic | None = None


def _start_seconds(value: str) -> int | None:
    found = _START.match(value.strip().lower()) if value else None
    if not found or not any(found.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds or None


def embed_url(link: str) -> str | None:
    """The embed address of a YouTube or Vimeo video link, or None for any other address."""
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or parts.username or parts.password or parts.port:
        return None
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    query = parse_qs(parts.query)
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        video = ""
        if host == "youtu.be" and len(path) == 1:
            video = path[0]
        elif path == ["watch"]:
            video = (query.get("v") or [""])[0]
        elif len(path) == 2 and path[0] in ("embed", "shorts", "live", "v"):
            video = path[1]
        if not _YOUTUBE_ID.match(video):
            return None
        start = _start_seconds((query.get("t") or query.get("start") or [""])[0])
        return f"https://www.youtube-nocookie.com/embed/{video}" + (f"?start={start}" if start else "")
    if host in _VIMEO_HOSTS:
        if host == "player.vimeo.com":
            path = path[1:] if path[:1] == ["video"] else []
        if not path or not _DIGITS.match(path[0]) or len(path) > 2:
            return None
        secret = path[1] if len(path) == 2 else (query.get("h") or [""])[0]
        if secret and not _VIMEO_HASH.match(secret):
            return None
        return f"https://player.vimeo.com/video/{path[0]}" + (f"?h={secret}" if secret else "")
    return None


def clean_steps(session: Session, steps: list[StepInput]) -> list[dict[str, Any]]:
    """The steps as stored, or every refusal at once, each under its step's field (`steps.2.media`)."""
    errors: dict[str, str] = {}
    if len(steps) > MAX_STEPS:
        raise ValidationFailed(
            t("A tutorial has {count} steps at most.", count=MAX_STEPS),
            {"steps": t("A tutorial has {count} steps at most.", count=MAX_STEPS)},
        )
    wanted = {s.media.media_id for s in steps if s.media is not None and s.media.media_id is not None}
    media = {m.id: m for m in session.exec(select(KbMedia).where(col(KbMedia.id).in_(wanted))).all()} if wanted else {}
    cleaned: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        field = f"steps.{index}"
        body_html = content.sanitize_html(step.body) if step.body.strip() else ""
        text = content.html_to_text(body_html) if body_html else ""
        stored: dict[str, Any] | None = None
        if step.media is not None:
            given = step.media
            if given.type == "embed":
                link = (given.url or "").strip()
                embed = embed_url(link) if link else None
                if embed is None:
                    errors[f"{field}.media"] = (
                        t("Paste a video link from YouTube or Vimeo.")
                        if not link
                        else t("Only YouTube and Vimeo video links can be shown in a step.")
                    )
                else:
                    stored = {"type": "embed", "url": link, "embed_url": embed}
            else:
                row = media.get(given.media_id) if given.media_id is not None else None
                if row is None:
                    errors[f"{field}.media"] = t("Upload the file again: it was not found.")
                elif row.kind != given.type:
                    errors[f"{field}.media"] = (
                        t("This file is a video, not an image.")
                        if row.kind == "video"
                        else t("This file is an image, not a video.")
                    )
                else:
                    stored = {
                        "type": row.kind,
                        "media_id": row.id,
                        "filename": row.filename,
                        "content_type": row.content_type,
                        "alt": given.alt.strip(),
                    }
        if not step.title.strip() and not text.strip() and step.media is None:
            errors[field] = t("Give this step some text or a picture or video, or remove it.")
        cleaned.append({"title": step.title.strip(), "html": body_html, "text": text, "media": stored})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    return cleaned


def media_ids(steps: list[dict[str, Any]]) -> set[int]:
    return {int(s["media"]["media_id"]) for s in steps if s.get("media") and s["media"].get("media_id")}


def public_steps(steps: list[dict[str, Any]]) -> list[StepPublic]:
    shown = []
    for step in steps:
        medium = step.get("media") or None
        media: StepMediaPublic | None = None
        if medium and medium.get("type") == "embed":
            media = StepMediaPublic(type="embed", src=str(medium["embed_url"]), url=str(medium.get("url", "")))
        elif medium:
            media = StepMediaPublic(
                type=str(medium["type"]),
                media_id=int(medium["media_id"]),
                src=routes.kb_media(int(medium["media_id"])),
                filename=str(medium.get("filename", "")),
                content_type=str(medium.get("content_type", "")),
                alt=str(medium.get("alt", "")),
            )
        shown.append(StepPublic(title=str(step.get("title", "")), body_html=str(step.get("html", "")), media=media))
    return shown


def step_label(index: int, step: dict[str, Any]) -> str:
    title = str(step.get("title", "")).strip()
    return f"{index + 1}. {title}" if title else f"{index + 1}."


def steps_html(steps: list[dict[str, Any]]) -> str:
    """The steps as one HTML text, each under its label as a heading: what search cuts into passages (a step
    each) and an excerpt reads."""
    return "".join(f"<h2>{html.escape(step_label(i, s))}</h2>{s.get('html', '')}" for i, s in enumerate(steps))


def steps_text(steps: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"{step_label(i, s)}\n{s.get('text', '')}".strip() for i, s in enumerate(steps))


def diff_lines(steps: list[dict[str, Any]]) -> list[str]:
    """The steps as the version diff compares them: each step's label, its text's lines and its medium."""
    lines: list[str] = []
    for index, step in enumerate(steps):
        lines.append(f"## {step_label(index, step)}")
        lines.extend(line for line in str(step.get("text", "")).splitlines() if line.strip())
        medium = step.get("media") or None
        if medium and medium.get("type") == "embed":
            lines.append(f"[video link: {medium.get('url', '')}]")
        elif medium:
            lines.append(f"[{medium.get('type')}: {medium.get('filename', '')} #{medium.get('media_id')}]")
    return lines
