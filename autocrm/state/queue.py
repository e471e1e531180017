"""The agent queue: a saved view (or filters of one's own), quick filters, search, sort and paging over
`views` and `tickets.list_tickets`; the view's filters as chips; saving, duplicating, reordering and deleting
views; selecting tickets and changing them in bulk (`services/bulk.py`) after a confirmation.

The URL carries the screen (`?view=<key>&f=<filters as JSON, when changed>&quick=a,b&q=…&sort=…&page=N`), kept
in step with `history.replaceState`, so a reload or a pasted link shows the same screen.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx
from pydantic import ValidationError

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import N_, format_number, t
from autocrm.services import bulk, desk, presence, tickets, users, views
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.tickets import TicketFilter, TicketPage
from autocrm.services.tickets.shapes import QUICK_FILTERS
from autocrm.services.views import ViewCreate, ViewPublic, ViewUpdate
from autocrm.state import live, shortcuts
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import queue_row
from autocrm.state.presence import badge_fields
from autocrm.state.roles import STAFF
from autocrm.state.staff import UNSOLVED, ListPageMixin, StaffState, total_text, view_key

PER_PAGE = 25
SORT_OPTIONS = [
    ("-updated_at", N_("Recently updated")),
    ("updated_at", N_("Least recently updated")),
    ("-created_at", N_("Newest first")),
    ("created_at", N_("Oldest first")),
    ("-number", N_("Highest number")),
    ("number", N_("Lowest number")),
]
ANY = "any"
UNSOLVED_KEY = "_unsolved"
DEFAULT_VIEW = "unsolved"
BULK_FIELDS = [
    ("status", N_("Set status")),
    ("priority", N_("Set priority")),
    ("assignee_id", N_("Assign to")),
    ("team_id", N_("Move to team")),
    ("add_tags", N_("Add tag")),
    ("remove_tags", N_("Remove tag")),
]
JOB_POLL_SECONDS = 0.5
# A column's name in the column chooser (the table's headers are the page's own).
COLUMN_LABELS: dict[str, str] = {
    "number": N_("Number"),
    "subject": N_("Subject"),
    "requester": N_("Requester"),
    "status": N_("Status"),
    "priority": N_("Priority"),
    "assignee": N_("Assignee"),
    "team": N_("Team"),
    "channel": N_("Channel"),
    "updated": N_("Updated"),
    "created": N_("Created"),
}
_FILTER_NAMES = {
    "status": N_("Status"),
    "status_category": N_("Status"),
    "priority": N_("Priority"),
    "assignee_id": N_("Assignee"),
    "team_id": N_("Team"),
    "requester_id": N_("Requester"),
    "organization_id": N_("Organization"),
    "channel": N_("Channel"),
    "tag": N_("Tag"),
    "tags_any": N_("Any of tags"),
    "tags_all": N_("All of tags"),
    "tags_none": N_("None of tags"),
    "custom_fields": N_("Fields"),
    "created_after": N_("Created from"),
    "created_before": N_("Created before"),
    "updated_after": N_("Updated from"),
    "updated_before": N_("Updated before"),
    "due_after": N_("Due from"),
    "due_before": N_("Due before"),
    "overdue": N_("Overdue"),
    "sla": N_("SLA"),
    "quick": N_("Quick"),
    "q": N_("Words"),
}
_CATEGORY_NAMES = {
    "new": N_("New"),
    "open": N_("Open"),
    "pending": N_("Pending"),
    "on_hold": N_("On hold"),
    "solved": N_("Solved"),
    "closed": N_("Closed"),
}
_SLA_NAMES = {"breached": N_("breached"), "running": N_("running"), "paused": N_("paused")}


def search_words(q: str) -> list[str]:
    """The words a search matched on (as prefixes), not a #number."""
    return [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1 and not w.isdigit()][:10]


def highlight(text: str, words: list[str]) -> list[dict[str, Any]]:
    """`text` in parts, the ones that start with a searched word marked (`hit`), for the results' <mark>s."""
    if not words:
        return [{"text": text, "hit": False}]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    parts, at = [], 0
    for match in pattern.finditer(text):
        if match.start() > at:
            parts.append({"text": text[at : match.start()], "hit": False})
        parts.append({"text": match.group(0), "hit": True})
        at = match.end()
    if at < len(text):
        parts.append({"text": text[at:], "hit": False})
    return parts or [{"text": text, "hit": False}]


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_plain(v)}" for k, v in value.items())
    return str(value)


