"""What every agent and admin page shares: the sidebar's views and their live counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from autocrm.core.db import read_session
from autocrm.core.i18n import N_, format_number, t
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.tickets import UNSOLVED_CATEGORIES, QueueTotal, TicketFilter, TicketPage
from autocrm.state import live
from autocrm.state.roles import STAFF
from autocrm.state.session import SessionState

UNSOLVED = list(UNSOLVED_CATEGORIES)

# view key -> (label, filters). The queue's filter bar starts from these presets.
VIEWS: dict[str, tuple[str, dict]] = {
    "unsolved": (N_("Unsolved"), {"status_category": UNSOLVED}),
    "mine": (N_("Assigned to me"), {"status_category": UNSOLVED, "assignee_id": "me"}),
    "unassigned": (N_("Unassigned"), {"status_category": UNSOLVED, "assignee_id": "none"}),
    "all": (N_("All tickets"), {}),
}


def total_text(page: TicketPage | QueueTotal) -> str:
    """A queue's size as people read it: exact, "1,000+" past the counting cap, or "about 17,500"."""
    if not page.total_is_estimate:
        return format_number(page.total)
    if page.total <= tickets.TOTAL_CAP:
        return f"{format_number(page.total)}+"
    return t("about {n}", n=format_number(round(page.total, -2)))


def count_badge(page: TicketPage | QueueTotal) -> str:
    """A sidebar count: short, so "1,000+" and "17.5k" fit the badge."""
    if page.total_is_estimate and page.total > tickets.TOTAL_CAP:
        return f"{page.total / 1000:.1f}k"
    return total_text(page)


FRESH_LIMIT = 500


class StaffState(SessionState):
    """Base of the agent and admin page states."""

    view_counts: dict[str, str] = {}
    current_view: str = ""
    # Tickets someone else changed since this tab showed them: marked in the queue until the agent opens one.
    fresh_ids: list[int] = []

    def _load_counts(self, actor: Actor, batch: live.Batch | None = None) -> None:
        def count() -> dict[str, str]:
            with read_session() as session:
                totals = tickets.queue_totals(
                    session,
                    actor=actor,
                    queues={key: TicketFilter(**preset) for key, (_label, preset) in VIEWS.items()},
                )
            return {key: count_badge(total) for key, total in totals.items()}

        counts = batch.shared(("counts", actor.user_id), count) if batch is not None else count()
        if counts != self.view_counts:  # a live update sends only what moved
            self.view_counts = counts

    def _mark_fresh(self, ticket_ids: set[int]) -> None:
        if ticket_ids:
            kept = [ticket_id for ticket_id in self.fresh_ids if ticket_id not in ticket_ids]
            self.fresh_ids = (sorted(ticket_ids) + kept)[:FRESH_LIMIT]

    def _mark_seen(self, ticket_id: int) -> None:
        if ticket_id in self.fresh_ids:
            self.fresh_ids = [other for other in self.fresh_ids if other != ticket_id]

    @rx.var
    def count_unsolved(self) -> str:
        return self.view_counts.get("unsolved", "")

    @rx.var
    def count_mine(self) -> str:
        return self.view_counts.get("mine", "")

    @rx.var
    def count_unassigned(self) -> str:
        return self.view_counts.get("unassigned", "")

    @rx.var
    def count_all(self) -> str:
        return self.view_counts.get("all", "")


class ListPageMixin(rx.State, mixin=True):
    """A paged, searchable list (the queue, the people admin): its search box, paging and reload.
    A mixin, so each page state gets its own copy of these vars and events (`class X(ListPageMixin, StaffState)`)."""

    # Who may use the page; `_fetch(actor)` loads the current page's rows.
    allowed_roles: ClassVar[tuple[str, ...]] = STAFF
    per_page: ClassVar[int] = 25
    rows: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    q: str = ""
    loaded: bool = False

    if TYPE_CHECKING:  # SessionState, the page state's other base, provides it

        def _actor(self, roles: Iterable[str]) -> tuple[Actor | None, Any]: ...

    def _fetch(self, actor: Actor) -> None:
        raise NotImplementedError

    def _refresh(self):
        """Loads the page again for its (re-checked) user, or returns the redirect for someone else."""
        actor, refusal = self._actor(self.allowed_roles)
        if actor is None:
            return refusal
        self._fetch(actor)
        return None

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 1

    @rx.var
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @rx.event
    def search(self, form: dict[str, Any]):
        value = form.get("q")
        self.q = value.strip()[:200] if isinstance(value, str) else ""
        self.page = 1
        return self._refresh()

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page += 1
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(1, self.page - 1)
        return self._refresh()
