"""Admin: the people on the desk, their roles and whether they may sign in."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import reflex as rx

from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, ngettext, t
from autocrm.models import Role
from autocrm.services import sessions, users
from autocrm.services.actor import Actor
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import form_text, initials
from autocrm.state.roles import ADMIN, ROLE_LABELS
from autocrm.state.session import Form
from autocrm.state.staff import ListPageMixin, StaffState

PER_PAGE = 50
# A phone shows a page's people ten at a time: a search usually finds the one sooner than scrolling.
PHONE_BATCH = 10
ANY = "any"
CREATE_FORM = Form(message="create_error", errors="create_errors", fields=("name", "email", "role", "password"))
# What a role lets its holder do in the app, said in the confirmation before an admin gives it.
ROLE_EFFECTS = {
    "admin": N_("Admins work the ticket queue and manage people on this page."),
    "agent": N_("Agents work the ticket queue. They cannot manage people."),
    "customer": N_("Customers use the portal for their own requests and lose access to the queue."),
}
# One whole sentence per role: an article and a role word do not combine the same way in every language.
MAKE_ROLE = {
    "admin": N_("Make {name} an admin?"),
    "agent": N_("Make {name} an agent?"),
    "customer": N_("Make {name} a customer?"),
}
MAKE_ROLE_BUTTON = {"admin": N_("Make admin"), "agent": N_("Make agent"), "customer": N_("Make customer")}
IS_NOW = {
    "admin": N_("{name} is now an admin."),
    "agent": N_("{name} is now an agent."),
    "customer": N_("{name} is now a customer."),
}


def _row(user: dict[str, Any], me: int | None) -> dict[str, Any]:
    return {**user, "initials": initials(user.get("name")), "is_me": user.get("id") == me}


class AdminUsersState(ConfirmMixin, ListPageMixin, StaffState):
    allowed_roles: ClassVar[tuple[str, ...]] = ADMIN
    per_page: ClassVar[int] = PER_PAGE
    role: str = ANY

    create_open: bool = False
    create_errors: dict[str, str] = {}
    create_error: str = ""
    create_role: str = "agent"
    phone_shown: int = PHONE_BATCH

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return self._t("No people")
        first = (self.page - 1) * PER_PAGE + 1
        with i18n.using_locale(self.locale):
            total = i18n.format_number(self.total)
        return self._t(
            "{first}–{last} of {total}", first=first, last=min(self.total, self.page * PER_PAGE), total=total
        )

    def _fetch(self, actor: Actor) -> None:
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
        self.phone_shown = PHONE_BATCH
        return None

    def _refresh_for_language(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is not None:
            self._fetch(actor)

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
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

    @rx.var
    def phone_rows(self) -> list[dict[str, Any]]:
        return self.rows[: self.phone_shown]

    @rx.var
    def phone_hidden(self) -> int:
        return max(0, len(self.rows) - self.phone_shown)

    @rx.event
    def show_more(self):
        self.phone_shown += PHONE_BATCH

    def _person(self, user_id: int) -> dict[str, Any] | None:
        return next((row for row in self.rows if row.get("id") == user_id), None)

    @rx.event
    def ask_role(self, user_id: int, role: str):
        """A role picked in the list: asks first, naming the person and what the role lets them do."""
        person = self._person(int(user_id))
        if person is None or role not in ROLE_EFFECTS or role == person.get("role"):
            return
        self._ask(
            user_id=person["id"],
            role=role,
            title=self._t(MAKE_ROLE[role], name=person["name"]),
            text=self._t(ROLE_EFFECTS[role]),
            confirm=self._t(MAKE_ROLE_BUTTON[role]),
            danger=False,
        )

    @rx.event
    def ask_access(self, user_id: int, active: bool):
        """The access switch: asks first, naming the person and what changes for them."""
        person = self._person(int(user_id))
        if person is None or bool(active) == bool(person.get("is_active")):
            return
        name = person["name"]
        self._ask(
            user_id=person["id"],
            active=bool(active),
            title=self._t("Let {name} sign in again?", name=name)
            if active
            else self._t("Deactivate {name}?", name=name),
            text=self._t("They can sign in again with their e-mail and password.")
            if active
            else self._t(
                "They lose access at their next click and can no longer sign in. You can let them in again later."
            ),
            confirm=self._t("Let them sign in") if active else self._t("Deactivate"),
            danger=not active,
        )

    @rx.event
    def ask_end_sessions(self, user_id: int):
        """ "End sessions": asks first; then every browser the person is signed in on is signed out."""
        person = self._person(int(user_id))
        if person is None or person.get("is_me"):
            return
        self._ask(
            user_id=person["id"],
            end_sessions=True,
            title=self._t("Sign {name} out everywhere?", name=person["name"]),
            text=self._t(
                "Every browser they are signed in on is signed out at its next click. "
                "They can sign in again unless you also deactivate them."
            ),
            confirm=self._t("End sessions"),
            danger=True,
        )

    @rx.event
    def confirm_change(self):
        change = self._take_pending()
        if not change:
            return None
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        user_id = int(change["user_id"])
        if change.get("end_sessions"):
            name = str((self._person(user_id) or {}).get("name", t("They")))
            ended = self._write(
                lambda session: sessions.end_all_sessions(session, actor=actor, user_id=user_id),
                success=lambda count: (
                    ngettext(
                        "{name} is signed out of {n} session.",
                        "{name} is signed out of {n} sessions.",
                        count,
                        name=name,
                    )
                    if count
                    else t("{name} was not signed in anywhere.", name=name)
                ),
            )
            return ended.events
        if "role" in change:
            role = change["role"]
            written = self._write(
                lambda session: users.update_user(session, actor=actor, user_id=user_id, role=Role(role)),
                success=lambda user: t(IS_NOW[role], name=user.name),
            )
        else:
            active = bool(change["active"])
            written = self._write(
                lambda session: users.update_user(session, actor=actor, user_id=user_id, is_active=active),
                success=lambda user: (
                    t("{name} can sign in again.", name=user.name)
                    if active
                    else t("{name} can no longer sign in.", name=user.name)
                ),
            )
        self._fetch(actor)
        return written.events

    @rx.event
    def open_create(self):
        self._show_create(True)

    @rx.event
    def set_create_open(self, value: bool):
        self._show_create(bool(value))

    def _show_create(self, shown: bool) -> None:
        self.create_open = shown
        self.create_errors, self.create_error, self.create_role = {}, "", "agent"

    @rx.event
    def set_create_role(self, value: str):
        self.create_role = value

    @rx.event
    def create(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name = form_text(form, "name")
        email = form_text(form, "email")
        password = form_text(form, "password")
        role = Role(self.create_role)
        created = (
            N_("{name} ({role}) created.")
            if password
            else N_("{name} ({role}) created. They can set a password with “Forgot password”.")
        )
        written = self._write(
            lambda session: users.create_user(
                session, actor=actor, email=email, name=name, role=role, password=password or None
            ),
            form=CREATE_FORM,
            success=lambda user: t(created, name=user.name, role=t(ROLE_LABELS[user.role.value])),
        )
        if not written.ok:
            return None
        self.create_open = False
        self._fetch(actor)
        return written.events
