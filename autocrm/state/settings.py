"""Admin: the desk's settings page. Statuses and priorities (add with a key made from the name, rename, reorder,
retire only when no ticket uses one), custom fields (type, options, required, shown to customers or not) and
tags (rename, merge; each ticket changed through the ticket services). One tab each, the tab in the URL."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, format_number, ngettext, t
from autocrm.models import CustomFieldType, StatusCategory
from autocrm.services import desk, tags
from autocrm.services.actor import Actor
from autocrm.services.desk import (
    CustomFieldCreate,
    CustomFieldPublic,
    CustomFieldUpdate,
    PriorityCreate,
    PriorityPublic,
    PriorityUpdate,
    StatusCreate,
    StatusPublic,
    StatusUpdate,
)
from autocrm.services.tags import TagChange, TagRename
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import form_text
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

TABS = ("statuses", "priorities", "fields", "tags")
CATEGORY_TEXT = {
    StatusCategory.new: N_("New"),
    StatusCategory.open: N_("Open"),
    StatusCategory.pending: N_("Pending"),
    StatusCategory.on_hold: N_("On hold"),
    StatusCategory.solved: N_("Solved"),
    StatusCategory.closed: N_("Closed"),
}
TYPE_TEXT = {
    CustomFieldType.text: N_("Text"),
    CustomFieldType.number: N_("Number"),
    CustomFieldType.date: N_("Date"),
    CustomFieldType.select: N_("Select"),
    CustomFieldType.checkbox: N_("Checkbox"),
}
# The type picker says a little more where a word alone could puzzle.
TYPE_CHOICE = {**TYPE_TEXT, CustomFieldType.select: N_("Select (a list of options)")}
STATUS_FORM = Form(message="status_error", errors="status_errors", fields=("name", "key", "category"))
PRIORITY_FORM = Form(message="priority_error", errors="priority_errors", fields=("name", "key"))
RENAME_FORM = Form(message="rename_error", errors="rename_errors", fields=("name",))
FIELD_FORM = Form(
    message="field_error",
    errors="field_errors",
    fields=("label", "key", "field_type", "options", "required", "visible_to_customers"),
    labels={"label": N_("Label"), "options": N_("Options")},
)
TAG_FORM = Form(message="tag_error", errors="tag_errors", fields=("tags", "into"))


def _tickets_text(n: int) -> str:
    return ngettext("{n} ticket", "{n} tickets", n)


def status_row(status: StatusPublic) -> dict[str, Any]:
    return {
        "key": status.key,
        "name": t(status.name),  # the defaults are msgids; an admin's own names are shown as written
        "raw_name": status.name,
        "category": status.category.value,
        "category_text": t(CATEGORY_TEXT[status.category]),
        "active": status.is_active,
        "tickets": status.tickets,
        "tickets_text": _tickets_text(status.tickets),
    }


def priority_row(priority: PriorityPublic) -> dict[str, Any]:
    return {
        "key": priority.key,
        "name": t(priority.name),
        "raw_name": priority.name,
        "default": priority.is_default,
        "active": priority.is_active,
        "tickets": priority.tickets,
        "tickets_text": _tickets_text(priority.tickets),
    }


def field_row(field: CustomFieldPublic) -> dict[str, Any]:
    return {
        "id": field.id,
        "key": field.key,
        "label": field.label,
        "type": field.field_type.value,
        "type_text": t(TYPE_TEXT[field.field_type]),
        "options": list(field.options),
        "options_text": ", ".join(field.options),
        "required": field.required,
        "visible": field.visible_to_customers,
        "active": field.is_active,
    }


def _moved(keys: list[str], key: str, step: int) -> list[str] | None:
    if key not in keys:
        return None
    at = keys.index(key)
    to = at + step
    if not 0 <= to < len(keys):
        return None
    keys = list(keys)
    keys[at], keys[to] = keys[to], keys[at]
    return keys


def _ends(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Marks the first and last rows, whose up and down buttons have nowhere to go."""
    for n, row in enumerate(rows):
        row["first"], row["last"] = n == 0, n == len(rows) - 1
    return rows


