"""Admin: the people on the desk, their roles and whether they may sign in."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import reflex as rx

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import users
from autocrm.services.errors import DomainError
from autocrm.state.format import field_errors, initials
from autocrm.state.session import ADMIN
from autocrm.state.staff import ListPageMixin, StaffState

PER_PAGE = 50
ANY = "any"


def _row(user: dict[str, Any], me: int | None) -> dict[str, Any]:
    return {**user, "initials": initials(user.get("name")), "is_me": user.get("id") == me}


class AdminUsersState(ListPageMixin, StaffState):
    allowed_roles: ClassVar[tuple[str, ...]] = ADMIN
    per_page: ClassVar[int] = PER_PAGE
    role: str = ANY

    create_open: bool = False
    create_errors: dict[str, str] = {}
    create_error: str = ""
    create_role: str = "agent"

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return "No people"
        first = (self.page - 1) * PER_PAGE + 1
        return f"{first}–{min(self.total, self.page * PER_PAGE)} of {self.total:,}"

    def _fetch(self, actor) -> None:
        with read_session() as session:
            result = users.list_users(
                session,
                actor=actor,
                role=Role(self.role) if self.role != ANY else None,
                q=self.q or None,
                page=self.page,
                per_page=PER_PAGE,
            )
        if not result.items and result.total and self.page > 1:
            self.page = max(1, math.ceil(result.total / PER_PAGE))
            return self._fetch(actor)
        self.rows = [_row(u.model_dump(mode="json"), actor.user_id) for u in result.items]
        self.total = result.total
        return None

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if refusal:
            return refusal
        self.current_view = ""
        self._fetch(actor)
        self._load_counts(actor)
        self.loaded = True
        return None

    @rx.event
    def set_role_filter(self, value: str):
        self.role = value if value in (ANY, *(r.value for r in Role)) else ANY
        self.page = 1
        return self._refresh()

    def _change(self, user_id: int, done: str, **changes: Any):
        actor, refusal = self._actor(ADMIN)
        if refusal:
            return refusal
        try:
            with write_session() as session:
                user = users.update_user(session, actor=actor, user_id=int(user_id), **changes)
                name = user.name
        except DomainError as exc:
            self._fetch(actor)
            return rx.toast.error(exc.message)
        self._fetch(actor)
        return rx.toast.success(done.format(name=name))

    @rx.event
    def change_role(self, user_id: int, role: str):
        if role not in {r.value for r in Role}:
            return None
        return self._change(
            user_id, f"{{name}} is now {'an' if role in ('agent', 'admin') else 'a'} {role}.", role=Role(role)
        )

    @rx.event
    def set_active(self, user_id: int, active: bool):
        return self._change(
            user_id, "{name} can sign in again." if active else "{name} can no longer sign in.", is_active=bool(active)
        )

    @rx.event
    def open_create(self, value: bool = True):
        self.create_open = bool(value)
        self.create_errors, self.create_error, self.create_role = {}, "", "agent"

    @rx.event
    def set_create_role(self, value: str):
        self.create_role = value

    @rx.event
    def create(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if refusal:
            return refusal
        name = form.get("name") if isinstance(form.get("name"), str) else ""
        email = form.get("email") if isinstance(form.get("email"), str) else ""
        password = form.get("password") if isinstance(form.get("password"), str) else ""
        self.create_errors, self.create_error = {}, ""
        try:
            with write_session() as session:
                user = users.create_user(
                    session, actor=actor, email=email, name=name, role=Role(self.create_role), password=password or None
                )
                label = f"{user.name} ({user.role.value}) created."
        except DomainError as exc:
            self.create_errors = field_errors(exc)
            if not self.create_errors:
                self.create_error = exc.message
            return None
        self.create_open = False
        self._fetch(actor)
        return rx.toast.success(label + ("" if password else " They can set a password with “Forgot password”."))
