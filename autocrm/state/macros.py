"""The macro library (`/agent/macros`): the macros an agent sees, their editor (placeholders, actions), each
macro's versions with a diff between any two, and, for team leads and admins only, the approval queue.

Everything here comes from `services.macros`; the queue and its diffs are loaded only for someone who may
review (`macros.can_review`), so other agents' tabs never hold them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import content, desk, macros, users
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.macros import MacroActions, MacroCreate, MacroPublic, MacroUpdate, VersionDiff
from autocrm.state import live
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import STAFF
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

INSERT_AT_CURSOR = (
    "(() => { const el = document.getElementById('macro-body'); if (!el) return; "
    "const start = el.selectionStart ?? el.value.length, end = el.selectionEnd ?? start; "
    "el.setRangeText(%s, start, end, 'end'); el.focus(); "
    # The menu hands focus back to its button as it closes: the cursor belongs in the text.
    "setTimeout(() => { if (document.activeElement?.closest('.placeholder-menu')) el.focus(); }, 250); })()"
)
KEEP = "keep"  # a select's "leave it as it is": the action is not set
# Which inputs a refusal about an action belongs next to.
_ACTION_FIELDS = {"actions.status": "status", "actions.priority": "priority", "actions.assignee_id": "assignee_id"}
_ACTION_KEYS = tuple(_ACTION_FIELDS)
EDITOR_FORM = Form(
    message="editor_error",
    errors="editor_errors",
    fields=(
        "name",
        "body",
        "scope",
        "actions",
        "status",
        "priority",
        "assignee_id",
        "team_id",
        *_ACTION_KEYS,
    ),
    labels={"name": N_("Name"), "body": N_("Text")},
)
REVIEW_FORM = Form(message="review_error", errors="review_errors", fields=("comment",))

# A version's state as the list shows it (msgids); a personal macro's versions are in use as saved.
STATE_LABELS = {
    "draft": N_("Draft"),
    "pending": N_("Pending approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "archived": N_("Archived"),
}
PERSONAL_STATE = N_("In use")
STATE_FILTERS = ("all", "draft", "pending", "approved", "rejected", "archived")
# What each placeholder is called in the editor's helper (msgids), in the service's order.
PLACEHOLDER_LABELS = {
    "customer.name": N_("Customer's name"),
    "customer.first_name": N_("Customer's first name"),
    "customer.email": N_("Customer's e-mail"),
    "ticket.number": N_("Ticket number"),
    "ticket.subject": N_("Ticket subject"),
    "ticket.status": N_("Ticket status"),
    "ticket.priority": N_("Ticket priority"),
    "agent.name": N_("Your name"),
    "agent.first_name": N_("Your first name"),
}


def _tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.replace(";", ",").split(",") if tag.strip()]


def action_lines(actions: Mapping[str, Any], names: Mapping[str, Mapping[str, str]]) -> list[str]:
    """A macro's actions as people read them ("Status: Solved", "Add tags: vip, refund"), in the reader's
    language; `names` are the desk's names by kind (status, priority, agent, team) and key."""

    def named(kind: str, key: Any) -> str:
        return names.get(kind, {}).get(str(key), str(key))

    lines = []
    if "status" in actions:
        lines.append(t("Status: {value}", value=t(named("status", actions["status"]))))
    if "priority" in actions:
        lines.append(t("Priority: {value}", value=t(named("priority", actions["priority"]))))
    if "assignee_id" in actions:
        who = actions["assignee_id"]
        value = {"me": t("whoever applies it"), "none": t("nobody")}.get(str(who)) or named("agent", who)
        lines.append(t("Assign to: {value}", value=value))
    if "team_id" in actions:
        team = actions["team_id"]
        lines.append(t("Team: {value}", value=t("no team") if team == "none" else named("team", team)))
    if actions.get("add_tags"):
        lines.append(t("Add tags: {tags}", tags=", ".join(actions["add_tags"])))
    if actions.get("remove_tags"):
        lines.append(t("Remove tags: {tags}", tags=", ".join(actions["remove_tags"])))
    return lines


