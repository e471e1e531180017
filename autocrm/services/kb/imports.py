"""Importing knowledge-base articles from a folder: Markdown with front matter, JSON and CSV.

- **What a file holds**: `.md`/`.markdown` one article (YAML front matter between `---` lines, the Markdown
  body after it); `.json` one article object or a list of them; `.csv` one article per row with a header.
  Fields: `title` (required), `body` (Markdown; HTML inside it is kept, then sanitized like every article),
  `category` (a path such as `Billing > Invoices`: missing categories are made, nested), `locale`, `tags` (a
  list, or words separated by commas), `status`, `visibility`, `slug`, and `translation_of` (the slug of the
  article this one translates). An unknown field refuses the article, so a typo never drops a value silently.
- **Idempotent**: an article is known by its slug and locale (the `slug` field, else the title's), so running
  the same import again changes nothing, and an edited file updates its article as a new version.
- **Each article on its own**: validated first, written in a savepoint; a refused one is reported with its
  reason and changes nothing, the others go in. Writes go through `articles.create_article` and
  `update_article`, so they are audited, versioned and indexed like an editor's.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from markdown_it import MarkdownIt
from pydantic import Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import KbArticle, KbCategory
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.inputs import ServiceInput, contains_nul
from autocrm.services.kb import articles
from autocrm.services.kb.articles import (
    DEFAULT_LOCALE,
    MAX_TAGS,
    ArticleCreate,
    ArticleUpdate,
    CategoryCreate,
    Status,
    Visibility,
)

MARKDOWN_SUFFIXES = (".md", ".markdown")
SUFFIXES = (*MARKDOWN_SUFFIXES, ".json", ".csv")
MAX_FILE_BYTES = 5_000_000
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_CATEGORY_SEPARATORS = re.compile(r"\s*[>/]\s*")
_markdown = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")

Outcome = Literal["created", "updated", "unchanged", "refused"]


class ImportRecord(ServiceInput):
    """One article as a file describes it (before it becomes an `ArticleCreate` or `ArticleUpdate`)."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=articles.MAX_BODY_CHARS)
    category: str = Field(default="", max_length=500)
    locale: str = Field(default=DEFAULT_LOCALE, pattern=articles.LOCALE_PATTERN)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    status: Status | None = None
    visibility: Visibility = "public"
    slug: str = Field(default="", max_length=200, pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$")
    translation_of: str = Field(default="", max_length=200)

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [tag for tag in (part.strip() for part in value.split(",")) if tag]
        return value

    @field_validator("title", "body", "category", "locale", "slug", "translation_of", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        # CSV cells and YAML scalars arrive as numbers or dates now and then ("2024", 2024-01-01): text anyway.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return "" if value is None else value

    @property
    def key_slug(self) -> str:
        return self.slug or articles.slugify(self.title)


@dataclass(frozen=True)
class ImportSource:
    """One article read from a file: where it came from (`faq/reset.md`, `articles.csv:4`) and its fields, or
    the reason it could not be read at all."""

    label: str
    fields: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


@dataclass(frozen=True)
class ImportResult:
    label: str
    outcome: Outcome
    article_id: int | None = None
    reason: str = ""


@dataclass
class ImportSummary:
    results: list[ImportResult] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def refused(self) -> list[ImportResult]:
        return [r for r in self.results if r.outcome == "refused"]


# ---- reading files ------------------------------------------------------------------------------------------


def read_folder(folder: Path) -> tuple[list[ImportSource], list[str]]:
    """Every article the folder's files describe (sub-folders included, in name order), and the files skipped
    because they are not Markdown, JSON or CSV."""
    sources: list[ImportSource] = []
    skipped: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        label = str(path.relative_to(folder))
        if path.name.startswith("."):
            continue
        if path.suffix.lower() not in SUFFIXES:
            skipped.append(label)
            continue
        sources.extend(read_file(path, label))
    return sources, skipped


def read_file(path: Path, label: str) -> list[ImportSource]:
    if path.stat().st_size > MAX_FILE_BYTES:
        return [ImportSource(label, problem=t("The file is larger than 5 MB."))]
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [ImportSource(label, problem=t("The file is not UTF-8 text."))]
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return [_read_markdown(content, label)]
    if suffix == ".json":
        return _read_json(content, label)
    return _read_csv(content, label)


def _read_markdown(content: str, label: str) -> ImportSource:
    found = _FRONT_MATTER.match(content)
    meta: Any = {}
    body = content
    if found is not None:
        try:
            meta = yaml.safe_load(found.group(1)) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            if mark is None:
                return ImportSource(label, problem=t("The front matter is not valid YAML."))
            # The mark counts from the front matter's first line, which follows the opening "---".
            return ImportSource(
                label, problem=t("The front matter is not valid YAML (line {line}).", line=mark.line + 2)
            )
        body = content[found.end() :]
    if not isinstance(meta, dict):
        return ImportSource(label, problem=t("The front matter must be fields such as “title: …”."))
    if "body" in meta:
        return ImportSource(label, problem=t("A Markdown file's body comes after its front matter, not in it."))
    return ImportSource(label, fields={**meta, "body": body.strip()})


def _read_json(content: str, label: str) -> list[ImportSource]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        return [
            ImportSource(label, problem=t("Not valid JSON (line {line}): {error}.", line=exc.lineno, error=exc.msg))
        ]
    items = data if isinstance(data, list) else [data]
    sources = []
    for number, item in enumerate(items, start=1):
        item_label = f"{label}[{number}]" if isinstance(data, list) else label
        if not isinstance(item, dict):
            sources.append(ImportSource(item_label, problem=t("Each article must be a JSON object.")))
        else:
            sources.append(ImportSource(item_label, fields=item))
    return sources


def _read_csv(content: str, label: str) -> list[ImportSource]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    if not reader.fieldnames:
        return [ImportSource(label, problem=t("The CSV file has no header row."))]
    sources = []
    for row in reader:
        row_label = f"{label}:{reader.line_num}"
        if None in row:
            sources.append(ImportSource(row_label, problem=t("The row has more cells than the header.")))
            continue
        # Empty cells mean "not given", so the field's default applies.
        sources.append(ImportSource(row_label, fields={k.strip(): v for k, v in row.items() if v not in ("", None)}))
    return sources


# ---- writing articles ---------------------------------------------------------------------------------------


def body_html(markdown: str) -> str:
    return _markdown.render(markdown) if markdown.strip() else ""


def _reason(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, DomainError):
        details = "; ".join(f"{key}: {value}" for key, value in (exc.details or {}).items() if isinstance(value, str))
        return f"{exc.message} ({details})" if details else exc.message
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "article"
        if error["type"] == "extra_forbidden":
            parts.append(t("unknown field “{field}”", field=where))
        elif error["type"] == "missing":
            parts.append(t("{field}: required", field=where))
        else:
            parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


class ArticleImporter:
    """Imports sources in batches (one transaction each, a savepoint per article), remembering across batches
    which articles it already wrote, so a key given twice in one import is refused the second time."""

    def __init__(self, *, actor: Actor, default_status: Status = "published") -> None:
        self.actor = actor
        self.default_status: Status = default_status
        self.summary = ImportSummary()
        self._seen: dict[tuple[str, str], str] = {}

    @staticmethod
    def ordered(sources: Iterable[ImportSource]) -> list[ImportSource]:
        """Originals before translations, so a translation finds the article it names in the same import."""
        return sorted(sources, key=lambda s: bool(s.fields.get("translation_of")))

    def run(
        self, session: Session, sources: Iterable[ImportSource], progress: Callable[[ImportResult], None] | None = None
    ) -> None:
        for source in sources:
            result = self._one(session, source)
            self.summary.results.append(result)
            if progress is not None:
                progress(result)

    def _one(self, session: Session, source: ImportSource) -> ImportResult:
        if source.problem:
            return ImportResult(source.label, "refused", reason=source.problem)
        if contains_nul(source.fields):
            return ImportResult(source.label, "refused", reason=t("The article contains NUL characters."))
        try:
            record = ImportRecord.model_validate(source.fields)
        except ValidationError as exc:
            return ImportResult(source.label, "refused", reason=_reason(exc))
        key = (record.key_slug, record.locale)
        if key in self._seen:
            return ImportResult(
                source.label,
                "refused",
                reason=t(
                    "{other} already has the slug “{slug}” in {locale}.",
                    other=self._seen[key],
                    slug=key[0],
                    locale=key[1],
                ),
            )
        try:
            with session.begin_nested():
                outcome, article_id = self._write(session, record)
        except (DomainError, ValidationError) as exc:
            return ImportResult(source.label, "refused", reason=_reason(exc))
        self._seen[key] = source.label
        return ImportResult(source.label, outcome, article_id=article_id)

    def _write(self, session: Session, record: ImportRecord) -> tuple[Outcome, int]:
        slug = record.key_slug
        category_id = self._category(session, record.category) if record.category else None
        existing = session.exec(
            select(KbArticle)
            .where(KbArticle.slug == slug, KbArticle.locale == record.locale)
            .order_by(col(KbArticle.id))
            .limit(1)
        ).first()
        html = body_html(record.body)
        status = record.status or self.default_status
        if existing is not None:
            before = existing.version
            updated = articles.update_article(
                session,
                actor=self.actor,
                article_id=stored_id(existing.id),
                data=ArticleUpdate(
                    title=record.title,
                    body=html,
                    status=status,
                    visibility=record.visibility,
                    category_id=category_id,
                    tags=record.tags,
                    slug=slug,
                ),
            )
            return ("unchanged" if updated.version == before else "updated"), updated.id
        translation_of = self._translated(session, record) if record.translation_of else None
        created = articles.create_article(
            session,
            actor=self.actor,
            data=ArticleCreate(
                title=record.title,
                body=html,
                locale=record.locale,
                status=status,
                visibility=record.visibility,
                category_id=category_id,
                tags=record.tags,
                translation_of=translation_of,
                slug=slug,
            ),
        )
        return "created", created.id

    def _translated(self, session: Session, record: ImportRecord) -> int:
        rows = session.exec(
            select(KbArticle).where(KbArticle.slug == record.translation_of).order_by(col(KbArticle.id))
        ).all()
        # The default-locale article when there are several with that slug: translations are made from it.
        rows = sorted(rows, key=lambda a: (a.locale != DEFAULT_LOCALE, a.id))
        if not rows:
            raise DomainError(t("There is no article with the slug “{slug}” to translate.", slug=record.translation_of))
        return stored_id(rows[0].id)

    def _category(self, session: Session, path: str) -> int:
        parent: int | None = None
        # Looked up every time rather than remembered: a category made for an article that was then refused
        # is rolled back with it.
        for name in (part for part in _CATEGORY_SEPARATORS.split(path.strip()) if part):
            parent = self._find_or_make_category(session, parent, name)
        if parent is None:
            raise DomainError(t("The category “{category}” names no category.", category=path))
        return parent

    def _find_or_make_category(self, session: Session, parent: int | None, name: str) -> int:
        siblings = session.exec(select(KbCategory).where(KbCategory.parent_id == parent)).all()
        for category in siblings:
            if category.name.lower() == name.lower():
                return stored_id(category.id)
        made = articles.create_category(
            session, actor=self.actor, data=CategoryCreate(name=name[:120], parent_id=parent)
        )
        return made.id


def batches(items: list[ImportSource], size: int) -> Iterator[list[ImportSource]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
