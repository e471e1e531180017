"""Admin: e-mail. The IMAP mailboxes the desk reads (add, edit, test the connection, turn off), and the mail that
could not become a ticket, with the reason and a retry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import email as inbound
from autocrm.services.email import InboundMailPublic
from autocrm.services.email.mailboxes import (
    SECURITY_CHOICES,
    MailboxCreate,
    MailboxPublic,
    MailboxUpdate,
    check_connection,
    create_mailbox,
    delete_mailbox,
    list_mailboxes,
    update_mailbox,
)
from autocrm.services.errors import DomainError
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

EDIT_FORM = Form(
    message="edit_error",
    errors="edit_errors",
    fields=("name", "host", "port", "security", "username", "password", "folder", "processed_folder"),
    labels={
        "name": N_("Name"),
        "host": N_("Server"),
        "port": N_("Port"),
        "username": N_("User name"),
        "password": N_("Password"),
        "folder": N_("Folder"),
        "processed_folder": N_("Move processed mail to"),
    },
)
SECURITY_TEXT = {
    "ssl": N_("TLS (IMAPS, port 993)"),
    "starttls": N_("STARTTLS (port 143)"),
    "none": N_("No encryption (local servers only)"),
}
DEFAULT_PORTS = {"ssl": "993", "starttls": "143", "none": "143"}
RETRIED = {
    "created": N_("Read again: it opened a ticket."),
    "threaded": N_("Read again: it was added to its ticket."),
    "ignored": N_("Read again: it is an auto-reply or a bounce, so it was set aside."),
}


def mailbox_row(box: MailboxPublic, *, now: datetime | None = None) -> dict[str, Any]:
    """A mailbox as the page lists it; its state and security words are msgids the page translates."""
    now = now or datetime.now(UTC)
    if not box.enabled:
        state, color = N_("Off"), "gray"
    elif box.last_ok is False:
        state, color = N_("Failing"), "red"
    elif box.last_ok:
        state, color = N_("Working"), "grass"
    else:
        state, color = N_("Not checked"), "amber"
    polled = box.last_polled_at
    return {
        "id": box.id,
        "name": box.name,
        "server": f"{box.host}:{box.port}",
        "security": box.security,
        "security_text": SECURITY_TEXT.get(box.security, box.security),
        "account": f"{box.username} · {box.folder}",
        "username": box.username,
        "host": box.host,
        "port": str(box.port),
        "folder": box.folder,
        "processed_folder": box.processed_folder or "",
        "enabled": box.enabled,
        "state": state,
        "state_color": color,
        "last_status": box.last_status or N_("No check or poll yet."),
        "polled_rel": relative_time(polled, now=now) if polled else N_("not yet"),
        "polled_exact": exact_time(polled) if polled else "",
    }


def failed_row(mail: InboundMailPublic, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    return {
        "id": mail.id,
        "sender": mail.sender or t("(no sender)"),
        "subject": mail.subject or t("(no subject)"),
        "reason": mail.reason,
        "source": {"imap": "IMAP", "smtp": "SMTP", "api": N_("API")}.get(mail.source, mail.source),
        "attempts": str(mail.attempts),
        "received_rel": relative_time(mail.received_at, now=now),
        "received_exact": exact_time(mail.received_at),
    }


class AdminMailboxesState(ConfirmMixin, StaffState):
    rows: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    loaded: bool = False

    edit_open: bool = False
    editing_id: int = 0
    edit_name: str = ""
    edit_host: str = ""
    edit_port: str = "993"
    edit_security: str = "ssl"
    edit_username: str = ""
    edit_folder: str = "INBOX"
    edit_processed_folder: str = ""
    edit_enabled: bool = True
    edit_errors: dict[str, str] = {}
    edit_error: str = ""

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def has_failed(self) -> bool:
        return bool(self.failed)

    @rx.var
    def editing(self) -> bool:
        return self.editing_id > 0

    @rx.var
    def failed_count(self) -> str:
        return str(len(self.failed))

    def _fetch(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            boxes = list_mailboxes(session, actor=actor)
            failed = inbound.list_inbound(session, actor=actor)
        now = datetime.now(UTC)
        self.rows = [mailbox_row(box, now=now) for box in boxes]
        self.failed = [failed_row(mail, now=now) for mail in failed]

    def _refresh_for_language(self) -> None:
        self._fetch()

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self._show_edit(False)
        self._fetch()
        self._load_counts(actor)
        self.loaded = True
        return None

    @rx.event
    def refresh(self):
        self._fetch()

    # ---- the add / edit dialog ----------------------------------------------------------------------------

    def _show_edit(self, shown: bool, row: dict[str, Any] | None = None) -> None:
        self.edit_open = shown
        self.edit_errors, self.edit_error = {}, ""
        self.editing_id = int(row["id"]) if row else 0
        self.edit_name = row["name"] if row else ""
        self.edit_host = row["host"] if row else ""
        self.edit_port = row["port"] if row else "993"
        self.edit_security = row["security"] if row else "ssl"
        self.edit_username = row["username"] if row else ""
        self.edit_folder = row["folder"] if row else "INBOX"
        self.edit_processed_folder = row["processed_folder"] if row else ""
        self.edit_enabled = bool(row["enabled"]) if row else True

    @rx.event
    def open_create(self):
        self._show_edit(True)

    @rx.event
    def open_edit(self, mailbox_id: int):
        row = next((r for r in self.rows if r.get("id") == int(mailbox_id)), None)
        if row is not None:
            self._show_edit(True, row)

    @rx.event
    def set_edit_open(self, value: bool):
        self._show_edit(bool(value))

    @rx.event
    def set_edit_security(self, value: str):
        if value in SECURITY_CHOICES:
            # The usual port follows the choice, unless the admin typed another one.
            if self.edit_port in DEFAULT_PORTS.values():
                self.edit_port = DEFAULT_PORTS[value]
            self.edit_security = value

    @rx.event
    def set_edit_enabled(self, value: bool):
        self.edit_enabled = bool(value)

    @rx.event
    def save(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        values = {
            key: form_text(form, key) for key in ("name", "host", "port", "username", "folder", "processed_folder")
        }
        password = str(form.get("password") or "")
        self.edit_name, self.edit_host, self.edit_port = values["name"], values["host"], values["port"]
        self.edit_username, self.edit_folder = values["username"], values["folder"]
        self.edit_processed_folder = values["processed_folder"]
        if not values["port"].isdigit():
            self.edit_errors, self.edit_error = {"port": t("Enter a port number, like 993.")}, ""
            return None
        fields: dict[str, Any] = values | {
            "port": int(values["port"]),
            "security": self.edit_security,
            "enabled": self.edit_enabled,
            "processed_folder": values["processed_folder"] or None,
        }
        if self.editing_id:
            mailbox_id = self.editing_id
            update = MailboxUpdate(**fields, **({"password": password} if password else {}))
            written = self._write(
                lambda session: update_mailbox(session, actor=actor, mailbox_id=mailbox_id, data=update),
                form=EDIT_FORM,
                success=t("Mailbox saved."),
            )
        else:
            if not password:
                self.edit_errors, self.edit_error = {"password": t("Enter the mailbox's password.")}, ""
                return None
            written = self._write(
                lambda session: create_mailbox(session, actor=actor, data=MailboxCreate(**fields, password=password)),
                form=EDIT_FORM,
                success=t("Mailbox added: test it to see that the desk can read it."),
            )
        if written.ok:
            self._show_edit(False)
            self._fetch()
        return written.events

    # ---- removing ------------------------------------------------------------------------------------------

    @rx.event
    def ask_delete(self, mailbox_id: int):
        row = next((r for r in self.rows if r.get("id") == int(mailbox_id)), None)
        if row is not None:
            self._ask(id=row["id"], title=self._t("Remove the mailbox {name}?", name=row["name"]))

    @rx.event
    def confirm_delete(self):
        return self._write_confirmed(
            ADMIN,
            lambda session, actor, mailbox_id: delete_mailbox(session, actor=actor, mailbox_id=mailbox_id),
            success=t("Mailbox removed: no more mail is read from it."),
            then=lambda _actor: self._fetch(),
        )

    # ---- test, turn on and off ----------------------------------------------------------------------------

    @rx.event
    def test(self, mailbox_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        try:
            check = check_connection(actor=actor, mailbox_id=int(mailbox_id))
        except DomainError as exc:  # the mailbox went away, its stored password cannot be read
            self._fetch()
            return rx.toast.error(exc.message)
        self._fetch()
        return rx.toast.success(check.message) if check.ok else rx.toast.error(check.message)

    @rx.event
    def toggle_enabled(self, mailbox_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        row = next((r for r in self.rows if r.get("id") == int(mailbox_id)), None)
        if row is None:
            return None
        on = not row["enabled"]
        written = self._write(
            lambda session: update_mailbox(
                session, actor=actor, mailbox_id=int(mailbox_id), data=MailboxUpdate(enabled=on)
            ),
            success=t("Mailbox turned on: it is read every minute.")
            if on
            else t("Mailbox turned off: it is not read."),
        )
        self._fetch()
        return written.events

    # ---- the failed list ----------------------------------------------------------------------------------

    @rx.event
    def retry(self, inbound_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        written = self._write(lambda session: inbound.retry_inbound(session, actor=actor, inbound_id=int(inbound_id)))
        self._fetch()
        result = written.value
        if result is None:
            return written.events
        if result.status == "failed":
            return rx.toast.error(t("Still failing: {reason}", reason=result.reason))
        return rx.toast.success(t(RETRIED.get(result.status, N_("Read again."))))
