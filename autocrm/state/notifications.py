"""`/notifications/off?token=...`: the mailed unsubscribe link's page, a thin adapter over `services.notifications`.

Opening the link turns the person's notification mails off, no sign-in needed (the signed token names them);
the same page turns them back on.
"""

from __future__ import annotations

import reflex as rx

from autocrm.core.db import write_session
from autocrm.services import notifications
from autocrm.services.errors import DomainError
from autocrm.state.session import SessionState


class NotificationsOffState(SessionState):
    status: str = "checking"  # checking | off | on | failed
    message: str = ""
    address: str = ""

    def _switch(self, *, on: bool) -> None:
        token = self.router.url.query_parameters.get("token", "")
        try:
            with write_session() as session:
                shown = notifications.set_notifications_by_token(session, token=token, on=on)
        except DomainError as exc:
            self.status, self.message, self.address = "failed", exc.message, ""
            return
        self.status, self.message, self.address = ("on" if shown.email_notifications else "off"), "", shown.email

    @rx.event
    def turn_off(self):
        self.status, self.message = "checking", ""
        self._load_company_name()
        self._switch(on=False)

    @rx.event
    def turn_on(self):
        self._switch(on=True)

    @rx.event
    def turn_off_again(self):
        self._switch(on=False)
