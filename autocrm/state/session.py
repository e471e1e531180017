"""The signed-in user: the session cookie, who it belongs to, and the role gates every page uses.

Every protected page's on_load (and every handler that writes) resolves the user again from the
cookie through `auth.user_for_session_token`, so a revoked session or a deactivated account loses
access at the next click, not at the next sign-in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

import reflex as rx
from pydantic import ValidationError
from sqlmodel import Session

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.models import User
from autocrm.services import auth, mfa, users
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.users import UserPublic
from autocrm.state import live
from autocrm.state.format import initials, refusal_messages
from autocrm.state.roles import ROLE_LABELS

_settings = get_settings()
T = TypeVar("T")


@dataclass(frozen=True)
class Form:
    """Where a refused write's messages land. `message` names the state's str var for the form-level message;
    `errors` its dict var of per-field messages, for the `fields` the form shows. A form without `errors` has
    one field (a composer's body): that field's message goes to `message` too. `labels` name fields in the
    messages of an input shape that refused the values ("Enter a description.")."""

    message: str
    errors: str = ""
    fields: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Written(Generic[T]):
    """What `SessionState._write` did: whether the write went through, its result, and the toast to return."""

    ok: bool
    value: T | None = None
    events: list[Any] = field(default_factory=list)


# The state whose on_load reads each page, by route pattern (`/agent/tickets/[ticket_id]`); `pages.registry` fills
# it. A language switch asks the current page's state to read its rows again, since the words it made while
# reading (labels, relative times, messages) are in the old language.
PAGE_STATES: dict[str, type[SessionState]] = {}


def _route_matches(pattern: str, path: str) -> bool:
    wanted, given = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(wanted) == len(given) and all(
        w == g or (w.startswith("[") and w.endswith("]")) for w, g in zip(wanted, given, strict=True)
    )


def page_state_for(path: str) -> type[SessionState] | None:
    """The state that loads the page at `path` (a concrete path such as /agent/tickets/42), if one is known."""
    exact = PAGE_STATES.get("/" + path.strip("/"))
    if exact is not None:
        return exact
    return next((cls for route, cls in PAGE_STATES.items() if "[" in route and _route_matches(route, path)), None)


def safe_next(target: str | None) -> str:
    """A same-site path to return to after signing in, or '' (never another origin, never the login page)."""
    target = auth.safe_return_path(target)
    return "" if target.startswith(routes.LOGIN) else target


def go_to(url: str) -> Any:
    """A full page load (not the client-side router): the server routes under /api set or clear the
    session cookie, and the next page's websocket handshake carries it."""
    return rx.call_script(f"window.location.replace({json.dumps(url)})")


def post_to(url: str) -> Any:
    """A full page load by POST (a form the page submits): the server's sign-out route takes only POSTs from
    this site's pages, so a link or an image elsewhere cannot sign anyone out."""
    return rx.call_script(
        "(() => { const form = document.createElement('form'); form.method = 'post'; "
        f"form.action = {json.dumps(url)}; document.body.appendChild(form); form.submit(); }})()"
    )


class SessionState(rx.State):
    """Root of every AutoCRM state: page states subclass it, so they read `user` directly."""

    user: dict[str, Any] = {}
    company_name: str = _settings.company_name
    # The tab's language: `chosen_locale` is what the language switch picked in this tab (the profile's
    # choice comes with `user`); `locale` is what the last event negotiated, and `ui_text` its catalog,
    # which `components.i18n.tr()` reads, so a switch re-renders every text without a reload.
    chosen_locale: str = ""
    locale: str = ""
    ui_text: dict[str, str] = {}
    ui_plurals: dict[str, list[str]] = {}

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.user)

    @rx.var
    def user_name(self) -> str:
        return str(self.user.get("name", ""))

    @rx.var
    def user_first_name(self) -> str:
        return str(self.user.get("name", "")).split(" ")[0]

    @rx.var
    def user_email(self) -> str:
        return str(self.user.get("email", ""))

    @rx.var
    def user_role(self) -> str:
        return str(self.user.get("role", ""))

    @rx.var
    def user_role_label(self) -> str:
        role = str(self.user.get("role", ""))
        return self._t(ROLE_LABELS[role]) if role in ROLE_LABELS else role

    @rx.var
    def user_initials(self) -> str:
        return initials(self.user.get("name"))

    @rx.var
    def is_admin(self) -> bool:
        return self.user.get("role") == "admin"

    @rx.var
    def language_name(self) -> str:
        return i18n.LOCALE_NAMES.get(self.locale or i18n.default_locale(), "")

    # ---- helpers for page states ------------------------------------------------------------------

    def _t(self, msgid: str, /, **params: Any) -> str:
        """`i18n.t` for computed vars: reading `self.locale` makes a language switch recompute the var."""
        with i18n.using_locale(self.locale):
            return i18n.t(msgid, **params)

    def _ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        with i18n.using_locale(self.locale):
            return i18n.ngettext(singular, plural, n, **params)

    def _negotiated_locale(self) -> str:
        """This tab's choice, else the profile's, else the browser's Accept-Language, else the desk's default."""
        return i18n.negotiate(
            chosen=self.chosen_locale or str(self.user.get("locale") or ""),
            accept_language=self.router.headers.accept_language,
        )

    def _apply_locale(self) -> str:
        """Make the negotiated locale current for this event (services' `t()` reads it) and, when it
        changed, send the tab its catalog. Called before every event by `state.locale.LocaleMiddleware`."""
        locale = self._negotiated_locale()
        i18n.set_locale(locale)
        i18n.set_time_zone(str(self.user.get("time_zone") or "") or None)
        if locale != self.locale:
            self.locale = locale
            self.ui_text = i18n.catalog(locale)
            self.ui_plurals = i18n.plural_catalog(locale)
        return locale

    def _cookie(self, name: str) -> str:
        """A cookie (HttpOnly ones too) as the browser sent it with this page's websocket handshake."""
        cookies = SimpleCookie()
        try:
            cookies.load(self.router.headers.cookie or "")
        except CookieError:
            return ""
        morsel = cookies.get(name)
        return morsel.value if morsel else ""

    def _session_token(self) -> str:
        return self._cookie(auth.SESSION_COOKIE)

    def _server_url(self, path: str, **query: str) -> str:
        """A URL on this app's server (the websocket's host), with the page's origin for the way back."""
        scheme = "https" if self.router.url.scheme == "https" else "http"
        query["origin"] = self.router.url.origin
        return f"{scheme}://{self.router.headers.host}{path}?{urlencode(query)}"

    def _current_user(self) -> User | None:
        with read_session() as session:
            return auth.user_for_session_token(session, self._session_token() or None)

    def _load_company_name(self) -> None:
        """The desk's name as set at first run (a desk setting), shown in every shell."""
        from autocrm.services.setup import company_name

        with read_session() as session:
            self.company_name = company_name(session)

    def _path(self) -> str:
        return self.router.url.path or ""

    def _authorize(self, roles: Iterable[str]) -> tuple[User | None, Any]:
        """(user, None) when the cookie's user has one of `roles`; else (None, the events to run)."""
        user = self._current_user()
        if user is None:
            self.user = {}
            back = safe_next(self._path().rstrip("/") or "")
            target = routes.LOGIN + (f"?next={quote(back)}" if back else "")
            return None, rx.redirect(target, replace=True)
        self.user = UserPublic.model_validate(user).model_dump(mode="json")
        self._apply_locale()  # the profile's language, now that we know whose tab this is
        self._load_company_name()
        if user.role.value not in tuple(roles):
            return None, [
                rx.redirect(routes.home_for(user.role.value), replace=True),
                rx.toast.warning(t("That page is not available to your account."), id="forbidden"),
            ]
        if self._path().rstrip("/") != routes.ACCOUNT_SECURITY:
            with read_session() as session:
                must_enrol = mfa.enrolment_required(session, user=user)
            if must_enrol:
                return None, rx.redirect(f"{routes.ACCOUNT_SECURITY}?required=1", replace=True)
        return user, None

    def _actor(self, roles: Iterable[str]) -> tuple[Actor | None, Any]:
        user, refusal = self._authorize(roles)
        return (Actor.for_user(user) if user else None), refusal

    def _write(
        self, change: Callable[[Session], T], *, form: Form | None = None, success: str | Callable[[T], str] = ""
    ) -> Written[T]:
        """Runs `change` as one write transaction. A refusal (a domain error, or an input shape that refused the
        values) goes next to the fields of `form`, or into an error toast for a change made without a form;
        a change that went through toasts `success` (a text, or one made from the result)."""
        if form is not None:
            self._show_refusal(form, {}, "")
        try:
            with write_session() as session:
                value = change(session)
        except (DomainError, ValidationError) as exc:
            shown, message = refusal_messages(
                exc, fields=form.fields if form else (), labels=form.labels if form else None
            )
            if form is None:
                return Written(ok=False, events=[rx.toast.error(message)])
            self._show_refusal(form, shown, message)
            return Written(ok=False)
        text = success(value) if callable(success) else success
        return Written(ok=True, value=value, events=[rx.toast.success(text)] if text else [])

    def _show_refusal(self, form: Form, shown: dict[str, str], message: str) -> None:
        if form.errors:
            setattr(self, form.errors, shown)
            setattr(self, form.message, message)
        else:
            setattr(self, form.message, next(iter(shown.values()), message))

    # ---- events -----------------------------------------------------------------------------------

    @rx.event
    async def set_language(self, locale: str):
        """The language switch: applies at once in this tab (every `tr()` text follows `ui_text`, and the page
        reads its rows again so times and state-made words follow too)."""
        chosen = i18n.normalize_locale(locale)
        if chosen is None:
            return None
        self.chosen_locale = chosen
        self._apply_locale()
        user = self._current_user() if self.user else None
        if user is not None and user.locale != chosen:
            # Signed in: the choice follows the person to their other devices and into their mails.
            with write_session() as session:
                self.user = users.set_own_preferences(session, actor=Actor.for_user(user), locale=chosen).model_dump(
                    mode="json"
                )
        await self._read_page_again()
        # The page's language for screen readers, spell-checkers and the browser's own translate offer.
        return rx.call_script(f"document.documentElement.lang = {json.dumps(chosen)}")

    async def _read_page_again(self) -> None:
        """The page reads its rows again in the new language: the way it says (`_refresh_for_language`), else
        a live page's refresh with no changes. A page that says neither shows only `tr()` texts, which follow
        the catalog by themselves."""
        watching = live.WATCHES.get(self.router.session.client_token)
        page_cls = watching.state if watching is not None else page_state_for(self._path())
        if page_cls is None or not issubclass(page_cls, SessionState):
            return
        page: Any = await self.get_state(page_cls)
        refresh = getattr(page, "_refresh_for_language", None)
        if refresh is not None:
            refresh()
        elif watching is not None:
            page._live_refresh(live.Batch([]))

    @rx.event
    def redirect_home(self):
        """`/`: the queue for staff, the portal for customers, the login page for everyone else."""
        user = self._current_user()
        if user is None:
            return rx.redirect(routes.LOGIN, replace=True)
        return rx.redirect(routes.home_for(user.role.value), replace=True)

    @rx.event
    def logout(self):
        token = self._session_token()
        if token:
            with write_session() as session:
                auth.end_login_session(session, token=token)
        self.user = {}
        return post_to(self._server_url("/api/session/logout"))


def id_from_path(path: str) -> int | None:
    """The numeric id at the end of a path such as /agent/tickets/42/ (None when it is not a number)."""
    last = (path or "").rstrip("/").rsplit("/", 1)[-1]
    return int(last) if last.isdigit() and len(last) < 12 else None
