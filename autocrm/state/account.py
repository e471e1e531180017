"""The signed-in person's own account pages: for now, their browser sessions (staff and customers alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from autocrm.core.db import read_session
from autocrm.core.i18n import ngettext, t
from autocrm.services import sessions
from autocrm.services.actor import Actor
from autocrm.services.sessions import SessionPublic
from autocrm.state.format import exact_time, relative_time
from autocrm.state.roles import CUSTOMER, STAFF
from autocrm.state.staff import StaffState

EVERYONE = (*STAFF, *CUSTOMER)


def session_row(found: SessionPublic, *, now: datetime | None = None) -> dict[str, Any]:
    """A session as the list shows it. The full user agent goes on hover: the device name is a guess from it."""
    now = now or datetime.now(UTC)
    phone = any(word in found.user_agent for word in ("iPhone", "Android", "Mobile"))
    return {
        "id": found.id,
        "device": found.device,
        "icon": "smartphone" if phone else "monitor",
        "user_agent": found.user_agent or t("The browser did not say what it is."),
        "current": found.current,
        "created_rel": relative_time(found.created_at, now=now),
        "created_exact": exact_time(found.created_at),
        "seen_rel": t("now") if found.current else relative_time(found.last_seen_at, now=now),
        "seen_exact": exact_time(found.last_seen_at),
    }


class AccountSessionsState(StaffState):
    """Staff see it in the agent shell (its sidebar counts load too), customers in the portal's."""

    rows: list[dict[str, Any]] = []
    loaded: bool = False
    confirming_others: bool = False

    @rx.var
    def other_count(self) -> int:
        return sum(1 for row in self.rows if not row.get("current"))

    @rx.var
    def is_customer(self) -> bool:
        return self.user.get("role") in CUSTOMER

    def _fetch(self, actor: Actor) -> None:
        with read_session() as session:
            found = sessions.list_sessions(session, actor=actor, current_token=self._session_token())
        now = datetime.now(UTC)
        self.rows = [session_row(s, now=now) for s in found]

    def _refresh_for_language(self) -> None:
        actor, _ = self._actor(EVERYONE)
        if actor is not None:
            self._fetch(actor)

    @rx.event
    def load(self):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        self.current_view = ""
        if actor.is_staff:
            self._load_counts(actor)
        self._fetch(actor)
        self.loaded = True
        return None

    @rx.event
    def end(self, session_id: int):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        target = int(session_id)
        written = self._write(
            lambda session: sessions.end_session(session, actor=actor, session_id=target),
            success=lambda ended: t("{device} is signed out.", device=ended.device),
        )
        self._fetch(actor)
        return written.events

    @rx.event
    def ask_end_others(self):
        self.confirming_others = self.other_count > 0

    @rx.event
    def set_confirming_others(self, value: bool):
        self.confirming_others = bool(value)

    @rx.event
    def end_others(self):
        self.confirming_others = False
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        token = self._session_token()
        written = self._write(
            lambda session: sessions.end_other_sessions(session, actor=actor, current_token=token),
            success=lambda count: ngettext(
                "Signed out of {n} other session.", "Signed out of {n} other sessions.", count
            ),
        )
        self._fetch(actor)
        return written.events
