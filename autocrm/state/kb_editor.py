"""The editors' side of the staff's knowledge base: writing an article (new, a translation, or a change), its
version history with a diff between two versions, and the translations still missing per language.

Only admins and knowledge-base editors (`kb.articles.may_edit`) get anything here: for anyone else the pages
load nothing and say so, and the services refuse the writes anyway. Every write goes through `services.kb`
(audited there; search follows by the after-commit indexing job).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import reflex as rx
from sqlmodel import Session

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import N_
from autocrm.services import content, kb, users
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError, NotFound
from autocrm.services.kb import ArticleCreate, ArticlePublic, ArticleUpdate, CategoryPublic, tutorials
from autocrm.services.kb.articles import LOCALES, may_edit
from autocrm.services.kb.reading import parse_ref
from autocrm.services.kb.steps import MAX_STEPS, StepInput, StepMediaInput, StepPublic
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import STAFF
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

NONE = "none"  # a select's "nothing chosen" (Radix selects take no empty value)
EDITOR_FORM = Form(
    message="form_error",
    errors="errors",
    fields=("title", "body", "category_id", "tags", "locale", "status", "visibility"),
    labels={"title": N_("title"), "body": N_("body")},
)
STATUS_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "archived": N_("Archived")}
_HTML_BLOCK = re.compile(r"<(p|h[1-6]|ul|ol|li|div|br|table|blockquote|pre|hr|img)\b", re.IGNORECASE)


def body_html(text: str) -> str:
    """The body field as the service takes it (which sanitizes it): HTML as typed when it has blocks of its
    own (paragraphs, headings, lists…), else paragraphs a blank line apart, inline tags (<b>, <a>) kept."""
    if _HTML_BLOCK.search(text):
        return text
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(f"<p>{p.strip().replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())


def category_paths(categories: list[CategoryPublic]) -> list[dict[str, str]]:
    """The desk's categories as picker options, a nested one named by its path ("Account › Signing in"),
    sorted by that path."""
    by_id = {c.id: c for c in categories}

    def path(category: CategoryPublic) -> str:
        names, seen = [category.name], {category.id}
        parent = by_id.get(category.parent_id) if category.parent_id is not None else None
        while parent is not None and parent.id not in seen:
            names.insert(0, parent.name)
            seen.add(parent.id)
            parent = by_id.get(parent.parent_id) if parent.parent_id is not None else None
        return " › ".join(names)

    options = [{"value": str(c.id), "label": path(c)} for c in categories]
    return sorted(options, key=lambda o: o["label"].casefold())


def diff_rows(lines: list[str]) -> list[dict[str, str]]:
    """A unified diff's lines as the page colours them: added, removed, or unchanged context, with a "hunk"
    row marking the lines left out between two changed places. The headers ("--- v1", "+++ v2", "@@ -1,2 …")
    are left out: the page names the versions itself."""
    rows: list[dict[str, str]] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if rows:  # a gap between two changed places; the first place needs no marker
                rows.append({"kind": "hunk", "text": " "})
            continue
        elif line.startswith("+"):
            kind = "added"
        elif line.startswith("-"):
            kind = "removed"
        else:
            kind = "same"
        rows.append({"kind": kind, "text": line[1:] or " "})
    return rows


def step_text(html_text: str) -> str:
    """A step's stored HTML as its text area shows it: plain paragraphs when saving them again gives the same
    HTML, else the HTML itself (bold, links and lists are kept as typed)."""
    editable = content.html_to_editable_text(html_text)
    return editable if content.sanitize_html(body_html(editable)) == html_text else html_text


def _new_key() -> str:
    return "s" + secrets.token_hex(4)


def empty_step() -> dict[str, Any]:
    """A step as the editor holds it: `key` names its fields; `mode` is none, file (an upload) or link."""
    return {
        "key": _new_key(),
        "title": "",
        "text": "",
        "mode": "none",
        "media_type": "",
        "media_id": 0,
        "media_src": "",
        "media_name": "",
        "url": "",
        "alt": "",
    }


def editor_step(step: StepPublic) -> dict[str, Any]:
    row = empty_step() | {"title": step.title, "text": step_text(step.body_html)}
    media = step.media
    if media is not None and media.type == "embed":
        row |= {"mode": "link", "url": media.url}
    elif media is not None:
        row |= {
            "mode": "file",
            "media_type": media.type,
            "media_id": media.media_id or 0,
            "media_src": media.src,
            "media_name": media.filename,
            "alt": media.alt,
        }
    return row


def step_input(row: dict[str, Any]) -> StepInput:
    media: StepMediaInput | None = None
    if row["mode"] == "link":
        media = StepMediaInput(type="embed", url=row["url"].strip()[:500])
    elif row["mode"] == "file" and row["media_id"]:
        media = StepMediaInput(type=row["media_type"], media_id=row["media_id"], alt=row["alt"].strip()[:300])
    return StepInput(title=row["title"].strip()[:200], body=body_html(row["text"]), media=media)


def edit_url(article_id: int | str) -> str:
    return routes.agent_kb_article_edit(article_id)


def translate_url(source_id: int | str, locale: str) -> str:
    return f"{routes.AGENT_KB_NEW}?translation_of={source_id}&locale={locale}"


def translation_rows(article: ArticlePublic, *, editor: bool) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """(the article's translations the reader may see, each with its link; the languages it lacks, with the
    editor's "Translate into …" link: for editors only)."""
    rows = [
        {
            "id": tr.id,
            "locale": tr.locale,
            "language": i18n.LOCALE_NAMES.get(tr.locale, tr.locale),
            "status": tr.status,
            "published": tr.status == "published",
            # A translation in its own language, whatever the reader's.
            "url": routes.agent_kb_article(tr.id) + f"?locale={tr.locale}"
            if tr.status == "published"
            else edit_url(tr.id),
            "edit_url": edit_url(tr.id) if editor else "",
        }
        for tr in article.translations
    ]
    if not editor:
        return rows, []
    have = {article.locale} | {tr.locale for tr in article.translations}
    missing = [
        {"locale": locale, "language": i18n.LOCALE_NAMES.get(locale, locale), "url": translate_url(article.id, locale)}
        for locale in LOCALES
        if locale not in have
    ]
    return rows, missing


def _step_fields(count: int) -> tuple[str, ...]:
    """The steps' field names a refusal may name (`steps.2.media`), so each shows next to its step."""
    names = ["steps"]
    for index in range(count):
        names += [f"steps.{index}{part}" for part in ("", ".title", ".body", ".media", ".media.url", ".media.alt")]
    return tuple(names)


def _is_editor(actor: Actor) -> bool:
    with read_session() as session:
        return may_edit(session, actor)


class KbEditorState(ConfirmMixin, StaffState):
    """New article, translation or change: `/agent/kb/new[?translation_of=ID&locale=es]` and
    `/agent/kb/articles/<id>/edit`."""

    loaded: bool = False
    allowed: bool = False  # an editor: else the page holds nothing and says who may write
    not_found: bool = False
    article_id: int = 0  # 0: a new article
    version: int = 0  # the version the editor started from (a newer save meanwhile is refused)
    saved_status: str = ""  # the status as stored ("" for a new article)
    view_url: str = ""  # the staff's reading page while published
    public_url: str = ""  # the help centre's page while published and public
    translation_of: int = 0
    source_title: str = ""  # the article a new translation translates
    source_language: str = ""
    ed_title: str = ""
    ed_body: str = ""
    ed_tags: str = ""
    ed_category: str = NONE
    ed_locale: str = "en"
    ed_visibility: str = "public"
    ed_status: str = "draft"
    ed_kind: str = "article"  # or "tutorial": then `ed_steps` are its steps
    ed_steps: list[dict[str, Any]] = []
    # Bumped when steps move or go: their fields open again on the texts the state holds (typed ones included).
    steps_key: str = "0"
    # The step whose "Upload" was clicked: the page has one file picker for every step (Reflex's upload hook
    # lives once per page), so the click names the step the picked file is for.
    upload_target: str = ""
    form_error: str = ""
    errors: dict[str, str] = {}
    category_options: list[dict[str, str]] = []
    translations: list[dict[str, Any]] = []
    missing_locales: list[dict[str, str]] = []
    # Bumped at each load: the uncontrolled fields take their new defaults (another article, a reload).
    form_key: str = "0"

    @rx.var
    def ed_body_html(self) -> str:
        """The body as the rich-text editor opens it."""
        return body_html(self.ed_body)

    @rx.var
    def step_rows(self) -> list[dict[str, Any]]:
        """The steps as the page shows them, each with its number, the refusals next to its fields and the
        names of its fields (remounted when the steps move)."""
        rows = []
        last = len(self.ed_steps) - 1
        for index, row in enumerate(self.ed_steps):
            field = f"steps.{index}"
            rows.append(
                row
                | {
                    "index": index,
                    "number": index + 1,
                    "first": index == 0,
                    "last": index == last,
                    "field_key": f"{self.form_key}-{self.steps_key}-{row['key']}",
                    "error": self.errors.get(field)
                    or self.errors.get(f"{field}.title")
                    or self.errors.get(f"{field}.body")
                    or "",
                    "media_error": self.errors.get(f"{field}.media")
                    or self.errors.get(f"{field}.media.url")
                    or self.errors.get(f"{field}.media.alt")
                    or "",
                }
            )
        return rows

    @rx.var
    def can_add_step(self) -> bool:
        return len(self.ed_steps) < MAX_STEPS

    @rx.var
    def locale_options(self) -> list[dict[str, str]]:
        return [{"value": locale, "label": i18n.LOCALE_NAMES.get(locale, locale)} for locale in LOCALES]

    @rx.var
    def is_new(self) -> bool:
        return self.article_id == 0

    @rx.var
    def save_label(self) -> str:
        """What the button will do, in words."""
        if self.ed_status == "published":
            return self._t("Save changes") if self.saved_status == "published" else self._t("Publish")
        if self.ed_status == "archived":
            return self._t("Save changes") if self.saved_status == "archived" else self._t("Archive")
        return self._t("Save draft")

    def _reset(self) -> None:
        self.allowed, self.not_found = False, False
        self.article_id, self.version, self.saved_status = 0, 0, ""
        self.view_url = self.public_url = ""
        self.translation_of, self.source_title, self.source_language = 0, "", ""
        self.ed_title = self.ed_body = self.ed_tags = ""
        self.ed_category, self.ed_locale, self.ed_visibility, self.ed_status = NONE, "en", "public", "draft"
        self.ed_kind, self.ed_steps = "article", []
        self.form_error, self.errors = "", {}
        self.category_options, self.translations, self.missing_locales = [], [], []
        self.pending = {}

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self._load_counts(actor)
        self.loaded = False
        self._reset()
        self.form_key = str(int(self.form_key) + 1)
        if _is_editor(actor):
            self.allowed = True
            parts = (self.router.url.path or "").rstrip("/").split("/")
            article_id = parse_ref(parts[-2]) if parts[-1] == "edit" and len(parts) > 1 else None
            with read_session() as session:
                self.category_options = category_paths(kb.list_categories(session, actor=actor))
                if article_id is not None:
                    self._read(session, actor, article_id)
                else:
                    self._prefill(session, actor)
        self.loaded = True
        return None

    def _read(self, session: Session, actor: Actor, article_id: int) -> None:
        try:
            article = kb.get_article(session, actor=actor, article_id=article_id)
        except NotFound:
            self.not_found = True
            return
        self._show(article)

    def _show(self, article: ArticlePublic) -> None:
        self.article_id, self.version, self.saved_status = article.id, article.version, article.status
        self.ed_title, self.ed_body = article.title, article.body_html  # the editor opens the HTML as stored
        self.ed_tags = ", ".join(article.tags)
        self.ed_category = str(article.category_id) if article.category_id is not None else NONE
        self.ed_locale, self.ed_visibility, self.ed_status = article.locale, article.visibility, article.status
        self.ed_kind, self.ed_steps = article.kind, [editor_step(step) for step in article.steps]
        published = article.status == "published"
        self.view_url = routes.agent_kb_article(article.id) + f"?locale={article.locale}" if published else ""
        self.public_url = (
            routes.help_article(article.id, article.slug) if published and article.visibility == "public" else ""
        )
        self.translations, self.missing_locales = translation_rows(article, editor=True)

    def _prefill(self, session: Session, actor: Actor) -> None:
        """A new article; with `?translation_of=ID&locale=xx`, the source's text to translate, in that language."""
        params = self.router.url.query_parameters
        source_ref, locale = str(params.get("translation_of", "")), str(params.get("locale", ""))
        locale = locale if locale in LOCALES else (self.locale if self.locale in LOCALES else "en")
        self.ed_locale = locale
        source_id = parse_ref(source_ref) if source_ref else None
        if source_id is None:
            return
        try:
            source = kb.get_article(session, actor=actor, article_id=source_id)
        except NotFound:
            self.form_error = self._t("The article to translate was not found: this will be a new article.")
            return
        self.translation_of = source.id
        self.source_title, self.source_language = source.title, i18n.LOCALE_NAMES.get(source.locale, source.locale)
        self.ed_title, self.ed_body = source.title, source.body_html
        self.ed_tags = ", ".join(source.tags)
        self.ed_category = str(source.category_id) if source.category_id is not None else NONE
        self.ed_visibility = source.visibility
        # A tutorial's translation starts from its steps: their texts to translate, their pictures and videos.
        self.ed_kind, self.ed_steps = source.kind, [editor_step(step) for step in source.steps]

    # ---- the fields that are not plain text ----------------------------------------------------------------

    @rx.event
    def set_pick(self, which: str, value: str):
        value = str(value)
        if which == "category":
            self.ed_category = value if value == NONE or value.isdigit() else NONE
        elif which == "locale" and self.is_new and value in LOCALES:
            self.ed_locale = value
        elif which == "visibility" and value in ("public", "internal"):
            self.ed_visibility = value
        elif which == "status" and value in STATUS_LABELS:
            self.ed_status = value
        elif which == "kind" and value in ("article", "tutorial"):
            self.ed_kind = value
            if value == "tutorial" and not self.ed_steps:
                self.ed_steps = [empty_step()]

    # ---- a tutorial's steps ----------------------------------------------------------------------------------

    def _step_at(self, key: str) -> int:
        return next((i for i, row in enumerate(self.ed_steps) if row["key"] == key), -1)

    def _forget_step_errors(self) -> None:
        """Refusals name steps by position: once the steps move, they would point at the wrong ones."""
        self.errors = {name: message for name, message in self.errors.items() if not name.startswith("steps.")}

    @rx.event
    def add_step(self):
        if len(self.ed_steps) < MAX_STEPS:
            self.ed_steps = [*self.ed_steps, empty_step()]
            self.errors = {name: m for name, m in self.errors.items() if name != "steps"}

    @rx.event
    def remove_step(self, key: str):
        at = self._step_at(key)
        if at >= 0:
            self.ed_steps = [row for row in self.ed_steps if row["key"] != key]
            self._forget_step_errors()
            self.steps_key = str(int(self.steps_key) + 1)

    @rx.event
    def move_step(self, key: str, delta: int):
        at = self._step_at(key)
        to = at + int(delta)
        if at < 0 or not 0 <= to < len(self.ed_steps):
            return
        steps = list(self.ed_steps)
        steps[at], steps[to] = steps[to], steps[at]
        self.ed_steps = steps
        self._forget_step_errors()
        self.steps_key = str(int(self.steps_key) + 1)

    @rx.event
    def set_step_field(self, key: str, name: str, value: str):
        """A step's field as typed (sent when it loses focus, so moving or removing a step keeps every text)."""
        at = self._step_at(key)
        if at < 0 or name not in ("title", "text", "url", "alt"):
            return
        limit = {"title": 200, "url": 500, "alt": 300}.get(name, 20_000)
        steps = list(self.ed_steps)
        steps[at] = steps[at] | {name: str(value)[:limit]}
        self.ed_steps = steps

    @rx.event
    def set_step_mode(self, key: str, mode: str):
        at = self._step_at(key)
        if at < 0 or mode not in ("none", "file", "link"):
            return
        steps = list(self.ed_steps)
        steps[at] = steps[at] | {"mode": mode}
        self.ed_steps = steps
        if mode == "file":  # the file picked next is most likely this step's (also when opened by keyboard)
            self.upload_target = key
        self.errors = {name: m for name, m in self.errors.items() if not name.startswith(f"steps.{at}.media")}

    @rx.event
    def set_upload_target(self, key: str):
        self.upload_target = str(key)

    @rx.event
    async def upload_step_media(self, files: list[rx.UploadFile]):
        """An image or video picked for a step (the one whose "Upload" was clicked): stored now (the step shows
        it), checked by the service."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        at = self._step_at(self.upload_target)
        if not files:
            return None
        if at < 0:
            self.form_error = self._t("Choose “Image or video file” on the step the file is for, then upload it.")
            return None
        upload = files[0]
        data = await upload.read()
        field = f"steps.{at}.media"
        try:
            with write_session() as session:
                stored = tutorials.upload_media(session, actor=actor, filename=upload.filename or "", data=data)
        except DomainError as error:
            self.errors = {**self.errors, field: next(iter(error.details.values()), error.message)}
            return None
        steps = list(self.ed_steps)
        steps[at] = steps[at] | {
            "mode": "file",
            "media_type": stored.kind,
            "media_id": stored.id,
            "media_src": stored.src,
            "media_name": stored.filename,
        }
        self.ed_steps = steps
        self.errors = {name: m for name, m in self.errors.items() if name != field}
        return None

    @rx.event
    def clear_step_media(self, key: str):
        at = self._step_at(key)
        if at >= 0:
            steps = list(self.ed_steps)
            steps[at] = steps[at] | {"media_type": "", "media_id": 0, "media_src": "", "media_name": "", "alt": ""}
            self.ed_steps = steps

    # ---- saving ----------------------------------------------------------------------------------------------

    def _success(self, article: ArticlePublic, before: str) -> str:
        """The toast: what the save did for readers, truly (`before`: the status it had, "" for a new one)."""
        if article.status == "published" and before == "published":
            if article.visibility == "internal":
                return self._t("Saved: the staff's search shows the change within seconds.")
            return self._t("Saved: the help centre and its search show the change within seconds.")
        if article.status == "published":
            if article.visibility == "internal":
                return self._t("Published for staff: it is in the staff's search within seconds.")
            return self._t("Published: it is in the help centre and its search within seconds.")
        if article.status == "archived":
            return self._t("Archived: it is out of the help centre and search; its history is kept.")
        return self._t("Draft saved: customers do not see it until you publish it.")

    @rx.event
    def save(self, form: dict[str, Any]):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        # What was typed stays in the form whatever the answer.
        self.ed_title, self.ed_body, self.ed_tags = (
            form_text(form, "title"),
            form_text(form, "body"),
            form_text(form, "tags"),
        )
        self.ed_steps = [
            row
            | {
                name: form_text(form, f"step_{name}_{row['key']}")
                for name in ("title", "text", "url", "alt")
                if f"step_{name}_{row['key']}" in form
            }
            for row in self.ed_steps
        ]
        tutorial = self.ed_kind == "tutorial"
        missing_files = {
            f"steps.{i}.media": self._t("Upload an image or a video, or choose no picture or video.")
            for i, row in enumerate(self.ed_steps)
            if tutorial and row["mode"] == "file" and not row["media_id"]
        }
        if missing_files:
            self.errors, self.form_error = missing_files, next(iter(missing_files.values()))
            return None
        steps = [step_input(row) for row in self.ed_steps] if tutorial else None
        kind = self.ed_kind
        title, body = self.ed_title.strip(), body_html(self.ed_body)
        tags = [tag for tag in (part.strip() for part in self.ed_tags.split(",")) if tag]
        category = int(self.ed_category) if self.ed_category.isdigit() else None
        status, visibility = self.ed_status, self.ed_visibility
        article_id, version, before = self.article_id, self.version, self.saved_status

        def change(session: Session) -> ArticlePublic:
            if article_id:
                return kb.update_article(
                    session,
                    actor=actor,
                    article_id=article_id,
                    data=ArticleUpdate(
                        title=title,
                        body=body,
                        status=status,
                        visibility=visibility,
                        category_id=category,
                        tags=tags,
                        base_version=version,
                        kind=kind,
                        steps=steps,
                    ),
                )
            return kb.create_article(
                session,
                actor=actor,
                data=ArticleCreate(
                    title=title,
                    body=body,
                    locale=self.ed_locale,
                    status=status,
                    visibility=visibility,
                    category_id=category,
                    tags=tags,
                    translation_of=self.translation_of or None,
                    kind=kind,
                    steps=steps or [],
                ),
            )

        form_spec = Form(
            message=EDITOR_FORM.message,
            errors=EDITOR_FORM.errors,
            fields=(*EDITOR_FORM.fields, *_step_fields(len(self.ed_steps))),
            labels=EDITOR_FORM.labels,
        )
        written = self._write(change, form=form_spec, success=lambda article: self._success(article, before))
        if not written.ok or written.value is None:
            return written.events
        article = written.value
        if not article_id:
            # The editor of the article now written: the next save changes it.
            return [*written.events, rx.redirect(edit_url(article.id))]
        self._show(article)
        return written.events

    # ---- deleting --------------------------------------------------------------------------------------------

    @rx.event
    def ask_delete(self):
        if self.article_id:
            self._ask(id=self.article_id, title=self._t("Delete “{title}” for good?", title=self.ed_title))

    @rx.event
    def confirm_delete(self):
        pending = self._take_pending()
        if not pending:
            return None
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        article_id = int(pending["id"])
        written = self._write(
            lambda session: kb.delete_article(session, actor=actor, article_id=article_id),
            success=self._t("Article deleted, with its history."),
        )
        if not written.ok:
            return written.events
        return [*written.events, rx.redirect(routes.AGENT_KB)]


def _names(session: Session, actor: Actor) -> dict[int, str]:
    return {person.id: person.name for person in users.list_staff(session, actor=actor)}


class KbHistoryState(StaffState):
    """`/agent/kb/articles/<id>/history`: the versions, newest first, and the diff between two of them."""

    loaded: bool = False
    allowed: bool = False
    not_found: bool = False
    article_id: int = 0
    title: str = ""
    versions: list[dict[str, Any]] = []
    from_version: str = ""
    to_version: str = ""
    title_diff: list[dict[str, str]] = []
    body_diff: list[dict[str, str]] = []
    diff_error: str = ""

    @rx.var
    def edit_link(self) -> str:
        return edit_url(self.article_id) if self.article_id else routes.AGENT_KB

    @rx.var
    def version_options(self) -> list[dict[str, str]]:
        return [{"value": str(v["number"]), "label": self._t("Version {n}", n=v["number"])} for v in self.versions]

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self._load_counts(actor)
        self.loaded, self.not_found, self.allowed = False, False, False
        self.versions, self.title_diff, self.body_diff, self.diff_error = [], [], [], ""
        self.article_id, self.title = 0, ""
        if _is_editor(actor):
            self.allowed = True
            parts = (self.router.url.path or "").rstrip("/").split("/")
            article_id = parse_ref(parts[-2]) if len(parts) > 1 else None
            self._fetch(actor, article_id)
        self.loaded = True
        return None

    def _refresh_for_language(self) -> None:
        """The versions' words (status, relative times) in the new language; the compared pair stays."""
        actor, _ = self._actor(STAFF)
        if actor is None or not self.allowed or not self.article_id:
            return
        pair = (self.from_version, self.to_version)
        self._fetch(actor, self.article_id)
        if pair != (self.from_version, self.to_version):
            self.from_version, self.to_version = pair
            self._diff(actor)

    def _fetch(self, actor: Actor, article_id: int | None) -> None:
        if article_id is None:
            self.not_found = True
            return
        try:
            with read_session() as session:
                article = kb.get_article(session, actor=actor, article_id=article_id)
                listed = kb.list_versions(session, actor=actor, article_id=article_id)
                names = _names(session, actor)
        except NotFound:
            self.not_found = True
            return
        self.article_id, self.title = article.id, article.title
        self.versions = [
            {
                "number": v.number,
                "title": v.title,
                "status": self._t(STATUS_LABELS.get(v.status, v.status)) if v.status else "",
                "author": names.get(v.author_id, self._t("A former colleague"))
                if v.author_id is not None
                else self._t("An import or the system"),
                "when_rel": relative_time(v.created_at),
                "when_exact": exact_time(v.created_at),
            }
            for v in listed
        ]
        if len(listed) >= 2:
            self.from_version, self.to_version = str(listed[1].number), str(listed[0].number)
            self._diff(actor)
        else:
            self.from_version = self.to_version = str(listed[0].number) if listed else ""

    def _diff(self, actor: Actor) -> None:
        self.title_diff, self.body_diff, self.diff_error = [], [], ""
        if not (self.from_version.isdigit() and self.to_version.isdigit()):
            return
        try:
            with read_session() as session:
                diff = kb.version_diff(
                    session,
                    actor=actor,
                    article_id=self.article_id,
                    from_version=int(self.from_version),
                    to_version=int(self.to_version),
                )
        except DomainError as error:
            self.diff_error = error.message
            return
        self.title_diff, self.body_diff = diff_rows(diff.title), diff_rows(diff.body)

    @rx.var
    def same_versions(self) -> bool:
        return self.from_version == self.to_version

    @rx.var
    def no_changes(self) -> bool:
        return not self.title_diff and not self.body_diff

    @rx.event
    def pick(self, which: str, value: str):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        if which == "from":
            self.from_version = str(value)
        elif which == "to":
            self.to_version = str(value)
        self._diff(actor)
        return None

    @rx.event
    def compare(self, older: int):
        """A version against the one before it (its row's "Changes" button)."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        numbers = [v["number"] for v in self.versions]
        if int(older) not in numbers:
            return None
        at = numbers.index(int(older))
        if at + 1 >= len(numbers):
            return None
        self.from_version, self.to_version = str(numbers[at + 1]), str(numbers[at])
        self._diff(actor)
        return None


class KbMissingState(StaffState):
    """`/agent/kb/translations?locale=es`: the published articles with no translation in a language yet."""

    loaded: bool = False
    allowed: bool = False
    chosen: str = "es"
    missing: list[dict[str, str]] = []
    counts: dict[str, str] = {}

    @rx.var
    def locale_tabs(self) -> list[dict[str, str]]:
        return [
            {"value": locale, "label": i18n.LOCALE_NAMES.get(locale, locale), "count": self.counts.get(locale, "")}
            for locale in LOCALES
        ]

    @rx.var
    def chosen_language(self) -> str:
        return i18n.LOCALE_NAMES.get(self.chosen, self.chosen)

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self._load_counts(actor)
        self.loaded, self.allowed, self.missing, self.counts = False, False, [], {}
        wanted = str(self.router.url.query_parameters.get("locale", ""))
        self.chosen = wanted if wanted in LOCALES else ("es" if self.locale == "en" else self.locale or "es")
        if _is_editor(actor):
            self.allowed = True
            self._fetch(actor)
        self.loaded = True
        return None

    def _fetch(self, actor: Actor) -> None:
        with read_session() as session:
            every = {locale: kb.missing_translations(session, actor=actor, locale=locale) for locale in LOCALES}
        self.counts = {locale: i18n.format_number(len(rows)) for locale, rows in every.items()}
        self.missing = [
            {
                "title": row.title,
                "source_language": i18n.LOCALE_NAMES.get(row.source_locale, row.source_locale),
                "source_url": routes.agent_kb_article(row.source_id) + f"?locale={row.source_locale}",
                "translate_url": translate_url(row.source_id, self.chosen),
            }
            for row in every[self.chosen]
        ]

    @rx.event
    def choose(self, locale: str):
        return rx.redirect(f"{routes.AGENT_KB_MISSING}?locale={locale}") if locale in LOCALES else None


CATEGORY_FORM = Form(
    message="form_error",
    errors="errors",
    fields=("name", "parent_id"),
    labels={"name": N_("name")},
)


def category_rows(categories: list[CategoryPublic], counts: dict[int, int]) -> list[dict[str, Any]]:
    """The categories as the page lists them: each under its parent (depth-first, in the desk's order), with
    its depth, its path's words and how many articles it holds."""
    children: dict[int | None, list[CategoryPublic]] = {}
    known = {c.id for c in categories}
    for category in categories:
        parent = category.parent_id if category.parent_id in known else None
        children.setdefault(parent, []).append(category)
    labels = {o["value"]: o["label"] for o in category_paths(categories)}
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for category in children.get(parent, []):
            if category.id in seen:
                continue
            seen.add(category.id)
            rows.append(
                {
                    "id": category.id,
                    "name": category.name,
                    "path": labels.get(str(category.id), category.name),
                    "parent": str(category.parent_id) if category.parent_id is not None else NONE,
                    "depth": depth,
                    "indent": f"{depth * 20}px",
                    "articles": counts.get(category.id, 0),
                    "children": len(children.get(category.id, [])),
                }
            )
            walk(category.id, depth + 1)

    walk(None, 0)
    return rows


class KbCategoriesState(ConfirmMixin, StaffState):
    """`/agent/kb/categories`: the help centre's categories as a tree; editors add one (under a parent, so
    nested), rename or move one (the service refuses a loop) and delete an empty one."""

    loaded: bool = False
    allowed: bool = False
    rows: list[dict[str, Any]] = []
    new_parent: str = NONE
    editing: int = 0  # the category whose row is open for a new name or parent
    edit_parent: str = NONE
    form_error: str = ""
    errors: dict[str, str] = {}
    edit_error: str = ""
    edit_errors: dict[str, str] = {}
    form_key: str = "0"  # bumped after an add: the name field empties

    @rx.var
    def parent_options(self) -> list[dict[str, str]]:
        return sorted(
            ({"value": str(r["id"]), "label": r["path"]} for r in self.rows), key=lambda o: o["label"].casefold()
        )

    @rx.var
    def edit_parent_options(self) -> list[dict[str, str]]:
        """Where the open category may go: anywhere but itself and its own sub-categories."""
        below: set[int] = set()
        if self.editing:
            at = next((i for i, r in enumerate(self.rows) if r["id"] == self.editing), -1)
            if at >= 0:
                depth = self.rows[at]["depth"]
                below.add(self.editing)
                for row in self.rows[at + 1 :]:
                    if row["depth"] <= depth:
                        break
                    below.add(row["id"])
        return [o for o in self.parent_options if int(o["value"]) not in below]

    @rx.var
    def editing_name(self) -> str:
        return next((str(r["name"]) for r in self.rows if r["id"] == self.editing), "")

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self._load_counts(actor)
        self.loaded, self.allowed, self.rows = False, False, []
        self.editing, self.form_error, self.errors, self.edit_error, self.edit_errors = 0, "", {}, "", {}
        self.new_parent, self.pending = NONE, {}
        if _is_editor(actor):
            self.allowed = True
            self._fetch(actor)
        self.loaded = True
        return None

    def _fetch(self, actor: Actor) -> None:
        with read_session() as session:
            self.rows = category_rows(
                kb.list_categories(session, actor=actor), kb.category_article_counts(session, actor=actor)
            )

    @rx.event
    def set_new_parent(self, value: str):
        self.new_parent = str(value)

    @rx.event
    def set_edit_parent(self, value: str):
        self.edit_parent = str(value)

    @rx.event
    def add(self, form: dict[str, Any]):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        name = form_text(form, "name").strip()
        parent = int(self.new_parent) if self.new_parent.isdigit() else None
        if not name:
            self.errors, self.form_error = {"name": self._t("Give the category a name.")}, ""
            return None
        written = self._write(
            lambda session: kb.create_category(
                session, actor=actor, data=kb.CategoryCreate(name=name[:120], parent_id=parent)
            ),
            form=CATEGORY_FORM,
            success=lambda c: self._t("Category “{name}” added.", name=c.name),
        )
        if written.ok:
            self.form_key = str(int(self.form_key) + 1)
            self._fetch(actor)
        return written.events

    @rx.event
    def start_edit(self, category_id: int):
        row = next((r for r in self.rows if r["id"] == int(category_id)), None)
        if row is not None:
            self.editing, self.edit_parent = int(category_id), str(row["parent"])
            self.edit_error, self.edit_errors = "", {}

    @rx.event
    def stop_edit(self):
        self.editing, self.edit_error, self.edit_errors = 0, "", {}

    @rx.event
    def save_edit(self, form: dict[str, Any]):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        category_id = self.editing
        if not category_id:
            return None
        name = form_text(form, "name").strip()
        if not name:
            self.edit_errors, self.edit_error = {"name": self._t("Give the category a name.")}, ""
            return None
        parent = int(self.edit_parent) if self.edit_parent.isdigit() else None
        spec = Form(
            message="edit_error", errors="edit_errors", fields=CATEGORY_FORM.fields, labels=CATEGORY_FORM.labels
        )
        written = self._write(
            lambda session: kb.update_category(
                session,
                actor=actor,
                category_id=category_id,
                data=kb.CategoryUpdate(name=name[:120], parent_id=parent),
            ),
            form=spec,
            success=lambda c: self._t("Category “{name}” saved.", name=c.name),
        )
        if written.ok:
            self.editing = 0
            self._fetch(actor)
        return written.events

    @rx.event
    def ask_delete(self, category_id: int):
        row = next((r for r in self.rows if r["id"] == int(category_id)), None)
        if row is not None:
            self._ask(id=row["id"], title=self._t("Delete the category “{name}”?", name=row["name"]))

    @rx.event
    def confirm_delete(self):
        return self._write_confirmed(
            STAFF,
            lambda session, actor, category_id: kb.delete_category(session, actor=actor, category_id=category_id),
            success=self._t("Category deleted."),
            then=self._fetch,
        )
