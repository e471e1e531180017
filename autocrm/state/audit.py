"""Admin: the audit log. Who changed what and when, newest first; filters by person, object type, object id,
action and dates, kept in the page's URL (a link restores the screen), and "Older" pages by the keyset cursor
(`?before=`), so a page deep in millions of entries costs what the first does."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import audit_log, users
from autocrm.services.actor import Actor
from autocrm.services.audit_log import OBJECT_TYPES, AuditChange, AuditEntryPublic, AuditQuery
from autocrm.services.errors import DomainError
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import ADMIN
from autocrm.state.staff import StaffState

PAGE_SIZE = 50
ANY = "any"
# The URL's names for the filters (short, readable in a shared link) and the service's for each.
QUERY_KEYS = ("person", "type", "id", "action", "from", "to")
# Where an object of each type can be seen; types with one page per object get their id in the link.
OBJECT_PAGES: dict[str, str] = {
    "user": routes.ADMIN_USERS,
    "team": routes.ADMIN_TEAMS,
    "routing_rule": routes.ADMIN_ROUTING,
    "webhook": routes.ADMIN_WEBHOOKS,
    "api_key": routes.ADMIN_API_KEYS,
    "email_mailbox": routes.ADMIN_MAILBOXES,
    "sso_provider": routes.ADMIN_SSO,
    "status": routes.ADMIN_SETTINGS,
    "priority": routes.ADMIN_SETTINGS,
    "custom_field": routes.ADMIN_SETTINGS,
    "tag": routes.ADMIN_SETTINGS,
    "macro": routes.AGENT_MACROS,
}
KIND_TEXT = {"person": N_("Person"), "api_key": N_("API key"), "system": N_("System")}


def shown_value(value: Any) -> str:
    """A recorded value as a reader sees it: nothing as a dash, yes/no, lists joined, objects as compact JSON."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return t("Yes") if value else t("No")
    if isinstance(value, list):
        return ", ".join(shown_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def change_row(change: AuditChange) -> dict[str, Any]:
    return {
        "field": change.field,
        "before": shown_value(change.before),
        "after": shown_value(change.after),
        "hidden": change.hidden,
        "added": change.before is None and not change.hidden,
    }


def object_link(object_type: str, object_id: int | None) -> str:
    if object_type == "ticket" and object_id:
        return routes.agent_ticket(object_id)
    if object_type == "kb_article" and object_id:
        return routes.agent_kb_article(object_id)
    return OBJECT_PAGES.get(object_type, "")


def entry_row(entry: AuditEntryPublic, *, now: datetime | None = None) -> dict[str, Any]:
    kind = OBJECT_TYPES.get(entry.object_type)
    type_text = t(kind) if kind else entry.object_type
    changes = list(entry.changes)
    # Objects known by a key rather than an id (a status, a priority) record it as an unchanged `key`: it names
    # the object instead of being listed as a change.
    key = next((c for c in changes if c.field == "key" and isinstance(c.after, str)), None)
    if key is not None and key.before == key.after:
        changes.remove(key)
    if entry.object_id:
        label = f"{type_text} #{entry.object_id}"
    elif key is not None and not entry.object_id:
        label = f"{type_text} {key.after}"
    else:
        label = type_text
    return {
        "id": entry.id,
        "when_rel": relative_time(entry.created_at, now=now),
        "when_exact": exact_time(entry.created_at),
        "who": entry.actor.name,
        "who_kind": t(KIND_TEXT[entry.actor.kind]),
        "who_id": entry.actor.user_id or 0,
        "action": entry.action,
        "object": label,
        "object_link": object_link(entry.object_type, entry.object_id),
        "changes": [change_row(change) for change in changes],
        "no_changes": not changes,
    }


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the reader's time zone (the dates a reader types are their own days)."""
    return datetime.combine(day, time(), tzinfo=i18n.zone(i18n.get_time_zone()))


class AdminAuditState(StaffState):
    rows: list[dict[str, Any]] = []
    loaded: bool = False
    error: str = ""
    next_cursor: str = ""
    paged: bool = False  # an older page is shown (a "Newest" button goes back)
    # The filters as the URL and the form have them.
    f_person: str = ANY
    f_type: str = ANY
    f_id: str = ""
    f_action: str = ""
    f_from: str = ""
    f_to: str = ""
    filter_errors: dict[str, str] = {}
    people: list[dict[str, str]] = []

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def has_older(self) -> bool:
        return bool(self.next_cursor)

    @rx.var
    def filtered(self) -> bool:
        return (
            self.f_person != ANY or self.f_type != ANY or bool(self.f_id or self.f_action or self.f_from or self.f_to)
        )

    @rx.var
    def type_options(self) -> list[dict[str, str]]:
        return [{"value": key, "label": self._t(label)} for key, label in OBJECT_TYPES.items()]

    def _read_query(self) -> str:
        params = self.router.url.query_parameters
        person = str(params.get("person", ""))
        self.f_person = person if person.isdigit() and 0 < int(person) < 2**31 else ANY
        kind = str(params.get("type", ""))
        self.f_type = kind if kind in OBJECT_TYPES else ANY
        self.f_id = str(params.get("id", ""))[:12]
        self.f_action = str(params.get("action", ""))[:60]
        self.f_from = str(params.get("from", ""))[:10]
        self.f_to = str(params.get("to", ""))[:10]
        before = str(params.get("before", ""))
        return before if before.isdigit() else ""

    def _query(self, before: str) -> AuditQuery | None:
        """The service's query from the filters; a filter it refuses is said next to its field."""
        errors: dict[str, str] = {}
        object_id = int(self.f_id) if self.f_id.isdigit() and 0 < int(self.f_id) < 2**31 else None
        if self.f_id and object_id is None:
            errors["id"] = t("Enter the object's number, such as 42.")
        start, end = _day(self.f_from), _day(self.f_to)
        if self.f_from and start is None:
            errors["from"] = t("Enter a date like 2026-11-26.")
        if self.f_to and end is None:
            errors["to"] = t("Enter a date like 2026-11-26.")
        if start and end and end < start:
            errors["to"] = t("The end must come after the start.")
        if errors:
            self.filter_errors = errors
            return None
        try:
            return AuditQuery(
                actor_id=int(self.f_person) if self.f_person != ANY else None,
                object_type=self.f_type if self.f_type != ANY else None,
                object_id=object_id,
                action=self.f_action or None,
                start=_start_of(start) if start else None,
                end=_start_of(end + timedelta(days=1)) if end else None,
                cursor=before or None,
                limit=PAGE_SIZE,
            )
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            self.filter_errors = {"action": t("Use an action such as ticket.update.")} if "action" in str(exc) else {}
            self.error = "" if self.filter_errors else t("These filters are not valid.")
            return None

    def _fetch(self, actor: Actor, before: str = "") -> None:
        self.filter_errors, self.error = {}, ""
        query = self._query(before)
        with read_session() as session:
            staff = users.list_staff(session, actor=actor)
            self.people = [{"value": str(person.id), "label": person.name} for person in staff]
            if self.f_person != ANY and self.f_person not in {p["value"] for p in self.people}:
                self.people.append({"value": self.f_person, "label": t("Person {id}", id=self.f_person)})
            if query is None:
                self.rows, self.next_cursor = [], ""
                return
            try:
                page = audit_log.list_entries(session, actor=actor, query=query)
            except DomainError as error:
                self.rows, self.next_cursor, self.error = [], "", error.message
                return
        now = datetime.now().astimezone()
        self.rows = [entry_row(entry, now=now) for entry in page.items]
        self.next_cursor = page.next_cursor or ""
        self.paged = bool(before)

    def _refresh_for_language(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is not None:
            self._fetch(actor, self._read_query())

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        before = self._read_query()
        self._fetch(actor, before)
        self._load_counts(actor)
        self.loaded = True
        return None

    def _url(self, **extra: str) -> str:
        values = {
            "person": "" if self.f_person == ANY else self.f_person,
            "type": "" if self.f_type == ANY else self.f_type,
            "id": self.f_id,
            "action": self.f_action,
            "from": self.f_from,
            "to": self.f_to,
            **extra,
        }
        query = urlencode({key: value for key, value in values.items() if value})
        return routes.ADMIN_AUDIT + (f"?{query}" if query else "")

    @rx.event
    def set_person(self, value: str):
        self.f_person = value if value == ANY or value.isdigit() else ANY

    @rx.event
    def set_type(self, value: str):
        self.f_type = value if value in OBJECT_TYPES else ANY

    @rx.event
    def apply_filters(self, form: dict[str, Any]):
        """The filter form: the URL takes the filters, and the page reads them from there (a link restores it)."""
        self.f_id = form_text(form, "id").strip()
        self.f_action = form_text(form, "action").strip().lower()
        self.f_from, self.f_to = form_text(form, "from").strip(), form_text(form, "to").strip()
        if self._query("") is None:
            return None
        return rx.redirect(self._url())

    @rx.event
    def clear_filters(self):
        self.f_person, self.f_type = ANY, ANY
        self.f_id = self.f_action = self.f_from = self.f_to = ""
        return rx.redirect(routes.ADMIN_AUDIT)

    @rx.event
    def filter_person(self, user_id: int):
        """A person's name in the list: the log of what they did."""
        self.f_person = str(int(user_id)) if int(user_id) > 0 else ANY
        return rx.redirect(self._url())

    @rx.event
    def older(self):
        if not self.next_cursor:
            return None
        return rx.redirect(self._url(before=self.next_cursor))

    @rx.event
    def newest(self):
        return rx.redirect(self._url())
