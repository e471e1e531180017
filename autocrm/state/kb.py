"""The knowledge base's screens: the help centre (customers and visitors) and the staff's knowledge base.

The help centre reads as a visitor would, whoever is signed in: a staff member looking at /help sees what
customers see, and the state never holds an internal article or an editor's field (Reflex sends every var
to the browser). Only the feedback is given as the signed-in person.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import t
from autocrm.models import Role
from autocrm.services import kb
from autocrm.services.actor import Actor
from autocrm.services.ai import suggestions
from autocrm.services.errors import NotFound
from autocrm.services.kb import FeedbackCreate, reading
from autocrm.services.kb.articles import may_edit
from autocrm.services.users import UserPublic
from autocrm.state import kb_editor, live
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import STAFF
from autocrm.state.session import Form, SessionState
from autocrm.state.staff import StaffState
from autocrm.state.tutorial import TutorialViewerMixin

VISITOR = Actor(role=Role.customer, label="help-centre")
SEARCH_LIMIT = 10
MAX_QUERY = 200
FEEDBACK_FORM = Form(message="feedback_error")
# The period an article's deflections are counted over on its staff page.
DEFLECTION_DAYS = 30


def _hit_row(hit: kb.SearchHit) -> dict[str, Any]:
    return {
        "id": hit.article_id,
        "title": hit.title,
        "snippet": hit.snippet,
        "url": hit.url,
        "locale": hit.locale,
        "tutorial": hit.kind == "tutorial",
    }


def _card_row(card: reading.HelpArticleCard) -> dict[str, Any]:
    return {
        "id": card.id,
        "title": card.title,
        "excerpt": card.excerpt,
        "url": card.url,
        "tutorial": card.kind == "tutorial",
    }


def _category_row(category: reading.HelpCategory) -> dict[str, Any]:
    return {
        "id": category.id,
        "name": category.name,
        "url": category.url,
        "parent_id": category.parent_id or 0,
        "articles": category.articles,
        "trail": [{"name": link.name, "url": link.url} for link in category.trail],
    }


def _article_row(article: reading.HelpArticle) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "body_html": article.body_html,
        "locale": article.locale,
        "language": i18n.LOCALE_NAMES.get(article.locale, article.locale),
        "fallback": article.fallback,
        "updated_rel": relative_time(article.updated_at),
        "updated_exact": exact_time(article.updated_at),
        "category_name": article.category.name if article.category else "",
        "category_url": article.category.url if article.category else "",
        "trail": [{"name": link.name, "url": link.url} for link in article.category.trail] if article.category else [],
        "url": article.url,
        "tutorial": article.kind == "tutorial",
    }


class HelpReaderState(SessionState):
    """What every help-centre page shares: who is reading (if anyone) and the search box."""

    query: str = ""
    hits: list[dict[str, Any]] = []
    searched: bool = False

    def _follow_language(self) -> None:
        """Registers the tab with the live feed for one thing only: the language switch asks the watched page
        to read again (`SessionState.set_language`), so the article follows into the new language. No ticket
        change concerns it: no requester or ticket has the id 0."""
        live.watch(self, user_id=0, staff=False, ticket_id=0)

    def _live_refresh(self, batch: live.Batch) -> None:  # noqa: ARG002 (never called: the watch wants nothing)
        self._refresh_for_language()

    def _refresh_for_language(self) -> None:
        self._fetch()

    def _fetch(self) -> None:
        raise NotImplementedError

    def _reader(self) -> None:
        """Knows the signed-in person (for the header and the feedback) without asking anyone to sign in."""
        user = self._current_user()
        if user is None:
            self.user = {}
        else:
            self.user = UserPublic.model_validate(user).model_dump(mode="json")
            self._apply_locale()
            self._load_company_name()

    def _search(self, query: str) -> None:
        self.query = query[:MAX_QUERY]
        self.searched = bool(self.query.strip())
        if not self.searched:
            self.hits = []
            return
        with read_session() as session:
            found = kb.search(session, actor=VISITOR, q=self.query, locale=self.locale or None, limit=SEARCH_LIMIT)
        self.hits = [_hit_row(hit) for hit in found.items]

    @rx.event
    def search(self, form: dict[str, Any]):
        query = form_text(form, "q").strip()[:MAX_QUERY]
        return rx.redirect(routes.HELP + (f"?q={quote(query)}" if query else ""))


class HelpHomeState(HelpReaderState):
    categories: list[dict[str, Any]] = []
    recent: list[dict[str, Any]] = []
    loaded: bool = False

    @rx.var
    def top_categories(self) -> list[dict[str, Any]]:
        return [c for c in self.categories if not c["parent_id"]]

    @rx.event
    def load(self):
        self._reader()
        self._fetch()
        self._follow_language()
        self.loaded = True

    def _fetch(self) -> None:
        locale = self.locale or i18n.default_locale()
        with read_session() as session:
            categories = reading.help_categories(session, actor=VISITOR)
            recent = reading.help_articles(session, actor=VISITOR, locale=locale, limit=8)
        self.categories = [_category_row(c) for c in categories if c.articles]
        self.recent = [_card_row(c) for c in recent]
        self._search(self.router.url.query_parameters.get("q", ""))


class HelpCategoryState(HelpReaderState):
    category: dict[str, Any] = {}
    articles: list[dict[str, Any]] = []
    subcategories: list[dict[str, Any]] = []
    loaded: bool = False
    not_found: bool = False

    @rx.event
    def load(self):
        self._reader()
        self.loaded, self.not_found = False, False
        self._fetch()
        self._follow_language()
        self.loaded = True

    def _fetch(self) -> None:
        slug = (self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]
        locale = self.locale or i18n.default_locale()
        try:
            with read_session() as session:
                category = reading.help_category(session, actor=VISITOR, slug=slug)
                articles = reading.help_articles(
                    session, actor=VISITOR, locale=locale, category_id=category.id, limit=200
                )
                every = reading.help_categories(session, actor=VISITOR)
        except NotFound:
            self.category, self.articles, self.subcategories, self.not_found = {}, [], [], True
        else:
            self.category = _category_row(category)
            self.articles = [_card_row(a) for a in articles]
            self.subcategories = [_category_row(c) for c in every if c.parent_id == category.id and c.articles]


class HelpArticleState(TutorialViewerMixin, HelpReaderState):
    article: dict[str, Any] = {}
    loaded: bool = False
    not_found: bool = False
    vote: str = ""  # "", "yes" or "no": the reader's answer before sending it
    feedback_sent: bool = False
    feedback_error: str = ""

    @rx.var
    def sign_in_to_rate(self) -> str:
        return routes.LOGIN + "?next=" + quote(self.router.url.path or routes.HELP)

    @rx.event
    def load(self):
        self._reader()
        self.loaded, self.not_found = False, False
        self.vote, self.feedback_sent, self.feedback_error = "", False, ""
        self.tutorial_id = 0  # a page opened anew finds the reader's place again
        self._fetch()
        if self.article:
            with write_session() as session:
                reading.record_view(session, actor=VISITOR, article_id=int(self.article["id"]))
        self._follow_language()
        self.loaded = True
        return self._tutorial_keys()

    def _fetch(self) -> None:
        ref = (self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]
        locale = self.locale or i18n.default_locale()
        try:
            with read_session() as session:
                article = reading.help_article(session, actor=VISITOR, ref=ref, locale=locale)
        except NotFound:
            self.article, self.not_found = {}, True
            self._close_tutorial()
            return
        self.article, self.not_found = _article_row(article), False
        self._open_tutorial(article.id, article.steps)

    @rx.event
    def choose(self, answer: str):
        self.vote = "yes" if answer == "yes" else "no"
        self.feedback_error = ""

    @rx.event
    def send_feedback(self, form: dict[str, Any]):
        if not self.vote:
            self.feedback_error = t("Choose Yes or No first.")
            return None
        user = self._current_user()
        if user is None:
            return rx.redirect(self.sign_in_to_rate)
        actor = Actor.for_user(user)
        article_id, helpful = int(self.article["id"]), self.vote == "yes"
        comment = form_text(form, "comment").strip()
        written = self._write(
            lambda session: kb.give_feedback(
                session, actor=actor, article_id=article_id, data=FeedbackCreate(helpful=helpful, comment=comment)
            ),
            form=FEEDBACK_FORM,
            success=t("Thank you for your feedback!"),
        )
        if written.ok:
            self.feedback_sent = True
        return written.events


# ---- the staff's knowledge base -------------------------------------------------------------------------------


def _staff_article_row(article: reading.StaffArticle) -> dict[str, Any]:
    return _article_row(article) | {
        "internal": article.visibility == "internal",
        "editor": article.editor,
        "views": i18n.format_number(article.views),
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
        "public_url": routes.help_article(article.id) if article.visibility == "public" else "",
    }


class AgentKbState(StaffState):
    """Search every article staff may read, internal ones included; open one."""

    query: str = ""
    hits: list[dict[str, Any]] = []
    recent: list[dict[str, Any]] = []
    searched: bool = False
    loaded: bool = False
    editor: bool = False  # may write: the "New article" and "Missing translations" links
    # Editors only: their drafts and archived articles, which the reading pages never show.
    unpublished: list[dict[str, Any]] = []

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self._load_counts(actor)
        self.query = self.router.url.query_parameters.get("q", "")[:MAX_QUERY]
        self._fetch(actor)
        self._fetch_unpublished(actor)
        self.loaded = True
        return None

    def _fetch_unpublished(self, actor: Actor) -> None:
        with read_session() as session:
            self.editor = may_edit(session, actor)
            if not self.editor:
                self.unpublished = []
                return
            rows = [
                *kb.list_articles(session, actor=actor, status="draft", limit=30),
                *kb.list_articles(session, actor=actor, status="archived", limit=30),
            ]
        self.unpublished = [
            {
                "id": a.id,
                "title": a.title,
                "internal": a.visibility == "internal",
                "draft": a.status == "draft",
                "language": i18n.LOCALE_NAMES.get(a.locale, a.locale),
                "url": routes.agent_kb_article_edit(a.id),
                "updated_rel": relative_time(a.updated_at),
                "updated_exact": exact_time(a.updated_at),
            }
            for a in sorted(rows, key=lambda a: a.updated_at, reverse=True)
        ]

    def _fetch(self, actor: Actor) -> None:
        locale = self.locale or i18n.default_locale()
        with read_session() as session:
            self.searched = bool(self.query.strip())
            if self.searched:
                found = kb.search(session, actor=actor, q=self.query, locale=locale, limit=20, cross_locale=True)
                # An internal article's address is the staff's knowledge base (`articles.article_url`).
                self.hits = [
                    _hit_row(h)
                    | {"internal": h.url.startswith("/agent/"), "url": routes.agent_kb_article(h.article_id)}
                    for h in found.items
                ]
            else:
                self.hits = []
            listed = kb.list_articles(session, actor=actor, locale=locale, status="published", limit=30)
        self.recent = [
            {
                "id": a.id,
                "title": a.title,
                "internal": a.visibility == "internal",
                "url": routes.agent_kb_article(a.id),
                "updated_rel": relative_time(a.updated_at),
                "updated_exact": exact_time(a.updated_at),
            }
            for a in listed
            if a.status == "published"
        ]

    @rx.event
    def search(self, form: dict[str, Any]):
        query = form_text(form, "q").strip()[:MAX_QUERY]
        return rx.redirect(routes.AGENT_KB + (f"?q={quote(query)}" if query else ""))


def _recent_deflections(session: Session, actor: Actor, article: reading.StaffArticle) -> int:
    """How many customers said the article answered the request they were writing (editors only, like views)."""
    if not article.editor:
        return 0
    since = datetime.now(UTC) - timedelta(days=DEFLECTION_DAYS)
    counted = suggestions.deflections(session, actor=actor, since=since, article_id=article.id)
    return sum(c.deflections for c in counted)


class AgentKbArticleState(TutorialViewerMixin, StaffState):
    article: dict[str, Any] = {}
    loaded: bool = False
    not_found: bool = False
    # Its translations the reader may see (editors: drafts too), and for editors the languages it lacks.
    translations: list[dict[str, Any]] = []
    missing_locales: list[dict[str, str]] = []

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self._load_counts(actor)
        self.loaded, self.not_found = False, False
        ref = (self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]
        # A translation's link names its language (`?locale=es`): else the reader's language decides.
        asked = str(self.router.url.query_parameters.get("locale", ""))
        locale = asked if asked in i18n.LOCALE_NAMES else self.locale or i18n.default_locale()
        self.translations, self.missing_locales = [], []
        self.tutorial_id = 0
        try:
            with read_session() as session:
                article = reading.staff_article(session, actor=actor, ref=ref, locale=locale)
                deflected = _recent_deflections(session, actor, article)
                whole = kb.get_article(session, actor=actor, article_id=article.id)
        except NotFound:
            self.article, self.not_found = {}, True
            self._close_tutorial()
        else:
            self._open_tutorial(article.id, article.steps)
            self.article = _staff_article_row(article) | {
                "deflections": i18n.format_number(deflected),
                "edit_url": routes.agent_kb_article_edit(article.id) if article.editor else "",
                "history_url": routes.agent_kb_article_history(article.id) if article.editor else "",
            }
            self.translations, self.missing_locales = kb_editor.translation_rows(whole, editor=article.editor)
        self.loaded = True
        return self._tutorial_keys()
