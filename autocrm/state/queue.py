"""The agent queue: filters, keyword search, sort and paging over `tickets.list_tickets`."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import reflex as rx
from pydantic import ValidationError

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import desk, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.tickets import TicketFilter, TicketPage
from autocrm.state import live
from autocrm.state.format import queue_row
from autocrm.state.roles import STAFF
from autocrm.state.staff import UNSOLVED, VIEWS, ListPageMixin, StaffState, total_text

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


class QueueState(ListPageMixin, StaffState):
    per_page: ClassVar[int] = PER_PAGE
    total_label: str = ""
    total_is_estimate: bool = False
    error: str = ""

    status: str = UNSOLVED_KEY
    priority: str = ANY
    assignee: str = ANY
    sort: str = "-updated_at"

    status_options: list[dict[str, str]] = []
    priority_options: list[dict[str, str]] = []
    assignee_options: list[dict[str, str]] = []
    sort_options: list[dict[str, str]] = [{"value": v, "label": label} for v, label in SORT_OPTIONS]

    @rx.var
    def view_title(self) -> str:
        if self.current_view in VIEWS:
            return self._t(VIEWS[self.current_view][0])
        return self._t("Search results") if self.q else self._t("Filtered tickets")

    @rx.var
    def page_count(self) -> str:
        pages = max(1, math.ceil(self.total / PER_PAGE))
        if not self.total_is_estimate:
            return f"{pages:,}"
        return f"{pages:,}+" if self.total <= tickets.TOTAL_CAP else f"about {pages:,}"

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
        return bool(self.q) or self.priority != ANY or self.assignee != ANY or self.status != UNSOLVED_KEY

    def _filters(self) -> TicketFilter:
        values: dict[str, Any] = {"sort": self.sort, "page": self.page, "per_page": PER_PAGE}
        if self.status == UNSOLVED_KEY:
            values["status_category"] = UNSOLVED
        elif self.status != ANY:
            values["status"] = [self.status]
        if self.priority != ANY:
            values["priority"] = [self.priority]
        if self.assignee in ("me", "none"):
            values["assignee_id"] = self.assignee
        elif self.assignee != ANY:
            values["assignee_id"] = int(self.assignee)
        if self.q.strip():
            values["q"] = self.q.strip()[:200]
        return TicketFilter(**values)

    def _sync_view(self) -> None:
        view = ""
        if not self.q and self.priority == ANY:
            if self.status == UNSOLVED_KEY:
                view = {"me": "mine", "none": "unassigned", ANY: "unsolved"}.get(self.assignee, "")
            elif self.status == ANY and self.assignee == ANY:
                view = "all"
        if view != self.current_view:
            self.current_view = view

    def _fetch(self, actor: Actor, batch: live.Batch | None = None) -> None:
        filters = self._filters()

        def read() -> tuple[TicketPage, list[dict[str, Any]]] | str:
            try:
                with read_session() as session:
                    page = tickets.list_tickets(session, actor=actor, filters=filters)
            except (DomainError, ValidationError) as exc:
                return getattr(exc, "message", t("Those filters are not valid."))
            return page, [queue_row(t.model_dump(mode="json")) for t in page.items]

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
        self._sync_view()
        self._load_counts(actor, batch)
        if actor.user_id is not None and batch is None:  # a live refresh is already watching
            live.watch(self, user_id=actor.user_id, staff=True)

    def _live_refresh(self, batch: live.Batch) -> None:
        """Another tab, the customer, the API or a job changed tickets: show the rows and counts as they are
        now, with the tickets someone else changed marked until this agent opens them."""
        user = batch.user(self._session_token())
        if user is None or user.role.value not in STAFF:
            return
        self._mark_fresh(batch.ticket_ids(not_by=user.id))
        self._fetch(Actor.for_user(user), batch)

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        with read_session() as session:
            self.status_options = [
                # Labels are msgids: the page translates them in the browser, so a language switch applies.
                {"value": UNSOLVED_KEY, "label": N_("Unsolved")},
                {"value": ANY, "label": N_("Any status")},
                *({"value": s.key, "label": s.name} for s in desk.statuses(session)),
            ]
            self.priority_options = [
                {"value": ANY, "label": N_("Any priority")},
                *({"value": p.key, "label": p.name} for p in desk.priorities(session)),
            ]
            self.assignee_options = [
                {"value": ANY, "label": N_("Anyone")},
                {"value": "me", "label": N_("Me")},
                {"value": "none", "label": N_("Unassigned")},
                *(
                    {"value": str(u.id), "label": u.name}
                    for u in users.list_staff(session, actor=actor)
                    if u.id != actor.user_id
                ),
            ]
        view = self.router.url.query_parameters.get("view", "")
        if view in VIEWS:
            self._apply_view(view)
        self._fetch(actor)
        self.loaded = True
        return None

    def _apply_view(self, view: str) -> None:
        preset = VIEWS[view][1]
        self.q, self.priority, self.page = "", ANY, 1
        self.status = UNSOLVED_KEY if preset.get("status_category") else ANY
        self.assignee = str(preset.get("assignee_id", ANY))

    @rx.event
    def show_view(self, view: str):
        if view not in VIEWS:
            return None
        self._apply_view(view)
        return self._refresh()

    @rx.event
    def set_status(self, value: str):
        self.status, self.page = value, 1
        return self._refresh()

    @rx.event
    def set_priority(self, value: str):
        self.priority, self.page = value, 1
        return self._refresh()

    @rx.event
    def set_assignee(self, value: str):
        self.assignee, self.page = value, 1
        return self._refresh()

    @rx.event
    def set_sort(self, value: str):
        if value in dict(SORT_OPTIONS):
            self.sort, self.page = value, 1
        return self._refresh()

    @rx.event
    def toggle_sort(self, column: str):
        """Header click: descending first, then ascending."""
        self.sort = column if self.sort == f"-{column}" else f"-{column}"
        self.page = 1
        return self._refresh()

    @rx.event
    def clear_filters(self):
        self.q, self.status, self.priority, self.assignee, self.page = "", UNSOLVED_KEY, ANY, ANY, 1
        return self._refresh()

    @rx.event
    def open_ticket(self, ticket_id: int):
        self._mark_seen(int(ticket_id))
        return rx.redirect(routes.agent_ticket(ticket_id))