def diff_rows(diff: VersionDiff, names: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    """A diff as the screen shows it, one row per line: the name and the actions first (old lines removed, new
    ones added), then the body line by line; "same" lines are context. Blank lines are left out."""
    rows: list[dict[str, str]] = []
    if "name" in diff.fields:
        before, after = diff.fields["name"]
        rows += [
            {"kind": "removed", "text": t("Name: {name}", name=before), "part": "name"},
            {"kind": "added", "text": t("Name: {name}", name=after), "part": "name"},
        ]
    if "actions" in diff.fields:
        before_lines = action_lines(diff.fields["actions"][0], names)
        after_lines = action_lines(diff.fields["actions"][1], names)
        rows += [
            {"kind": "removed", "text": line, "part": "actions"} for line in before_lines if line not in after_lines
        ]
        rows += [{"kind": "same", "text": line, "part": "actions"} for line in after_lines if line in before_lines]
        rows += [{"kind": "added", "text": line, "part": "actions"} for line in after_lines if line not in before_lines]
    rows += [{"kind": line.kind, "text": line.text, "part": "body"} for line in diff.body if line.text.strip()]
    return _with_sections(rows)


SECTIONS = {"actions": N_("Actions"), "body": N_("Text")}


def _with_sections(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The first line of the actions and of the text carries its section's name (a msgid) for a heading."""
    seen: set[str] = set()
    out = []
    for row in rows:
        part = row["part"]
        out.append({**row, "section": SECTIONS.get(part, "") if part not in seen else ""})
        seen.add(part)
    return out


def first_version_rows(body: str, actions: Mapping[str, Any], names: Mapping[str, Mapping[str, str]]) -> list[dict]:
    """A macro with nothing approved yet: every line of it is new."""
    rows = [{"kind": "added", "text": line, "part": "actions"} for line in action_lines(actions, names)]
    text = content.html_to_text(body)
    rows += [{"kind": "added", "text": line, "part": "body"} for line in text.splitlines() if line.strip()]
    return _with_sections(rows)


def last_change(macro: MacroPublic) -> tuple[str, Any]:
    """Who last changed the macro and when: the reviewer of its newest version once reviewed, else its author."""
    latest = macro.latest
    if latest.reviewed_at is not None and latest.reviewed_at >= latest.created_at:
        return (latest.reviewer.name if latest.reviewer else ""), latest.reviewed_at
    return (latest.author.name if latest.author else ""), latest.created_at


def macro_row(macro: MacroPublic) -> dict[str, Any]:
    who, when = last_change(macro)
    personal = macro.scope == "personal"
    state = "archived" if macro.archived else macro.latest.state
    return {
        "id": macro.id,
        "name": macro.latest.name,
        "scope": macro.scope,
        "state": state,
        "state_label": PERSONAL_STATE if personal and not macro.archived else STATE_LABELS.get(state, state),
        "changed_by": who,
        "changed_rel": relative_time(when),
        "changed_exact": exact_time(when),
        "version": macro.latest.number,
        "archived": macro.archived,
        # A shared macro whose newest text waits or is a draft may still have an approved one agents use.
        "live_version": macro.approved_version
        if not personal and macro.approved_version and macro.approved_version != macro.latest.number
        else 0,
    }


def version_row(version: macros.MacroVersionPublic, personal: bool) -> dict[str, Any]:
    return {
        "number": version.number,
        "label": str(version.number),
        "name": version.name,
        "state": version.state,
        "state_label": PERSONAL_STATE if personal else STATE_LABELS.get(version.state, version.state),
        "author": version.author.name if version.author else "",
        "rel": relative_time(version.created_at),
        "exact": exact_time(version.created_at),
        "reviewer": version.reviewer.name if version.reviewer else "",
        "comment": version.review_comment,
        "reviewed_rel": relative_time(version.reviewed_at),
    }


class MacrosState(StaffState):
    loaded: bool = False
    tab: str = "library"  # "library" or, for reviewers, "queue"
    rows: list[dict[str, Any]] = []
    state_filter: str = "all"
    q: str = ""
    can_review: bool = False
    # The desk's vocabulary for the action pickers, and custom fields for the placeholder helper.
    status_options: list[dict[str, str]] = []
    priority_options: list[dict[str, str]] = []
    agent_options: list[dict[str, str]] = []
    team_options: list[dict[str, str]] = []
    placeholders: list[dict[str, str]] = []
    # The open macro: 0 with `editing` is a new one.
    editing: bool = False
    macro_id: int = 0
    detail_tab: str = "edit"  # "edit" or "history"
    form_key: int = 0  # a new key remounts the form with the macro's values as its defaults
    ed_name: str = ""
    ed_body: str = ""
    ed_scope: str = "shared"
    ed_state: str = ""
    ed_version: int = 0
    ed_live_version: int = 0
    ed_comment: str = ""  # the reviewer's comment on a version sent back
    ed_reviewer: str = ""
    ed_status: str = KEEP
    ed_priority: str = KEEP
    ed_assignee: str = KEEP
    ed_team: str = KEEP
    ed_add_tags: str = ""
    ed_remove_tags: str = ""
    ed_archived: bool = False
    ed_can_archive: bool = False  # personal: its owner; shared: team leads and admins, as the service says
    editor_errors: dict[str, str] = {}
    editor_error: str = ""
    # The open macro's versions and the diff between two of them.
    versions: list[dict[str, Any]] = []
    diff_from: str = ""
    diff_to: str = ""
    diff: list[dict[str, str]] = []
    # The approval queue (reviewers only): pending shared macros, each with its diff against the approved text.
    queue: list[dict[str, Any]] = []
    review_comments: dict[str, str] = {}
    review_for: int = 0
    review_errors: dict[str, str] = {}
    review_error: str = ""
    _names: dict[str, dict[str, str]] = {}

    # ---- what the page shows ---------------------------------------------------------------------

    @rx.var
    def shown_rows(self) -> list[dict[str, Any]]:
        wanted = self.q.strip().lower()
        return [
            row
            for row in self.rows
            # Archived macros are listed under their own filter only: nobody applies them any more.
            if (row["archived"] if self.state_filter == "archived" else not row["archived"])
            and (self.state_filter in ("all", "archived") or row["state"] == self.state_filter)
            and (not wanted or wanted in str(row["name"]).lower())
        ]

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def queue_count(self) -> int:
        return len(self.queue)

    @rx.var
    def is_new(self) -> bool:
        return self.macro_id == 0

    @rx.var
    def can_submit(self) -> bool:
        return self.macro_id != 0 and self.ed_scope == "shared" and self.ed_state == "draft"

    @rx.var
    def has_diff(self) -> bool:
        return bool(self.diff)

    @rx.var
    def version_options(self) -> list[str]:
        return [str(v["number"]) for v in self.versions]

    # ---- loading ---------------------------------------------------------------------------------

    def _fetch(self, actor) -> None:
        with read_session() as session:
            self.can_review = macros.can_review(session, actor)
            listed = macros.list_macros(session, actor=actor, include_archived=True)
            self.rows = [macro_row(m) for m in listed]
            statuses, priorities = desk.statuses(session), desk.priorities(session)
            staff = users.list_staff(session, actor=actor)
            teams = users.list_teams(session, actor=actor)
            fields = desk.custom_field_definitions(session)
            queue = macros.list_macros(session, actor=actor, pending_only=True) if self.can_review else []
            self._names = {
                "status": {s.key: s.name for s in statuses},
                "priority": {p.key: p.name for p in priorities},
                "agent": {str(u.id): u.name for u in staff},
                "team": {str(team.id): team.name for team in teams},
            }
            self.status_options = [{"value": s.key, "label": s.name} for s in statuses]
            self.priority_options = [{"value": p.key, "label": p.name} for p in priorities]
            self.agent_options = [{"value": str(u.id), "label": u.name} for u in staff]
            self.team_options = [{"value": str(team.id), "label": team.name} for team in teams]
            self.placeholders = [
                {"token": "{{" + name + "}}", "label": PLACEHOLDER_LABELS.get(name, name)}
                for name in macros.PLACEHOLDERS
            ] + [
                {"token": "{{" + macros.CUSTOM_FIELD_PREFIX + key + "}}", "label": info.label or key}
                for key, info in fields.items()
            ]
            self.queue = [self._queue_entry(session, actor, m) for m in queue]
        if not self.can_review and self.tab == "queue":
            self.tab = "library"

    def _queue_entry(self, session, actor, macro: MacroPublic) -> dict[str, Any]:
        latest = macro.latest
        if macro.approved_version:
            diff = macros.version_diff(
                session,
                actor=actor,
                macro_id=macro.id,
                from_version=macro.approved_version,
                to_version=latest.number,
            )
            lines = diff_rows(diff, self._names)
        else:
            lines = first_version_rows(latest.body, latest.actions, self._names)
        return {
            "id": macro.id,
            "name": latest.name,
            "version": latest.number,
            "against": macro.approved_version or 0,
            "author": latest.author.name if latest.author else "",
            # A lead may not approve their own version (an admin may): the service says so, the card too.
            "own": latest.author is not None and latest.author.id == actor.user_id and not actor.is_admin,
            "rel": relative_time(latest.created_at),
            "exact": exact_time(latest.created_at),
            "lines": lines,
        }

    def _follow_language(self) -> None:
        """Registers the tab with the live feed for the language switch only (as the knowledge base does): the
        switch asks the watched page to read again, so times and the diffs' words follow. No ticket has id 0."""
        live.watch(self, user_id=0, staff=False, ticket_id=0)

    def _live_refresh(self, batch: live.Batch) -> None:  # noqa: ARG002 (never called: the watch wants nothing)
        self._refresh_for_language()

    def _refresh_for_language(self) -> None:
        user = self._current_user()
        if user is not None and user.role.value in STAFF:
            actor = Actor.for_user(user)
            self._fetch(actor)
            if self.editing and self.macro_id:
                self._load_versions(actor)

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.current_view = ""
        self.editing, self.macro_id, self.tab = False, 0, "library"
        self._fetch(actor)
        self._load_counts(actor)
        self._follow_language()
        self.loaded = True
        wanted = str(self.router.url.query_parameters.get("macro", ""))
        if wanted.isdigit() and int(wanted) > 0:  # a pasted link or a reload of an open macro
            return self._open(actor, int(wanted), "edit")
        return None

    # ---- the list ----------------------------------------------------------------------------------

    @rx.event
    def set_tab(self, value: str):
        self.tab = "queue" if value == "queue" and self.can_review else "library"
        self.editing = False

    @rx.event
    def set_state_filter(self, value: str):
        self.state_filter = value if value in STATE_FILTERS else "all"

    @rx.event
    def set_q(self, value: str):
        self.q = str(value)[:200]

    # ---- the editor --------------------------------------------------------------------------------

    def _clear_editor(self) -> None:
        self.editor_errors, self.editor_error = {}, ""
        self.versions, self.diff, self.diff_from, self.diff_to = [], [], "", ""
        self.form_key += 1

    @rx.event
    def new_macro(self):
        self._clear_editor()
        self.editing, self.macro_id, self.detail_tab = True, 0, "edit"
        self.ed_name, self.ed_body, self.ed_scope, self.ed_state = "", "", "shared", ""
        self.ed_version = self.ed_live_version = 0
        self.ed_comment = self.ed_reviewer = ""
        self.ed_status = self.ed_priority = self.ed_assignee = self.ed_team = KEEP
        self.ed_add_tags = self.ed_remove_tags = ""

    def _show_macro(self, macro: MacroPublic) -> None:
        latest = macro.latest
        actions = latest.actions
        self.macro_id, self.ed_scope, self.ed_state = macro.id, macro.scope, latest.state
        self.ed_name, self.ed_body = latest.name, content.html_to_editable_text(latest.body)
        self.ed_version, self.ed_live_version = latest.number, macro.approved_version or 0
        self.ed_comment = latest.review_comment if latest.state == "rejected" else ""
        self.ed_reviewer = latest.reviewer.name if latest.reviewer and latest.state == "rejected" else ""
        self.ed_status = str(actions.get("status", KEEP))
        self.ed_priority = str(actions.get("priority", KEEP))
        self.ed_assignee = str(actions.get("assignee_id", KEEP))
        self.ed_team = str(actions.get("team_id", KEEP))
        self.ed_add_tags = ", ".join(actions.get("add_tags", []))
        self.ed_remove_tags = ", ".join(actions.get("remove_tags", []))
        self.ed_archived = macro.archived
        self.ed_can_archive = macro.scope == "personal" or self.can_review

    def _load_versions(self, actor) -> None:
        with read_session() as session:
            listed = macros.list_versions(session, actor=actor, macro_id=self.macro_id)
        personal = self.ed_scope == "personal"
        self.versions = [version_row(v, personal) for v in listed]
        numbers = [v.number for v in listed]
        if len(numbers) >= 2 and not (self.diff_from and self.diff_to):
            self.diff_from, self.diff_to = str(numbers[1]), str(numbers[0])
        self._load_diff(actor)

    def _load_diff(self, actor) -> None:
        if not (self.diff_from.isdigit() and self.diff_to.isdigit()) or self.diff_from == self.diff_to:
            self.diff = []
            return
        with read_session() as session:
            diff = macros.version_diff(
                session,
                actor=actor,
                macro_id=self.macro_id,
                from_version=int(self.diff_from),
                to_version=int(self.diff_to),
            )
        self.diff = diff_rows(diff, self._names)

    @rx.event
    def open_macro(self, macro_id: int, detail_tab: str = "edit"):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        return self._open(actor, int(macro_id), detail_tab)

    def _open(self, actor, macro_id: int, detail_tab: str):
        self._clear_editor()
        try:
            with read_session() as session:
                macro = macros.get_macro(session, actor=actor, macro_id=macro_id)
        except DomainError as error:
            return [rx.toast.error(error.message), self._keep_url(0)]
        self._show_macro(macro)
        self.editing, self.tab = True, "library"
        self.detail_tab = "history" if detail_tab == "history" else "edit"
        self._load_versions(actor)
        return self._keep_url(macro.id)

    def _keep_url(self, macro_id: int):
        """The open macro in the address (`?macro=N`), so a reload or a pasted link opens it again."""
        url = f"{routes.AGENT_MACROS}?macro={macro_id}" if macro_id else routes.AGENT_MACROS
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(url)})")

    @rx.event
    def close_editor(self):
        self.editing = False
        self.editor_errors, self.editor_error = {}, ""
        return self._keep_url(0)

    @rx.event
    def toggle_archived(self):
        """Archive the open macro (nobody applies it any more; it stays listed under Archived) or bring it back."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        macro_id, archived = self.macro_id, not self.ed_archived
        written = self._write(
            lambda session: macros.update_macro(
                session, actor=actor, macro_id=macro_id, data=MacroUpdate(archived=archived)
            ),
            success=self._t("Archived: it is no longer offered on tickets.")
            if archived
            else self._t("Restored: it is offered on tickets again."),
        )
        if written.ok and written.value is not None:
            self._show_macro(written.value)
            self._fetch(actor)
        return written.events

    @rx.event
    def set_detail_tab(self, value: str | list[str]):
        value = value[0] if isinstance(value, list) and value else value
        self.detail_tab = "history" if value == "history" and self.macro_id else "edit"

    @rx.event
    def insert_placeholder(self, token: str):
        """Puts the placeholder where the cursor is in the text (or at its end), in the browser alone."""
        if token not in {p["token"] for p in self.placeholders}:
            return None
        if "body" in self.editor_errors:  # the text is being fixed: the old refusal no longer describes it
            self.editor_errors = {k: v for k, v in self.editor_errors.items() if k != "body"}
        return rx.call_script(INSERT_AT_CURSOR % json.dumps(token))

    @rx.event
    def set_ed_scope(self, value: str):
        if self.macro_id == 0 and value in ("personal", "shared"):
            self.ed_scope = value

    @rx.event
    def set_ed_status(self, value: str):
        self.ed_status = value

    @rx.event
    def set_ed_priority(self, value: str):
        self.ed_priority = value

    @rx.event
    def set_ed_assignee(self, value: str):
        self.ed_assignee = value

    @rx.event
    def set_ed_team(self, value: str):
        self.ed_team = value

    def _actions(self, form: dict[str, Any]) -> MacroActions:
        def chosen(value: str) -> str | None:
            return None if value in ("", KEEP) else value

        assignee, team = chosen(self.ed_assignee), chosen(self.ed_team)
        return MacroActions(
            status=chosen(self.ed_status),
            priority=chosen(self.ed_priority),
            assignee_id=int(assignee) if assignee and assignee.isdigit() else assignee,
            team_id=int(team) if team and team.isdigit() else team,
            add_tags=_tags(form_text(form, "add_tags")),
            remove_tags=_tags(form_text(form, "remove_tags")),
        )

    @rx.event
    def save(self, form: dict[str, Any]):
        """Saves the form as a new version (a new macro's first); a refusal keeps everything typed."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        name, text = form_text(form, "name"), form_text(form, "body")
        # What was typed stays, whatever the service says (the form is not reset; these follow it).
        self.ed_name, self.ed_body = name, text
        self.ed_add_tags, self.ed_remove_tags = form_text(form, "add_tags"), form_text(form, "remove_tags")
        body = content.text_to_html(text)
        macro_id, scope = self.macro_id, self.ed_scope

        def change(session) -> MacroPublic:
            actions = self._actions(form)
            if macro_id == 0:
                data = MacroCreate(name=name, body=body, scope=scope, actions=actions)
                return macros.create_macro(session, actor=actor, data=data)
            update = MacroUpdate(name=name, body=body, actions=actions)
            return macros.update_macro(session, actor=actor, macro_id=macro_id, data=update)

        before = self.ed_version
        written = self._write(change, form=EDITOR_FORM)
        self._route_action_errors()
        if not written.ok or written.value is None:
            return written.events
        saved = written.value
        self._show_macro(saved)
        self.diff_from = self.diff_to = ""
        self._fetch(actor)
        self._load_versions(actor)
        if saved.latest.number == before:
            return rx.toast.info(self._t("Nothing changed: no new version."))
        if saved.scope == "shared":
            return rx.toast.success(
                self._t(
                    "Saved as draft version {number}. Submit it for approval when it is ready.",
                    number=saved.latest.number,
                )
            )
        return rx.toast.success(self._t("Saved as version {number}.", number=saved.latest.number))

    def _route_action_errors(self) -> None:
        """A refusal about one action (an agent no longer active) goes next to its picker."""
        errors = dict(self.editor_errors)
        for key, target in _ACTION_FIELDS.items():
            if key in errors:
                errors[target] = errors.pop(key)
        if errors != self.editor_errors:
            self.editor_errors = errors

    @rx.event
    def submit_for_approval(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        macro_id = self.macro_id
        written = self._write(
            lambda session: macros.submit_macro(session, actor=actor, macro_id=macro_id),
            success=self._t("Submitted: a team lead or an admin will review it."),
        )
        if written.ok and written.value is not None:
            self._show_macro(written.value)
            self._fetch(actor)
            self._load_versions(actor)
        return written.events

    # ---- history -----------------------------------------------------------------------------------

    @rx.event
    def set_diff_from(self, value: str):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.diff_from = str(value)
        self._load_diff(actor)
        return None

    @rx.event
    def set_diff_to(self, value: str):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.diff_to = str(value)
        self._load_diff(actor)
        return None

    # ---- the approval queue ------------------------------------------------------------------------

    @rx.event
    def set_review_comment(self, macro_id: int, value: str):
        self.review_comments = {**self.review_comments, str(macro_id): str(value)[:1000]}

    @rx.event
    def review(self, macro_id: int, approve: bool):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        entry = next((e for e in self.queue if e["id"] == int(macro_id)), None)
        if entry is None:
            return None
        comment = self.review_comments.get(str(macro_id), "")
        version = int(entry["version"])
        self.review_for = int(macro_id)
        written = self._write(
            lambda session: macros.review_macro(
                session, actor=actor, macro_id=int(macro_id), approve=bool(approve), comment=comment, version=version
            ),
            form=REVIEW_FORM,
        )
        if not written.ok:
            if self.review_error and not self.review_errors:
                return rx.toast.error(self.review_error)
            return None
        self.review_comments = {k: v for k, v in self.review_comments.items() if k != str(macro_id)}
        self.review_for = 0
        self._fetch(actor)
        if approve:
            return rx.toast.success(
                self._t("Approved: agents now use version {number} of “{name}”.", number=version, name=entry["name"])
            )
        return rx.toast.success(self._t("Sent back to its author with your comment."))
