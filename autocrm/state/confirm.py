"""A change that waits for a yes in a dialog (`components/confirm.confirm_dialog`): revoking a key, deleting a
webhook, changing someone's role. The page says what is asked in `pending`; cancelling forgets it, confirming
takes it once, so a second click on a stale dialog does nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import reflex as rx
from sqlmodel import Session

from autocrm.services.actor import Actor

if TYPE_CHECKING:
    from autocrm.state.session import Form, Written

T = TypeVar("T")


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

    if TYPE_CHECKING:  # SessionState, the page state's other base, provides them

        def _actor(self, roles: Iterable[str]) -> tuple[Actor | None, Any]: ...

        def _write(
            self, change: Callable[[Session], T], *, form: Form | None = None, success: str | Callable[[T], str] = ""
        ) -> Written[T]: ...

    def _write_confirmed(
        self,
        roles: Iterable[str],
        change: Callable[[Session, Actor, int], Any],
        *,
        success: str | Callable[[Any], str],
        then: Callable[[Actor], None],
    ) -> Any:
        """The yes to a dialog that asked about one row (`_ask(id=..., ...)`): `change(session, actor, id)` as one
        write for a user of `roles`, then `then(actor)` (the page reads its rows again). Gives the events to return:
        the toast, a refusal's redirect, or nothing for a stale dialog's second click."""
        pending = self._take_pending()
        if not pending:
            return None
        actor, refusal = self._actor(roles)
        if actor is None:
            return refusal
        row_id = int(pending["id"])
        written = self._write(lambda session: change(session, actor, row_id), success=success)
        then(actor)
        return written.events
