"""What every agent and admin page shares: the sidebar's views and their live counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, format_number, t
from autocrm.services import agents, inbox, teams, tickets, views
from autocrm.services.actor import Actor
from autocrm.services.tickets import UNSOLVED_CATEGORIES, QueueTotal, TicketPage
from autocrm.state import live
from autocrm.state.format import exact_time, relative_time
from autocrm.state.roles import STAFF
from autocrm.state.session import SessionState

UNSOLVED = list(UNSOLVED_CATEGORIES)

# The built-in views' keys (rows of `saved_view` since migration 0024) and their sidebar icons.
VIEW_ICONS = {"unsolved": "inbox", "mine": "user-round", "unassigned": "user-round-x", "all": "layers"}
SHARING_ICONS = {"personal": "bookmark", "team": "users", "everyone": "list-filter"}


def view_key(view: views.ViewPublic) -> str:
    """How a view is named in the URL and the sidebar: a built-in one by its key, the others by id."""
    return view.builtin_key or str(view.id)


def sidebar_entry(view: views.ViewPublic, total: QueueTotal | None) -> dict[str, Any]:
    key = view_key(view)
    return {
        "key": key,
        "id": view.id,
        "name": view.name,
        "builtin": bool(view.builtin_key),  # a built-in view's name is a msgid, translated in the browser
        "count": count_badge(total) if total is not None else "",
        "icon": VIEW_ICONS.get(view.builtin_key or "", SHARING_ICONS.get(view.visibility, "list-filter")),
        "personal": view.visibility == "personal",
        "can_edit": view.can_edit,
        "href": f"{routes.AGENT_QUEUE}?view={key}",
        "filters": view.filters,  # so a filter bar that lands on a view's filters highlights it
    }


def dropped_order(entries: list[dict[str, Any]], moved: int, target: int) -> list[int] | None:
    """The new order of the views of `moved`'s kind when it is dropped on `target` (None when that moves
    nothing: a drop on itself, on a view of the other kind, or of a view this person may not reorder)."""
    by_id = {entry["id"]: entry for entry in entries}
    mover, there = by_id.get(moved), by_id.get(target)
    if mover is None or there is None or moved == target or not (mover["can_edit"] and there["can_edit"]):
        return None
    if mover["personal"] != there["personal"]:
        return None
    group = [entry["id"] for entry in entries if entry["personal"] == mover["personal"] and entry["can_edit"]]
    moving_down = group.index(moved) < group.index(target)
    group.remove(moved)
    group.insert(group.index(target) + (1 if moving_down else 0), moved)
    return group


def total_text(page: TicketPage | QueueTotal) -> str:
    """A queue's size as people read it: exact, "1,000+" past the counting cap, or "about 17,500"."""
    if not page.total_is_estimate:
        return format_number(page.total)
    if page.total <= tickets.TOTAL_CAP:
        return f"{format_number(page.total)}+"
    return t("about {n}", n=format_number(round(page.total, -2)))


def count_badge(page: TicketPage | QueueTotal) -> str:
    """A sidebar count: short, so "1,000+" and "17.5k" ("17,5k" in German) fit the badge."""
    if page.total_is_estimate and page.total > tickets.TOTAL_CAP:
        return f"{format_number(round(page.total / 1000, 1))}k"
    return total_text(page)


FRESH_LIMIT = 500
# The bell lists this many of the newest notifications.
INBOX_SHOWN = 8
# How the availability switch names each state (msgids).
AVAILABILITY_NAMES = {"online": N_("online"), "away": N_("away"), "offline": N_("offline")}