def _options(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class AdminSettingsState(ConfirmMixin, StaffState):
    tab: str = "statuses"
    loaded: bool = False
    statuses: list[dict[str, Any]] = []
    priorities: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    tag_query: str = ""
    # A refusal that belongs to no field (retiring a status tickets are in), said above its list.
    notice: str = ""

    # The add forms of statuses and priorities.
    new_category: str = StatusCategory.open.value
    status_errors: dict[str, str] = {}
    status_error: str = ""
    priority_errors: dict[str, str] = {}
    priority_error: str = ""

    # Renaming a status or priority: a dialog.
    rename_kind: str = ""  # "status" | "priority"; "" closed
    rename_key: str = ""
    rename_name: str = ""
    rename_errors: dict[str, str] = {}
    rename_error: str = ""

    # The custom field dialog: editing_field 0 adds one.
    field_open: bool = False
    editing_field: int = 0
    field_label: str = ""
    field_type: str = CustomFieldType.text.value
    field_options: str = ""
    field_required: bool = False
    field_visible: bool = False
    field_errors: dict[str, str] = {}
    field_error: str = ""

    # Renaming or merging tags: the tags picked and the dialog.
    picked_tags: list[str] = []
    tag_open: bool = False
    tag_sources: list[str] = []
    tag_into: str = ""
    tag_errors: dict[str, str] = {}
    tag_error: str = ""

    @rx.var
    def renaming(self) -> bool:
        return bool(self.rename_kind)

    @rx.var
    def editing(self) -> bool:
        return self.editing_field > 0

    @rx.var
    def field_has_options(self) -> bool:
        return self.field_type == CustomFieldType.select.value

    @rx.var
    def has_fields(self) -> bool:
        return bool(self.fields)

    @rx.var
    def has_tags(self) -> bool:
        return bool(self.tag_rows)

    @rx.var
    def can_merge(self) -> bool:
        return len(self.picked_tags) > 1

    @rx.var
    def category_options(self) -> list[dict[str, str]]:
        return [{"value": c.value, "label": self._t(text)} for c, text in CATEGORY_TEXT.items()]

    @rx.var
    def type_options(self) -> list[dict[str, str]]:
        return [{"value": c.value, "label": self._t(text)} for c, text in TYPE_CHOICE.items()]

    @rx.var
    def tag_picked(self) -> dict[str, bool]:
        return {row["tag"]: row["tag"] in self.picked_tags for row in self.tag_rows}

    @rx.var
    def merging(self) -> bool:
        return len(self.tag_sources) > 1

    @rx.var
    def tag_sources_text(self) -> str:
        return ", ".join(self.tag_sources)

    @rx.var
    def tag_tickets_text(self) -> str:
        n = sum(int(row["tickets"]) for row in self.tag_rows if row["tag"] in self.tag_sources)
        return self._ngettext(
            "The {n} ticket with it is changed and audited.",
            "Each of the {n} tickets with them is changed and audited on its own.",
            n,
        )

    # ---- reading ---------------------------------------------------------------------------------------

    def _fetch(self, actor: Actor) -> None:
        with read_session() as session:
            self.statuses = _ends([status_row(s) for s in desk.list_statuses(session, actor=actor)])
            self.priorities = _ends([priority_row(p) for p in desk.list_priorities(session, actor=actor)])
            self.fields = _ends([field_row(f) for f in desk.list_custom_fields(session, actor=actor)])
            found = tags.list_tags(session, actor=actor, query=self.tag_query)
        self.tag_rows = [
            {"tag": tag.tag, "tickets": tag.tickets, "tickets_text": _tickets_text(tag.tickets)} for tag in found
        ]
        self.picked_tags = [tag for tag in self.picked_tags if any(row["tag"] == tag for row in self.tag_rows)]

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
        asked = str(self.router.url.query_parameters.get("tab", ""))
        self.tab = asked if asked in TABS else "statuses"
        self.notice, self.rename_kind, self.field_open, self.tag_open = "", "", False, False
        self._fetch(actor)
        self._load_counts(actor)
        self.loaded = True
        return None

    @rx.event
    def set_tab(self, value: str):
        if value in TABS:
            self.tab, self.notice = value, ""
            return rx.call_script(f"window.history.replaceState(null, '', '{routes.ADMIN_SETTINGS}?tab={value}')")
        return None

    def _after(self, written: Any, actor: Actor) -> list[Any]:
        self._fetch(actor)
        return written.events

    def _change(self, change: Any, success: str) -> list[Any] | Any:
        """A change without a form (retire, bring back, reorder, default): a refusal is said above the list."""
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.notice = ""
        written = self._write(lambda session: change(session, actor), form=Form(message="notice"), success=success)
        return self._after(written, actor)

    # ---- statuses ---------------------------------------------------------------------------------------

    @rx.event
    def set_new_category(self, value: str):
        self.new_category = value if value in {c.value for c in StatusCategory} else StatusCategory.open.value

    @rx.event
    def add_status(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name, category = form_text(form, "name"), self.new_category
        written = self._write(
            lambda session: desk.create_status(
                session, actor=actor, data=StatusCreate(name=name, category=StatusCategory(category))
            ),
            form=STATUS_FORM,
            success=lambda s: t("Status {name} added.", name=s.name),
        )
        return [*self._after(written, actor), *([rx.set_value("new-status-name", "")] if written.ok else [])]

    @rx.event
    def move_status(self, key: str, step: int):
        keys = _moved([row["key"] for row in self.statuses], key, int(step))
        if keys is None:
            return None
        return self._change(lambda s, a: desk.reorder_statuses(s, actor=a, keys=keys), "")

    @rx.event
    def ask_retire_status(self, key: str):
        row = next((r for r in self.statuses if r["key"] == key), None)
        if row is None:
            return
        self._ask(
            kind="status",
            key=key,
            title=self._t("Retire the status {name}?", name=row["name"]),
            text=self._t("It is no longer offered for tickets. You can bring it back later."),
            confirm=self._t("Retire status"),
        )

    @rx.event
    def restore_status(self, key: str):
        return self._change(
            lambda s, a: desk.update_status(s, actor=a, key=key, data=StatusUpdate(is_active=True)),
            t("The status is offered again."),
        )

    # ---- priorities -------------------------------------------------------------------------------------

    @rx.event
    def add_priority(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name = form_text(form, "name")
        written = self._write(
            lambda session: desk.create_priority(session, actor=actor, data=PriorityCreate(name=name)),
            form=PRIORITY_FORM,
            success=lambda p: t("Priority {name} added.", name=p.name),
        )
        return [*self._after(written, actor), *([rx.set_value("new-priority-name", "")] if written.ok else [])]

    @rx.event
    def move_priority(self, key: str, step: int):
        keys = _moved([row["key"] for row in self.priorities], key, int(step))
        if keys is None:
            return None
        return self._change(lambda s, a: desk.reorder_priorities(s, actor=a, keys=keys), "")

    @rx.event
    def make_default(self, key: str):
        return self._change(
            lambda s, a: desk.update_priority(s, actor=a, key=key, data=PriorityUpdate(is_default=True)),
            t("New tickets now get this priority."),
        )

    @rx.event
    def ask_retire_priority(self, key: str):
        row = next((r for r in self.priorities if r["key"] == key), None)
        if row is None:
            return
        self._ask(
            kind="priority",
            key=key,
            title=self._t("Retire the priority {name}?", name=row["name"]),
            text=self._t("It is no longer offered for tickets. You can bring it back later."),
            confirm=self._t("Retire priority"),
        )

    @rx.event
    def restore_priority(self, key: str):
        return self._change(
            lambda s, a: desk.update_priority(s, actor=a, key=key, data=PriorityUpdate(is_active=True)),
            t("The priority is offered again."),
        )

    # ---- renaming a status or priority --------------------------------------------------------------------

    @rx.event
    def open_rename(self, kind: str, key: str):
        rows = self.statuses if kind == "status" else self.priorities if kind == "priority" else []
        row = next((r for r in rows if r["key"] == key), None)
        if row is None:
            return
        self.rename_kind, self.rename_key, self.rename_name = kind, key, row["raw_name"]
        self.rename_errors, self.rename_error = {}, ""

    @rx.event
    def set_rename_open(self, value: bool):
        if not value:
            self.rename_kind = ""

    @rx.event
    def save_rename(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name, key, kind = form_text(form, "name"), self.rename_key, self.rename_kind
        self.rename_name = name

        def rename(session: Any) -> Any:
            if kind == "status":
                return desk.update_status(session, actor=actor, key=key, data=StatusUpdate(name=name))
            return desk.update_priority(session, actor=actor, key=key, data=PriorityUpdate(name=name))

        written = self._write(rename, form=RENAME_FORM, success=lambda r: t("Renamed to {name}.", name=r.name))
        if written.ok:
            self.rename_kind = ""
        return self._after(written, actor)

    # ---- custom fields ------------------------------------------------------------------------------------

    def _show_field(self, shown: bool, row: dict[str, Any] | None = None) -> None:
        self.field_open = shown
        self.field_errors, self.field_error = {}, ""
        self.editing_field = int(row["id"]) if row else 0
        self.field_label = row["label"] if row else ""
        self.field_type = row["type"] if row else CustomFieldType.text.value
        self.field_options = "\n".join(row["options"]) if row else ""
        self.field_required = bool(row["required"]) if row else False
        self.field_visible = bool(row["visible"]) if row else False

    @rx.event
    def open_add_field(self):
        self._show_field(True)

    @rx.event
    def open_edit_field(self, field_id: int):
        row = next((r for r in self.fields if r["id"] == int(field_id)), None)
        if row is not None:
            self._show_field(True, row)

    @rx.event
    def set_field_open(self, value: bool):
        self._show_field(bool(value))

    @rx.event
    def set_field_type(self, value: str):
        if value in {c.value for c in CustomFieldType} and not self.editing_field:
            self.field_type = value

    @rx.event
    def set_field_required(self, value: bool):
        self.field_required = bool(value)

    @rx.event
    def set_field_visible(self, value: bool):
        self.field_visible = bool(value)

    @rx.event
    def save_field(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        label, options = form_text(form, "label"), _options(form_text(form, "options"))
        self.field_label, self.field_options = label, "\n".join(options)
        field_type, required, visible = CustomFieldType(self.field_type), self.field_required, self.field_visible
        field_id = self.editing_field
        if field_id:
            written = self._write(
                lambda session: desk.update_custom_field(
                    session,
                    actor=actor,
                    field_id=field_id,
                    data=CustomFieldUpdate(
                        label=label,
                        required=required,
                        visible_to_customers=visible,
                        **({"options": options} if field_type == CustomFieldType.select else {}),
                    ),
                ),
                form=FIELD_FORM,
                success=lambda f: t("Custom field {label} saved.", label=f.label),
            )
        else:
            written = self._write(
                lambda session: desk.add_custom_field(
                    session,
                    actor=actor,
                    data=CustomFieldCreate(
                        label=label,
                        field_type=field_type,
                        options=options,
                        required=required,
                        visible_to_customers=visible,
                    ),
                ),
                form=FIELD_FORM,
                success=lambda f: t("Custom field {label} added.", label=f.label),
            )
        if written.ok:
            self._show_field(False)
        return self._after(written, actor)

    @rx.event
    def move_field(self, key: str, step: int):
        keys = _moved([row["key"] for row in self.fields], key, int(step))
        if keys is None:
            return None
        return self._change(lambda s, a: desk.reorder_custom_fields(s, actor=a, keys=keys), "")

    @rx.event
    def ask_retire_field(self, field_id: int):
        row = next((r for r in self.fields if r["id"] == int(field_id)), None)
        if row is None:
            return
        self._ask(
            kind="field",
            id=row["id"],
            title=self._t("Retire the custom field {label}?", label=row["label"]),
            text=self._t(
                "Tickets keep their values, but the field is no longer shown, asked for or accepted. You can bring "
                "it back later."
            ),
            confirm=self._t("Retire field"),
        )

    @rx.event
    def restore_field(self, field_id: int):
        field_id = int(field_id)
        return self._change(
            lambda s, a: desk.update_custom_field(
                s, actor=a, field_id=field_id, data=CustomFieldUpdate(is_active=True)
            ),
            t("The custom field is back."),
        )

    # ---- the confirmed retirements -----------------------------------------------------------------------

    @rx.event
    def confirm_retire(self):
        pending = self._take_pending()
        if not pending:
            return None
        kind = pending.get("kind")
        if kind == "status":
            key = str(pending["key"])
            return self._change(
                lambda s, a: desk.update_status(s, actor=a, key=key, data=StatusUpdate(is_active=False)),
                t("Status retired."),
            )
        if kind == "priority":
            key = str(pending["key"])
            return self._change(
                lambda s, a: desk.update_priority(s, actor=a, key=key, data=PriorityUpdate(is_active=False)),
                t("Priority retired."),
            )
        field_id = int(pending.get("id", 0))
        return self._change(
            lambda s, a: desk.update_custom_field(
                s, actor=a, field_id=field_id, data=CustomFieldUpdate(is_active=False)
            ),
            t("Custom field retired."),
        )

    # ---- tags -----------------------------------------------------------------------------------------------

    @rx.event
    def search_tags(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.tag_query = form_text(form, "q").strip()[:50]
        self._fetch(actor)
        return None

    @rx.event
    def pick_tag(self, tag: str, picked: bool):
        chosen = [t for t in self.picked_tags if t != tag]
        if picked and any(row["tag"] == tag for row in self.tag_rows):
            chosen.append(tag)
        self.picked_tags = chosen

    def _show_tags(self, sources: list[str]) -> None:
        self.tag_open = bool(sources)
        self.tag_sources = sources
        self.tag_into = sources[0] if len(sources) == 1 else ""
        self.tag_errors, self.tag_error = {}, ""

    @rx.event
    def open_rename_tag(self, tag: str):
        self._show_tags([tag])

    @rx.event
    def open_merge(self):
        if len(self.picked_tags) > 1:
            self._show_tags(list(self.picked_tags))

    @rx.event
    def set_tag_open(self, value: bool):
        if not value:
            self._show_tags([])

    @rx.event
    def save_tags(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        into, sources = form_text(form, "into"), list(self.tag_sources)
        self.tag_into = into

        def said(change: TagChange) -> str:
            if change.job is not None:
                return t("Changing {n} tickets in the background.", n=format_number(change.tickets))
            failed = len(change.result.failed) if change.result else 0
            if failed:
                return t(
                    "{n} tickets changed; {failed} could not be.",
                    n=format_number(change.tickets - failed),
                    failed=failed,
                )
            return ngettext("Tag renamed on {n} ticket.", "Tag renamed on {n} tickets.", change.tickets)

        written = self._write(
            lambda session: tags.rename_tags(session, actor=actor, data=TagRename(tags=sources, into=into)),
            form=TAG_FORM,
            success=said,
        )
        if written.ok:
            self._show_tags([])
            self.picked_tags = []
        return self._after(written, actor)
