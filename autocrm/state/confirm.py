"""A change that waits for a yes in a dialog (`components/confirm.confirm_dialog`): revoking a key, deleting a
webhook, changing someone's role. The page says what is asked in `pending`; cancelling forgets it, confirming
takes it once, so a second click on a stale dialog does nothing."""

from __future__ import annotations

from typing import Any

import reflex as rx


class ConfirmMixin(rx.State, mixin=True):
    # What waits for the yes: the ids the write needs and the words the dialog shows ("title", ...).
    pending: dict[str, Any] = {}

    @rx.var
    def confirming(self) -> bool:
        return bool(self.pending)

    @rx.event
    def cancel_pending(self, open_: bool = False):
        if not open_:
            self.pending = {}

    def _ask(self, **what: Any) -> None:
        self.pending = what

    def _take_pending(self) -> dict[str, Any]:
        pending, self.pending = self.pending, {}
        return pending