class StaffState(SessionState):
    """Base of the agent and admin page states."""

    view_counts: dict[str, str] = {}  # view key -> its count as the sidebar shows it
    sidebar_views: list[dict[str, Any]] = []
    current_view: str = ""  # the open view's key (see `view_key`), "" when the queue shows no saved view
    # Tickets someone else changed since this tab showed them: marked in the queue until the agent opens one.
    fresh_ids: list[int] = []
    # The agent's own availability (online, away, offline) for the top bar's switch; "" until a page loaded it.
    my_availability: str = ""
    # Leads some team: the sidebar offers the team dashboards (admins have them under Administration).
    leads_a_team: bool = False
    # A sidebar view being dragged onto another one to reorder them (ids; 0 when no drag is on).
    dragged_view: int = 0
    drag_target_view: int = 0
    # The bell: the agent's own newest notifications (who mentioned them, an excerpt, the ticket), how many unread.
    inbox_items: list[dict[str, Any]] = []
    inbox_unread: int = 0

    def _load_counts(self, actor: Actor, batch: live.Batch | None = None) -> None:
        """The sidebar: the views this agent sees, each with its count (all counts from one statement)."""

        def count() -> list[dict[str, Any]]:
            with read_session() as session:
                listed = views.list_views(session, actor=actor)
                totals = views.view_counts(session, actor=actor, views=listed)
            return [sidebar_entry(view, totals.get(view.id)) for view in listed]

        if batch is None and actor.user_id is not None:
            with read_session() as session:
                self.my_availability = agents.profile_of(session, actor.user_id).availability.value
                leads = bool(teams.led_team_ids(session, actor))
            if leads != self.leads_a_team:
                self.leads_a_team = leads
        entries = batch.shared(("counts", actor.user_id), count) if batch is not None else count()
        if entries != self.sidebar_views:  # a live update sends only what moved
            self.sidebar_views = entries
        counts = {entry["key"]: entry["count"] for entry in entries}
        if counts != self.view_counts:
            self.view_counts = counts
        self._load_inbox(actor, batch)

    def _load_inbox(self, actor: Actor, batch: live.Batch | None = None) -> None:
        """The bell: read on a page's load and again for a live push that holds a new notification (someone's:
        the push's changes do not say whose, and tabs of one user share the read)."""
        if actor.user_id is None:
            return
        if batch is not None and not any(change.type == inbox.NOTIFICATION_CREATED for change in batch.changes):
            return

        def read() -> inbox.InboxPage:
            with read_session() as session:
                return inbox.list_inbox(session, actor=actor, limit=INBOX_SHOWN)

        page = batch.shared(("inbox", actor.user_id), read) if batch is not None else read()
        items = [
            {
                "id": item.id,
                "href": routes.agent_ticket(item.ticket_id)
                if item.ticket_id
                else (routes.ADMIN_DASHBOARDS if item.kind == "alert" else ""),
                "who": self._t("Alert") if item.kind == "alert" else (item.actor_name or self._t("A teammate")),
                "excerpt": item.excerpt,
                "read": item.read,
                "when": relative_time(item.created_at),
                "when_exact": exact_time(item.created_at),
            }
            for item in page.items
        ]
        if items != self.inbox_items:
            self.inbox_items = items
        if page.unread != self.inbox_unread:
            self.inbox_unread = page.unread

    def _mark_read(self, data: inbox.MarkRead) -> Any:
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        written = self._write(lambda session: inbox.mark_read(session, actor=actor, data=data))
        self._load_inbox(actor)
        return written.events

    @rx.event
    def open_notification(self, notification_id: int):
        """A notification picked in the bell: read now, and its ticket opened."""
        item = next((i for i in self.inbox_items if i["id"] == notification_id), None)
        if item is None:
            return None
        refused = self._mark_read(inbox.MarkRead(ids=[notification_id]))
        return [*(refused or []), rx.redirect(item["href"])] if item["href"] else refused

    @rx.event
    def mark_all_notifications_read(self):
        return self._mark_read(inbox.MarkRead(all=True))

    def _mark_fresh(self, ticket_ids: set[int]) -> None:
        if ticket_ids:
            kept = [ticket_id for ticket_id in self.fresh_ids if ticket_id not in ticket_ids]
            self.fresh_ids = (sorted(ticket_ids) + kept)[:FRESH_LIMIT]

    def _mark_seen(self, ticket_id: int) -> None:
        if ticket_id in self.fresh_ids:
            self.fresh_ids = [other for other in self.fresh_ids if other != ticket_id]

    @rx.event
    def set_my_availability(self, value: str):
        """The top bar's switch: only online agents get tickets handed out by their teams."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        written = self._write(
            lambda session: agents.set_availability(session, actor=actor, availability=value),
            success=lambda _: self._t("You are now {state}.", state=self._t(AVAILABILITY_NAMES.get(value, value))),
        )
        if written.value is not None:
            self.my_availability = written.value.availability.value
        return written.events

    # ---- reordering the sidebar's views by dragging one onto another --------------------------------------

    @rx.event
    def start_view_drag(self, view_id: int):
        self.dragged_view, self.drag_target_view = int(view_id), 0

    @rx.event
    def enter_view(self, view_id: int):
        if self.dragged_view:
            self.drag_target_view = int(view_id)

    @rx.event
    def end_view_drag(self):
        self.dragged_view = self.drag_target_view = 0

    @rx.event
    def drop_view(self, view_id: int):
        """The dragged view takes the place of the one it was dropped on, among views of its own kind (the
        agent's own, or for admins the shared ones): the others keep their order."""
        moved, target = self.dragged_view, int(view_id)
        self.dragged_view = self.drag_target_view = 0
        order = dropped_order(self.sidebar_views, moved, target)
        if order is None:
            return None
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        written = self._write(lambda session: views.reorder_views(session, actor=actor, ids=order))
        self._load_counts(actor)
        return written.events

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
