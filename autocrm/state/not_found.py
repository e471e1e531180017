"""The page at an address that is no page: it knows who is looking, to offer the right way back."""

from __future__ import annotations

import reflex as rx

from autocrm.services.actor import Actor
from autocrm.services.users import UserPublic
from autocrm.state.roles import STAFF
from autocrm.state.staff import StaffState


class NotFoundState(StaffState):
    checked: bool = False

    @rx.event
    def load(self):
        """Never redirects: a signed-in person gets their own shell (staff with the sidebar's counts)."""
        user = self._current_user()
        self.user = UserPublic.model_validate(user).model_dump(mode="json") if user else {}
        if user is not None and user.role.value in STAFF:
            self._load_counts(Actor.for_user(user))
        self.current_view = ""
        self.checked = True