class QueueState(ConfirmMixin, ListPageMixin, StaffState):
    per_page: ClassVar[int] = PER_PAGE
    total_label: str = ""
    total_is_estimate: bool = False
    error: str = ""

    # The open view (0: filters of one's own), its saved filters, and the filters shown now.
    view_id: int = 0
    view_name: str = ""
    view_builtin: bool = False  # its name is a msgid
    view_can_edit: bool = False
    view_filters: dict[str, Any] = {}
    # The table's columns (keys of `views.COLUMNS`): the open view's, until the agent picks others.
    columns: list[str] = list(views.DEFAULT_COLUMNS)
    view_columns: list[str] = list(views.DEFAULT_COLUMNS)
    filters: dict[str, Any] = {}
    quick: list[str] = []
    sort: str = "-updated_at"

    status_options: list[dict[str, str]] = []
    priority_options: list[dict[str, str]] = []
    assignee_options: list[dict[str, str]] = []
    team_options: list[dict[str, str]] = []
    sort_options: list[dict[str, str]] = [{"value": v, "label": label} for v, label in SORT_OPTIONS]
    _names: dict[str, dict[str, str]] = {}

    # Saving a view: the dialog and its fields.
    view_dialog: str = ""  # "", "create" or "rename"
    view_form_error: str = ""
    view_form_visibility: str = "personal"
    view_form_team: str = ""  # the team a team view is shared with (a team option's value)

    # Selection and bulk changes.
    selected_ids: list[int] = []
    all_matching: bool = False
    select_mode: bool = False  # phones: cards show a checkbox
    bulk_field: str = "status"
    bulk_value: str = ""
    bulk_tag: str = ""
    bulk_message: str = ""
    bulk_failures: list[dict[str, str]] = []
    job_id: int = 0
    job_progress: int = 0  # percent
    job_text: str = ""

    # ---- what the screen shows ------------------------------------------------------------------------

    @rx.var
    def view_title(self) -> str:
        name = self._t(self.view_name) if self.view_builtin else self.view_name
        if self.view_id and self.filters == self.view_filters and self.columns == self.view_columns:
            return name
        if self.view_id:
            return self._t("{name} (changed)", name=name)
        return self._t("Search results") if self.q else self._t("Filtered tickets")

    @rx.var
    def modified(self) -> bool:
        """What is shown differs from the open view as saved: its filters, or quick filters on top."""
        return (
            self.view_id == 0
            or self.filters != self.view_filters
            or bool(self.quick)
            or self.columns != self.view_columns
        )

    @rx.var
    def page_count(self) -> str:
        pages = max(1, math.ceil(self.total / PER_PAGE))
        if not self.total_is_estimate:
            return self._number(pages)
        if self.total <= tickets.TOTAL_CAP:
            return f"{self._number(pages)}+"
        return self._t("about {n}", n=self._number(pages))

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return self._t("No tickets")
        first = (self.page - 1) * PER_PAGE + 1
        last = min(self.total, self.page * PER_PAGE)
        return self._t("{first}–{last} of {total}", first=first, last=last, total=self.total_label)

    @rx.var
    def has_next(self) -> bool:
        # Past the counting cap there may be pages beyond `total`: a full page means there could be more.
        return self.page * PER_PAGE < self.total or (self.total_is_estimate and len(self.rows) == PER_PAGE)

    @rx.var
    def filtered(self) -> bool:
        return bool(self.q) or bool(self.quick) or self.filters != self.view_filters

    @rx.var
    def status(self) -> str:
        if self.filters.get("status"):
            return str(self.filters["status"][0])
        return UNSOLVED_KEY if self.filters.get("status_category") == UNSOLVED else ANY

    @rx.var
    def priority(self) -> str:
        return str(self.filters["priority"][0]) if self.filters.get("priority") else ANY

    @rx.var
    def assignee(self) -> str:
        value = self.filters.get("assignee_id")
        return ANY if value is None else str(value)

    @rx.var
    def chips(self) -> list[dict[str, str]]:
        """The filters shown now, one removable chip each, in words."""
        out = []
        for key, value in self.filters.items():
            if key == "quick":  # shown pressed among the quick filters
                continue
            name = self._t(_FILTER_NAMES[key]) if key in _FILTER_NAMES else key
            # Translators: a filter chip of the queue, like "Priority: High".
            out.append(
                {"key": key, "label": self._t("{filter}: {value}", filter=name, value=self._describe(key, value))}
            )
        return out

    @rx.var
    def quick_options(self) -> list[dict[str, Any]]:
        saved = self.filters.get("quick", [])
        return [
            {"key": key, "label": label, "active": key in self.quick or key in saved}
            for key, label in QUICK_FILTERS.items()
        ]

    @rx.var
    def selected_count(self) -> int:
        return self.total if self.all_matching else len(self.selected_ids)

    @rx.var
    def selection_label(self) -> str:
        if self.all_matching:
            return self._t("All {count} matching tickets selected", count=self.total_label)
        return self._ngettext("{n} ticket selected", "{n} tickets selected", len(self.selected_ids))

    @rx.var
    def page_selected(self) -> bool:
        ids = {row["id"] for row in self.rows}
        return bool(ids) and ids <= set(self.selected_ids)

    @rx.var
    def can_select_all_matching(self) -> bool:
        return self.page_selected and not self.all_matching and self.total > len(self.rows)

    @rx.var
    def bulk_options(self) -> list[dict[str, str]]:
        if self.bulk_field == "status":
            return [o for o in self.status_options if o["value"] not in (ANY, UNSOLVED_KEY)]
        if self.bulk_field == "priority":
            return [o for o in self.priority_options if o["value"] != ANY]
        if self.bulk_field == "assignee_id":
            return [{"value": "none", "label": N_("Nobody (unassign)")}, *self.assignee_options[3:], self._me_option()]
        if self.bulk_field == "team_id":
            return [{"value": "none", "label": N_("No team")}, *self.team_options]
        return []

    @rx.var
    def bulk_needs_tag(self) -> bool:
        return self.bulk_field in ("add_tags", "remove_tags")

    @rx.var
    def bulk_field_options(self) -> list[dict[str, str]]:
        return [{"value": v, "label": label} for v, label in BULK_FIELDS]

    @rx.var
    def job_running(self) -> bool:
        return self.job_id != 0

    @rx.var
    def is_admin_here(self) -> bool:
        return self.user.get("role") == "admin"

    def _me_option(self) -> dict[str, str]:
        return {"value": str(self.user.get("id", "")), "label": N_("Me")}

    def _describe(self, key: str, value: Any) -> str:
        names, _t = self._names, self._t
        if key == "status_category":
            if value == UNSOLVED:
                return _t("unsolved")
            return ", ".join(_t(_CATEGORY_NAMES[v]) if v in _CATEGORY_NAMES else v for v in value)
        if key in ("status", "priority"):
            # The desk's own names: its default ones are msgids, an admin's new ones read as typed.
            return ", ".join(_t(names.get(key, {}).get(v, v)) for v in value)
        if key == "assignee_id":
            if str(value) in ("me", "none"):
                return _t("me") if str(value) == "me" else _t("nobody")
            return names.get("people", {}).get(str(value), str(value))
        if key == "team_id":
            return names.get("team", {}).get(str(value), str(value))
        if key == "quick":
            return ", ".join(_t(QUICK_FILTERS[v]) if v in QUICK_FILTERS else v for v in value)
        if key == "overdue":
            return _t("yes") if value else _t("no")
        if key == "sla":
            return _t(_SLA_NAMES[value]) if value in _SLA_NAMES else str(value)
        return _plain(value)

    def _view_name(self, view: ViewPublic) -> str:
        return self._t(view.name) if view.builtin_key else view.name

    def _entry_name(self, entry: dict[str, Any]) -> str:
        """A sidebar entry's name as the reader reads it (a built-in view's name is a msgid)."""
        name = str(entry.get("name", ""))
        return self._t(name) if entry.get("builtin") else name

    def _number(self, value: int) -> str:
        with i18n.using_locale(self.locale):
            return format_number(value)

    # ---- reading --------------------------------------------------------------------------------------

    def _filters(self, *, paged: bool = True) -> TicketFilter:
        values: dict[str, Any] = {**self.filters, "sort": self.sort}
        if self.quick:
            values["quick"] = list(dict.fromkeys([*values.get("quick", []), *self.quick]))
        if self.q.strip():
            values["q"] = self.q.strip()[:200]
        if paged:
            values |= {"page": self.page, "per_page": PER_PAGE}
        return TicketFilter(**values)

    def _sync_view(self) -> None:
        """The sidebar highlights the open view while its filters are unchanged (or a view they match)."""
        key = ""
        if not self.q and not self.quick:
            if self.view_id and self.filters == self.view_filters:
                key = next((e["key"] for e in self.sidebar_views if e["id"] == self.view_id), "")
            else:
                for entry in self.sidebar_views:
                    if entry.get("filters") == self.filters:
                        key = entry["key"]
                        break
        if key != self.current_view:
            self.current_view = key

    def _url(self) -> str:
        params: dict[str, str] = {}
        key = next((e["key"] for e in self.sidebar_views if e["id"] == self.view_id), "")
        if key:
            params["view"] = key
        if not key or self.filters != self.view_filters:
            params["f"] = json.dumps(self.filters, separators=(",", ":"), sort_keys=True)
        if self.quick:
            params["quick"] = ",".join(self.quick)
        if self.q:
            params["q"] = self.q
        if self.sort != "-updated_at":
            params["sort"] = self.sort
        if self.page > 1:
            params["page"] = str(self.page)
        return routes.AGENT_QUEUE + ("?" + urlencode(params) if params else "")

    def _keep_url(self):
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    def _fetch(self, actor: Actor, batch: live.Batch | None = None) -> None:
        try:
            filters = self._filters()
        except ValidationError:
            self.error = self._t("Those filters are not valid: clear them to see the queue.")
            self.rows, self.total, self.total_label = [], 0, ""
            return

        def read() -> tuple[TicketPage, list[dict[str, Any]]] | str:
            try:
                with read_session() as session:
                    page = tickets.list_tickets(session, actor=actor, filters=filters)
            except (DomainError, ValidationError) as exc:
                return getattr(exc, "message", t("Those filters are not valid."))
            words = search_words(filters.q or "")
            return page, [
                queue_row(ticket.model_dump(mode="json")) | {"subject_parts": highlight(ticket.subject, words)}
                for ticket in page.items
            ]

        key = ("queue", actor.user_id, filters.model_dump_json())
        found = batch.shared(key, read) if batch is not None else read()
        if isinstance(found, str):
            self.error = found
            self.rows, self.total, self.total_is_estimate, self.total_label = [], 0, False, ""
            return
        result, rows = found
        if result.items == [] and result.total and self.page > 1:
            self.page = max(1, math.ceil(result.total / PER_PAGE))
            return self._fetch(actor, batch)
        if self.error:
            self.error = ""
        fresh = set(self.fresh_ids)
        marked = [row | {"fresh": True} if row["id"] in fresh else row for row in rows]
        marked = self._with_presence(actor, marked, batch)
        if marked != self.rows:  # a change to a ticket on another page sends this tab no rows
            self.rows = marked
        # Assigned only when they change, so a live update sends a tab only what moved.
        for name, value in (
            ("total", result.total),
            ("total_is_estimate", result.total_is_estimate),
            ("total_label", total_text(result)),
        ):
            if getattr(self, name) != value:
                setattr(self, name, value)
        self._load_counts(actor, batch)
        self._sync_view()
        if actor.user_id is not None and batch is None:  # a live refresh is already watching
            live.watch(self, user_id=actor.user_id, staff=True)
        live.shows(self, [int(row["id"]) for row in self.rows])

    def _with_presence(
        self, actor: Actor, rows: list[dict[str, Any]], batch: live.Batch | None = None
    ) -> list[dict[str, Any]]:
        """The rows with who else is on each ticket (a badge), read once for the page."""
        ids = [int(row["id"]) for row in rows]

        def read() -> dict[int, list[presence.PresencePerson]]:
            try:
                return presence.on_tickets(actor=actor, ticket_ids=ids)
            except Exception:  # presence is a nicety: Redis away must not empty the queue
                return {}

        found = batch.shared(("presence", tuple(ids)), read) if batch is not None else read()
        return [row | badge_fields(found.get(int(row["id"]), []), actor.user_id) for row in rows]

    def _presence_refresh(self, found: dict[int, list[presence.PresencePerson]]) -> None:
        """Someone came to, left or started replying on a ticket this page lists: its badge as it is now."""
        own = self.user.get("id")
        rows = [row | badge_fields(found[int(row["id"])], own) if int(row["id"]) in found else row for row in self.rows]
        if rows != self.rows:
            self.rows = rows

    def _live_refresh(self, batch: live.Batch) -> None:
        """Another tab, the customer, the API or a job changed tickets: show the rows and counts as they are
        now, with the tickets someone else changed marked until this agent opens them."""
        user = batch.user(self._session_token())
        if user is None or user.role.value not in STAFF:
            return
        self._mark_fresh(batch.ticket_ids(not_by=user.id))
        self._fetch(Actor.for_user(user), batch)

    def _open(self, view: ViewPublic) -> None:
        self.view_id, self.view_name, self.view_can_edit = view.id, view.name, view.can_edit
        self.view_builtin = bool(view.builtin_key)
        self.view_filters, self.filters = dict(view.filters), dict(view.filters)
        self.view_columns, self.columns = list(view.columns), list(view.columns)
        self.sort = view.sort

    def _find_view(self, actor: Actor, key: str) -> ViewPublic | None:
        with read_session() as session:
            listed = views.list_views(session, actor=actor)
        return next((v for v in listed if view_key(v) == key), None)

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        with read_session() as session:
            statuses, priorities = desk.statuses(session), desk.priorities(session)
            staff = users.list_staff(session, actor=actor)
            teams = users.list_teams(session, actor=actor)
        # Labels are msgids: the page translates them in the browser, so a language switch applies.
        self.status_options = [
            {"value": UNSOLVED_KEY, "label": N_("Unsolved")},
            {"value": ANY, "label": N_("Any status")},
            *({"value": s.key, "label": s.name} for s in statuses),
        ]
        self.priority_options = [
            {"value": ANY, "label": N_("Any priority")},
            *({"value": p.key, "label": p.name} for p in priorities),
        ]
        self.assignee_options = [
            {"value": ANY, "label": N_("Anyone")},
            {"value": "me", "label": N_("Me")},
            {"value": "none", "label": N_("Unassigned")},
            *({"value": str(u.id), "label": u.name} for u in staff if u.id != actor.user_id),
        ]
        self.team_options = [{"value": str(t.id), "label": t.name} for t in teams]
        self._names = {
            "status": {s.key: s.name for s in statuses},
            "priority": {p.key: p.name for p in priorities},
            "people": {str(u.id): u.name for u in staff},
            "team": {str(t.id): t.name for t in teams},
        }
        self._read_url(actor)
        self.selected_ids, self.all_matching = [], False
        self._fetch(actor)
        self.loaded = True
        return [self._keep_url(), shortcuts.install()]

    def _read_url(self, actor: Actor) -> None:
        query = self.router.url.query_parameters
        key = str(query.get("view", "") or (DEFAULT_VIEW if "f" not in query else ""))
        view = self._find_view(actor, key) if key else None
        if view is not None:
            self._open(view)
        else:
            self.view_id, self.view_name, self.view_can_edit, self.view_filters, self.filters = 0, "", False, {}, {}
            self.view_columns, self.columns = list(views.DEFAULT_COLUMNS), list(views.DEFAULT_COLUMNS)
            self.sort = "-updated_at"
        raw = query.get("f")
        if raw:
            try:
                loaded = json.loads(str(raw))
                self.filters = views.clean_filters(loaded) if isinstance(loaded, dict) else self.filters
            except (ValueError, DomainError):
                self.error = self._t("The link's filters could not be read; showing the view as saved.")
        self.quick = [q for q in str(query.get("quick", "")).split(",") if q in QUICK_FILTERS]
        self.q = str(query.get("q", ""))[:200]
        sort = str(query.get("sort", ""))
        if sort in dict(SORT_OPTIONS):
            self.sort = sort
        page = str(query.get("page", "1"))
        self.page = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1

    def _changed(self, *, keep_selection: bool = False):
        """After any change of what the queue shows: rows again, the URL in step, and (unless only the page
        changed) no selection: a selection made under other filters would change tickets no longer shown."""
        if not keep_selection:
            self.selected_ids, self.all_matching = [], False
        refusal = self._refresh()
        return refusal if refusal is not None else self._keep_url()

    def _set_filter(self, key: str, value: Any) -> None:
        filters = dict(self.filters)
        if value in (None, [], ""):
            filters.pop(key, None)
        else:
            filters[key] = value
        self.filters, self.page = filters, 1

    # ---- the filter bar, chips and quick filters -------------------------------------------------------

    @rx.event
    def show_view(self, key: str):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        view = self._find_view(actor, key)
        if view is not None:
            self._open(view)
            self.q, self.quick, self.page = "", [], 1
        return self._changed()

    @rx.event
    def set_status(self, value: str):
        filters = {k: v for k, v in self.filters.items() if k not in ("status", "status_category")}
        if value == UNSOLVED_KEY:
            filters["status_category"] = UNSOLVED
        elif value != ANY:
            filters["status"] = [value]
        self.filters, self.page = filters, 1
        return self._changed()

    @rx.event
    def set_priority(self, value: str):
        self._set_filter("priority", [] if value == ANY else [value])
        return self._changed()

    @rx.event
    def set_assignee(self, value: str):
        if value in ("me", "none"):
            self._set_filter("assignee_id", value)
        elif value.isdigit():
            self._set_filter("assignee_id", int(value))
        else:
            self._set_filter("assignee_id", None)
        return self._changed()

    @rx.event
    def set_sort(self, value: str):
        if value in dict(SORT_OPTIONS):
            self.sort, self.page = value, 1
        return self._changed()

    @rx.event
    def toggle_sort(self, column: str):
        """Header click: descending first, then ascending. A column the list cannot sort by changes nothing."""
        if column not in tickets.SORTS:
            return None
        self.sort = column if self.sort == f"-{column}" else f"-{column}"
        self.page = 1
        return self._changed()

    @rx.event
    def remove_chip(self, key: str):
        self._set_filter(key, None)
        return self._changed()

    @rx.event
    def toggle_quick(self, key: str):
        if key in self.filters.get("quick", []):  # one of the view's own: turning it off changes the view
            self._set_filter("quick", [q for q in self.filters["quick"] if q != key])
        elif key in QUICK_FILTERS:
            self.quick = [q for q in self.quick if q != key] if key in self.quick else [*self.quick, key]
            self.page = 1
        return self._changed()

    @rx.event
    def search(self, form: dict[str, Any]):
        value = form.get("q")
        self.q = value.strip()[:200] if isinstance(value, str) else ""
        self.page = 1
        return self._changed()

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page += 1
        return self._changed(keep_selection=True)

    @rx.event
    def prev_page(self):
        self.page = max(1, self.page - 1)
        return self._changed(keep_selection=True)

    @rx.event
    def clear_filters(self):
        self.q, self.quick, self.filters, self.page = "", [], dict(self.view_filters), 1
        return self._changed()

    @rx.event
    def open_ticket(self, ticket_id: int):
        self._mark_seen(int(ticket_id))
        return rx.redirect(routes.agent_ticket(ticket_id))

    # ---- the table's columns ------------------------------------------------------------------------------

    @rx.var
    def column_choices(self) -> list[dict[str, Any]]:
        """Every column the table can show, in its order, each with whether it is shown now."""
        return [
            {"key": key, "label": self._t(COLUMN_LABELS[key]), "shown": key in self.columns} for key in views.COLUMNS
        ]

    @rx.event
    def toggle_column(self, key: str):
        """Shows or hides a column; the view keeps it only once saved (the title says "(changed)" until then)."""
        if key not in views.COLUMNS:
            return None
        if key in self.columns:
            if len(self.columns) == 1:
                return rx.toast.warning(self._t("The table shows at least one column."))
            self.columns = [c for c in self.columns if c != key]
        else:
            self.columns = [c for c in views.COLUMNS if c in self.columns or c == key]
        return None

    # ---- managing views --------------------------------------------------------------------------------

    @rx.event
    def open_view_dialog(self, mode: str):
        self.view_dialog, self.view_form_error, self.view_form_visibility = mode, "", "personal"
        self.view_form_team = self.team_options[0]["value"] if self.team_options else ""

    @rx.event
    def close_view_dialog(self, open_: bool = False):
        if not open_:
            self.view_dialog = ""

    @rx.event
    def set_view_form_visibility(self, value: str):
        self.view_form_visibility = value

    @rx.event
    def set_view_form_team(self, value: str):
        self.view_form_team = value

    def _service_write(self, work: Any) -> Any:
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return None, refusal
        try:
            with write_session() as session:
                return work(session, actor), None
        except (DomainError, ValidationError) as exc:
            message = getattr(exc, "message", None) or self._t("That is not a valid view: check its name.")
            return None, message

    @rx.event
    def save_view(self, form: dict[str, Any]):
        """The dialog's button: a new view from what the queue shows, or the open view renamed."""
        name = str(form.get("name", ""))
        if self.view_dialog == "rename":
            saved, problem = self._service_write(
                lambda s, a: views.update_view(s, actor=a, view_id=self.view_id, data=ViewUpdate(name=name))
            )
        else:
            quick = list(dict.fromkeys([*self.filters.get("quick", []), *self.quick]))
            filters = {**self.filters, **({"quick": quick} if quick else {})}
            visibility = self.view_form_visibility if self.is_admin_here else "personal"
            team = self.view_form_team if visibility == "team" else ""
            team_id = int(team) if team.isdigit() else None
            saved, problem = self._service_write(
                lambda s, a: views.create_view(
                    s,
                    actor=a,
                    data=ViewCreate(
                        name=name,
                        filters=filters,
                        sort=self.sort,
                        columns=self.columns,
                        visibility=visibility,
                        team_id=team_id,
                    ),
                )
            )
        if isinstance(problem, str):
            self.view_form_error = problem
            return None
        if saved is None:
            return problem
        self.view_dialog = ""
        self._open(saved)
        self.quick = []
        return [self._changed(), rx.toast.success(self._t('Saved the view "{name}".', name=self._view_name(saved)))]

    @rx.event
    def save_changes(self):
        """The open view takes the filters and sort shown now."""
        quick = list(dict.fromkeys([*self.filters.get("quick", []), *self.quick]))
        filters = {**self.filters, **({"quick": quick} if quick else {})}
        saved, problem = self._service_write(
            lambda s, a: views.update_view(
                s,
                actor=a,
                view_id=self.view_id,
                data=ViewUpdate(filters=filters, sort=self.sort, columns=self.columns),
            )
        )
        if saved is None:
            return rx.toast.error(problem) if isinstance(problem, str) else problem
        self._open(saved)
        self.quick = []
        return [
            self._changed(),
            rx.toast.success(self._t('Saved the changes to "{name}".', name=self._view_name(saved))),
        ]

    @rx.event
    def duplicate_view(self, view_id: int):
        saved, problem = self._service_write(lambda s, a: views.duplicate_view(s, actor=a, view_id=int(view_id)))
        if saved is None:
            return rx.toast.error(problem) if isinstance(problem, str) else problem
        self._open(saved)
        self.q, self.quick, self.page = "", [], 1
        return [
            self._changed(),
            rx.toast.success(self._t('Made "{name}", your own copy.', name=self._view_name(saved))),
        ]

    @rx.event
    def move_view(self, view_id: int, step: int):
        """Moves one of the agent's own views (or, for admins, a shared one) up or down among its kind."""
        entries = self.sidebar_views
        me = next((e for e in entries if e["id"] == int(view_id)), None)
        if me is None or not me["can_edit"]:
            return None
        group = [e["id"] for e in entries if e["personal"] == me["personal"] and e["can_edit"]]
        index = group.index(me["id"])
        target = index + int(step)
        if not 0 <= target < len(group):
            return None
        group[index], group[target] = group[target], group[index]
        saved, problem = self._service_write(lambda s, a: views.reorder_views(s, actor=a, ids=group))
        if saved is None:
            return rx.toast.error(problem) if isinstance(problem, str) else problem
        return self._changed()

    @rx.event
    def ask_delete_view(self, view_id: int):
        entry = next((e for e in self.sidebar_views if e["id"] == int(view_id)), None)
        if entry is not None:
            self._ask(
                kind="delete_view",
                view_id=entry["id"],
                title=self._t('Delete the view "{name}"?', name=self._entry_name(entry)),
            )

    # ---- selection and bulk changes --------------------------------------------------------------------

    @rx.event
    def toggle_select(self, ticket_id: int):
        ticket_id = int(ticket_id)
        self.all_matching = False
        if ticket_id in self.selected_ids:
            self.selected_ids = [i for i in self.selected_ids if i != ticket_id]
        else:
            self.selected_ids = [*self.selected_ids, ticket_id]

    @rx.event
    def toggle_page(self, _checked: bool = True):
        ids = [row["id"] for row in self.rows]
        self.all_matching = False
        if self.page_selected:
            self.selected_ids = [i for i in self.selected_ids if i not in ids]
        else:
            self.selected_ids = list(dict.fromkeys([*self.selected_ids, *ids]))

    @rx.event
    def select_all_matching(self):
        self.all_matching = True

    @rx.event
    def clear_selection(self):
        self.selected_ids, self.all_matching = [], False

    @rx.event
    def start_selecting(self, ticket_id: int):
        """A long press on a phone's card: select mode, with that ticket selected."""
        self.select_mode, self.all_matching = True, False
        if int(ticket_id) not in self.selected_ids:
            self.selected_ids = [*self.selected_ids, int(ticket_id)]

    @rx.event
    def toggle_select_mode(self):
        self.select_mode = not self.select_mode
        if not self.select_mode:
            self.selected_ids, self.all_matching = [], False

    @rx.event
    def set_bulk_field(self, value: str):
        if value in dict(BULK_FIELDS):
            self.bulk_field, self.bulk_value = value, ""

    @rx.event
    def set_bulk_value(self, value: str):
        self.bulk_value = value

    @rx.event
    def set_bulk_tag(self, value: str):
        self.bulk_tag = value.strip().lower()[:50]

    def _bulk_change(self) -> tuple[dict[str, Any], tuple[str, str]] | None:
        """The change asked for, and how the dialog says it."""
        field = self.bulk_field
        if field in ("add_tags", "remove_tags"):
            if not self.bulk_tag:
                return None
            verb = N_("Add the tag {value}") if field == "add_tags" else N_("Remove the tag {value}")
            return {field: [self.bulk_tag]}, (verb, self.bulk_tag)
        option = next((o for o in self.bulk_options if o["value"] == self.bulk_value), None)
        if option is None:
            return None
        value: Any = option["value"]
        if field in ("assignee_id", "team_id"):
            value = None if value == "none" else int(value)
        words = {
            "status": N_("Set the status to {value}"),
            "priority": N_("Set the priority to {value}"),
            "assignee_id": N_("Assign to {value}"),
            "team_id": N_("Move to the team {value}"),
        }[field]
        # The option's label is a msgid (or a person's, a team's name), translated when the dialog shows it.
        return {field: value}, (words, option["label"])

    @rx.event
    def ask_bulk(self):
        change = self._bulk_change()
        if change is None:
            return rx.toast.error(self._t("Choose what to change first."))
        count = self.selected_count
        if not count:
            return rx.toast.error(self._t("Select tickets first."))
        title = self._ngettext("Change {n} ticket?", "Change {n} tickets?", count)
        words, value = change[1]
        self._ask(kind="bulk", title=title, change=change[0], words=words, value=value, count=count)
        return None

    @rx.var
    def pending_words(self) -> str:
        pending = self.pending
        if pending.get("kind") == "bulk":
            count = int(pending.get("count", 0))
            value = str(pending.get("value", ""))
            if not {"add_tags", "remove_tags"} & set(pending.get("change", {})):  # a tag is no msgid
                value = self._t(value)
            change = self._t(str(pending.get("words", "")), value=value)
            # Translators: {change} is what the agent chose, like "Set the status to Solved".
            words = self._ngettext("{change} on {n} ticket.", "{change} on these {n} tickets.", count, change=change)
            if count > bulk.SYNC_LIMIT:
                words = self._t("{words} They change one by one in the background; you can keep working.", words=words)
            return words
        if pending.get("kind") == "delete_view":
            return self._t("The view goes for everyone who sees it. Its tickets stay as they are.")
        return ""

    @rx.var
    def pending_label(self) -> str:
        return self._t("Delete view") if self.pending.get("kind") == "delete_view" else self._t("Change tickets")

    @rx.var
    def pending_is_danger(self) -> bool:
        return self.pending.get("kind") == "delete_view"

    @rx.event
    def confirm(self):
        pending = self._take_pending()
        if pending.get("kind") == "delete_view":
            deleted, problem = self._service_write(
                lambda s, a: views.delete_view(s, actor=a, view_id=int(pending["view_id"]))
            )
            if isinstance(problem, str):
                return rx.toast.error(problem)
            if problem is not None:
                return problem
            if int(pending["view_id"]) == self.view_id:
                actor, refusal = self._actor(STAFF)
                if actor is None:
                    return refusal
                fallback = self._find_view(actor, DEFAULT_VIEW)
                if fallback is not None:
                    self._open(fallback)
                else:
                    self.view_id, self.view_name, self.view_filters, self.filters = 0, "", {}, {}
                self.q, self.quick, self.page = "", [], 1
            return [self._changed(), rx.toast.success(self._t("Deleted the view."))]
        if pending.get("kind") == "bulk":
            return self._run_bulk(pending["change"])
        return None

    def _run_bulk(self, change: dict[str, Any]):
        if self.all_matching:
            request = bulk.BulkRequest(filter=self._filters(paged=False), changes=bulk.BulkChanges(**change))
        else:
            request = bulk.BulkRequest(ids=list(self.selected_ids), changes=bulk.BulkChanges(**change))
        result, problem = self._service_write(lambda s, a: bulk.bulk_update(s, actor=a, request=request))
        if result is None:
            return rx.toast.error(problem) if isinstance(problem, str) else problem
        self.selected_ids, self.all_matching = [], False
        if isinstance(result, bulk.BulkJobPublic):
            self.job_id, self.job_progress = result.id, 0
            self.job_text = self._ngettext("Changing {n} ticket…", "Changing {n} tickets…", result.total)
            self.bulk_message, self.bulk_failures = "", []
            return QueueState.follow_job
        self._show_result(len(result.updated), [f.model_dump() for f in result.failed])
        refusal = self._refresh()
        if refusal is not None:
            return refusal
        if self.bulk_failures:
            return rx.toast.warning(self._t("Some tickets could not be changed: the list says why."))
        return rx.toast.success(self.bulk_message)

    def _show_result(self, updated: int, failed: list[dict[str, Any]]) -> None:
        changed = self._ngettext("Changed {n} ticket.", "Changed {n} tickets.", updated)
        if failed:
            not_changed = self._ngettext("{n} could not be changed:", "{n} could not be changed:", len(failed))
            changed = self._t("{changed} {not_changed}", changed=changed, not_changed=not_changed)
        self.bulk_message = changed
        numbers = {row["id"]: row["number"] for row in self.rows}
        self.bulk_failures = [
            {
                "ticket": f"#{numbers[f['id']]}" if f["id"] in numbers else self._t("Ticket id {id}", id=f["id"]),
                "message": str(f["message"]),
                "id": str(f["id"]),
            }
            for f in failed[:50]
        ]

    @rx.event
    def dismiss_bulk_result(self):
        self.bulk_message, self.bulk_failures = "", []

    @rx.event(background=True)
    async def follow_job(self):
        """The background job's progress bar, until it is done (the agent keeps working meanwhile)."""
        async with self:
            actor, _refusal = self._actor(STAFF)
            job_id = self.job_id
        for _ in range(int(3600 / JOB_POLL_SECONDS)):
            if actor is None or not job_id:
                return
            try:
                with read_session() as session:
                    job = bulk.get_job(session, actor=actor, job_id=job_id)
            except DomainError:
                async with self:
                    self.job_id = 0
                return
            async with self:
                self.job_progress = round(job.progress * 100)
                self.job_text = self._ngettext(
                    "Changing {n} ticket: {done} done",
                    "Changing {n} tickets: {done} done",
                    job.total,
                    done=self._number(job.processed),
                )
                if job.status == "done":
                    self.job_id = 0
                    self._show_result(len(job.updated), [f.model_dump() for f in job.failed])
                    self._fetch(actor)
                    return
            await asyncio.sleep(JOB_POLL_SECONDS)
