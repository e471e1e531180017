"""What every agent and admin page shares: the sidebar's views and their live counts."""

from __future__ import annotations

import reflex as rx

from autocrm.core.db import read_session
from autocrm.models import StatusCategory
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.tickets import TicketFilter
from autocrm.state.session import SessionState

UNSOLVED = [StatusCategory.new, StatusCategory.open, StatusCategory.pending, StatusCategory.on_hold]

# view key -> (label, filters). The queue's filter bar starts from these presets.
VIEWS: dict[str, tuple[str, dict]] = {
    "unsolved": ("Unsolved", {"status_category": UNSOLVED}),
    "mine": ("Assigned to me", {"status_category": UNSOLVED, "assignee_id": "me"}),
    "unassigned": ("Unassigned", {"status_category": UNSOLVED, "assignee_id": "none"}),
    "all": ("All tickets", {}),
}


class StaffState(SessionState):
    """Base of the agent and admin page states."""

    view_counts: dict[str, int] = {}
    current_view: str = ""

    def _load_counts(self, actor: Actor) -> None:
        counts = {}
        with read_session() as session:
            for key, (_label, preset) in VIEWS.items():
                counts[key] = tickets.list_tickets(session, actor=actor, filters=TicketFilter(per_page=1, **preset)).total
        self.view_counts = counts

    @rx.var
    def count_unsolved(self) -> int:
        return self.view_counts.get("unsolved", 0)

    @rx.var
    def count_mine(self) -> int:
        return self.view_counts.get("mine", 0)

    @rx.var
    def count_unassigned(self) -> int:
        return self.view_counts.get("unassigned", 0)

    @rx.var
    def count_all(self) -> int:
        return self.view_counts.get("all", 0)
