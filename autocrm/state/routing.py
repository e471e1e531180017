"""Admin: routing rules. The ordered rules, each read as a sentence in the reader's language; an editor whose
condition rows and action pickers become the service's `RuleCreate`/`RuleUpdate`; reordering (drag, or move
up/down); and the "test a ticket" trial, which writes nothing. Every change goes through `services.routing`.

The editor shows a rule's conditions as rows when they are one `all` or `any` group of tests (what it writes);
a rule written through the API with nested groups keeps its conditions as they are, and the editor changes only
its name, switches and actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from pydantic import ValidationError

from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, ngettext, t
from autocrm.models.enums import CHANNEL_LABELS
from autocrm.services import agents, desk, routing, rule_conditions, sla, teams, users
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import DomainError, ValidationFailed
from autocrm.services.routing import RuleActions, RuleCreate, RuleUpdate, TrialTicket
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import refusal_messages
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

NONE = "none"  # a select's "nothing chosen" (Radix selects take no empty value)
SUGGESTED = "suggested"  # the assignee select's "the suggested agent" (`RuleActions.assign_suggested`)

# The fields a condition row offers, in this order (custom fields and triage follow), with their names.
FIELD_LABELS: dict[str, str] = {
    "priority": N_("Priority"),
    "tags": N_("Tags"),
    "channel": N_("Channel"),
    "subject": N_("Subject"),
    "body": N_("Message"),
    "text": N_("Subject or message"),
    "requester_email": N_("Requester's e-mail"),
    "organization_id": N_("Requester's organization"),
    "language": N_("Requester's language"),
    "business_hours": N_("Business hours"),
    "triage.category": N_("Triage: category"),
    "triage.team_id": N_("Triage: team"),
    "triage.priority": N_("Triage: priority"),
}
OP_LABELS: dict[str, str] = {
    "is": N_("is"),
    "is_not": N_("is not"),
    "in": N_("is one of"),
    "at_least": N_("is at least"),
    "at_most": N_("is at most"),
    "has": N_("include"),
    "lacks": N_("do not include"),
    "any_of": N_("include any of"),
    "all_of": N_("include all of"),
    "none_of": N_("include none of"),
    "ends_with": N_("ends with"),
    "contains": N_("contains"),
    "not_contains": N_("does not contain"),
    "contains_any": N_("contains any of"),
    "gt": N_("is more than"),
    "lt": N_("is less than"),
    "is_set": N_("is set"),
    "is_not_set": N_("is not set"),
}
LIST_OPS = frozenset({"in", "any_of", "all_of", "none_of", "contains_any"})
NO_VALUE_OPS = frozenset({"is_set", "is_not_set"})
ID_FIELDS = frozenset({"organization_id", "triage.team_id"})
LANGUAGE_LABELS = {locale: name for locale, name in i18n.LOCALE_NAMES.items()}

EDITOR_FORM = Form(
    message="editor_error",
    errors="editor_errors",
    fields=(
        "name",
        "conditions",
        "actions",
        "team_id",
        "actions.assignee_id",
        "priority",
        "actions.required_skills",
        "actions.sla_policy_id",
    ),
    labels={"name": N_("Name")},
)


def ops_for(field_name: str) -> list[str]:
    """The ops the service takes for a field, in the order the editor lists them."""
    if field_name.startswith("triage."):
        allowed = rule_conditions.TRIAGE_OPS
    elif field_name.startswith("custom_fields."):
        allowed = rule_conditions.CUSTOM_FIELD_OPS
    else:
        allowed = rule_conditions.OPS.get(field_name, frozenset())
    return [op for op in OP_LABELS if op in allowed]


@dataclass(frozen=True)
class Names:
    """What ids and keys are called on this desk, for the sentences and the pickers."""

    teams: Mapping[int, str] = field(default_factory=dict)
    staff: Mapping[int, str] = field(default_factory=dict)
    priorities: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[int, str] = field(default_factory=dict)
    skills: Mapping[int, str] = field(default_factory=dict)
    organizations: Mapping[int, str] = field(default_factory=dict)
    custom_fields: Mapping[str, str] = field(default_factory=dict)  # key -> label


def field_label(name: str, names: Names) -> str:
    if name.startswith("custom_fields."):
        key = name.removeprefix("custom_fields.")
        return names.custom_fields.get(key, key)
    return t(FIELD_LABELS.get(name, name))


def _one_value(name: str, value: Any, names: Names) -> str:
    if name in ("priority", "triage.priority"):
        return t(names.priorities.get(str(value), str(value)))
    if name in ID_FIELDS:
        lookup = names.teams if name == "triage.team_id" else names.organizations
        try:
            return lookup.get(int(value), f"#{value}")
        except (TypeError, ValueError):
            return str(value)
    if name == "channel":
        return t(CHANNEL_LABELS.get(str(value), str(value)))
    if name == "language":
        return LANGUAGE_LABELS.get(str(value), str(value))
    return t("“{value}”", value=value)


def _test_sentence(test: rule_conditions.Test, names: Names) -> str:
    if test.field == "business_hours":
        return t("it arrives within business hours") if test.value else t("it arrives outside business hours")
    label, op = field_label(test.field, names), t(OP_LABELS.get(test.op, test.op))
    if test.op in NO_VALUE_OPS:
        return t("{field} {op}", field=label, op=op)
    values = test.value if isinstance(test.value, tuple) else (test.value,)
    text = t(
        "{field} {op} {value}", field=label, op=op, value=", ".join(_one_value(test.field, v, names) for v in values)
    )
    if test.min_confidence is not None:
        text += " " + t("(confidence at least {percent})", percent=i18n.format_percent(test.min_confidence))
    return text


def conditions_sentence(condition: rule_conditions.Condition, names: Names, *, nested: bool = False) -> str:
    """A parsed condition as people read it, in the current locale."""
    if isinstance(condition, rule_conditions.Test):
        return _test_sentence(condition, names)
    if condition.kind == "not":
        return t("not ({condition})", condition=conditions_sentence(condition.items[0], names))
    if len(condition.items) == 1:
        return conditions_sentence(condition.items[0], names, nested=nested)
    word = t("and") if condition.kind == "all" else t("or")
    joiner = f" {word} "
    text = joiner.join(conditions_sentence(item, names, nested=True) for item in condition.items)
    return f"({text})" if nested else text


def actions_sentence(actions: Mapping[str, Any], names: Names) -> str:
    """What a rule does, as one sentence in the current locale."""
    parts: list[str] = []
    if "team_id" in actions:
        parts.append(t("send to {team}", team=names.teams.get(actions["team_id"], f"#{actions['team_id']}")))
    if "assignee_id" in actions:
        parts.append(t("assign to {name}", name=names.staff.get(actions["assignee_id"], f"#{actions['assignee_id']}")))
    if actions.get("assign_suggested"):
        parts.append(t("assign the suggested agent"))
    if "priority" in actions:
        parts.append(t("set the priority to {priority}", priority=_one_value("priority", actions["priority"], names)))
    if actions.get("add_tags"):
        added = actions["add_tags"]
        parts.append(ngettext("add the tag {tags}", "add the tags {tags}", len(added), tags=", ".join(added)))
    if actions.get("remove_tags"):
        removed = actions["remove_tags"]
        parts.append(ngettext("remove the tag {tags}", "remove the tags {tags}", len(removed), tags=", ".join(removed)))
    if "sla_policy_id" in actions:
        policy = names.policies.get(actions["sla_policy_id"], f"#{actions['sla_policy_id']}")
        parts.append(t("apply the SLA policy {policy}", policy=policy))
    if actions.get("required_skills"):
        skills = ", ".join(
            t(
                "{skill} (level {level})",
                skill=names.skills.get(need["skill_id"], f"#{need['skill_id']}"),
                level=need.get("level", 1),
            )
            for need in actions["required_skills"]
        )
        parts.append(t("require the skills {skills}", skills=skills))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def action_lines(actions: Mapping[str, Any], names: Names) -> list[dict[str, str]]:
    """What a rule would do, one labelled line per action, for the trial's answer."""
    lines: list[dict[str, str]] = []

    def line(label: str, value: str) -> None:
        lines.append({"label": t(label), "value": value})

    if "team_id" in actions:
        line(N_("Team"), names.teams.get(actions["team_id"], f"#{actions['team_id']}"))
    if "assignee_id" in actions:
        line(N_("Assignee"), names.staff.get(actions["assignee_id"], f"#{actions['assignee_id']}"))
    if actions.get("assign_suggested"):
        line(N_("Assignee"), t("The suggested agent"))
    if "priority" in actions:
        line(N_("Priority"), _one_value("priority", actions["priority"], names))
    if actions.get("add_tags"):
        line(N_("Tags added"), ", ".join(actions["add_tags"]))
    if actions.get("remove_tags"):
        line(N_("Tags removed"), ", ".join(actions["remove_tags"]))
    if "sla_policy_id" in actions:
        line(N_("SLA policy"), names.policies.get(actions["sla_policy_id"], f"#{actions['sla_policy_id']}"))
    if actions.get("required_skills"):
        line(
            N_("Skills needed"),
            ", ".join(
                t(
                    "{skill} (level {level})",
                    skill=names.skills.get(n["skill_id"], f"#{n['skill_id']}"),
                    level=n.get("level", 1),
                )
                for n in actions["required_skills"]
            ),
        )
    return lines


def triage_text(suggested: routing.TrialTriage, names: Names) -> str:
    """What triage suggested for the trial ticket (asked only because a rule tests it)."""
    parts = []
    if suggested.category is not None:
        parts.append(
            t(
                "category {value} ({percent})",
                value=suggested.category,
                percent=i18n.format_percent(suggested.category_confidence),
            )
        )
    if suggested.team_id is not None:
        parts.append(
            t(
                "team {value} ({percent})",
                value=names.teams.get(suggested.team_id, f"#{suggested.team_id}"),
                percent=i18n.format_percent(suggested.team_confidence),
            )
        )
    if suggested.priority is not None:
        parts.append(
            t(
                "priority {value} ({percent})",
                value=_one_value("priority", suggested.priority, names),
                percent=i18n.format_percent(suggested.priority_confidence),
            )
        )
    return (
        t("Triage suggests: {suggestions}", suggestions=", ".join(parts))
        if parts
        else t("Triage suggests nothing for this ticket.")
    )


def rule_sentences(conditions: Mapping[str, Any], actions: Mapping[str, Any], names: Names) -> tuple[str, str]:
    """(when, then) for a stored rule."""
    when = conditions_sentence(rule_conditions.parse(conditions), names)
    return when[:1].upper() + when[1:], actions_sentence(actions, names)


# ---- the editor's rows ⇄ the service's JSON ------------------------------------------------------------------


def blank_row(field_name: str = "text") -> dict[str, str]:
    return {"field": field_name, "op": ops_for(field_name)[0], "value": "", "confidence": ""}


def rows_of(conditions: Mapping[str, Any]) -> tuple[str, list[dict[str, str]]] | None:
    """(match, rows) when the conditions are one test or one all/any group of tests; None when nested."""
    if "field" in conditions:
        match, tests = "all", [conditions]
    elif set(conditions) in ({"all"}, {"any"}):
        match = next(iter(conditions))
        tests = conditions[match]
    else:
        return None
    rows = []
    for test in tests:
        if not isinstance(test, Mapping) or "field" not in test:
            return None
        value = test.get("value")
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)
        if isinstance(value, bool):
            text = "true" if value else "false"
        confidence = test.get("min_confidence")
        rows.append(
            {
                "field": str(test["field"]),
                "op": str(test.get("op", "")),
                "value": text,
                "confidence": "" if confidence is None else f"{confidence:g}",
            }
        )
    return match, rows


def _typed(field_name: str, text: str) -> Any:
    if field_name in ID_FIELDS and text.isdigit():
        return int(text)
    if field_name == "business_hours" and text in ("true", "false"):
        return text == "true"
    return text


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text  # the service says what it takes


def conditions_of(match: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The editor's rows as the service's conditions: one group, `all` or `any`, of tests."""
    tests: list[dict[str, Any]] = []
    for row in rows:
        name, op, text = row.get("field", ""), row.get("op", ""), row.get("value", "").strip()
        test: dict[str, Any] = {"field": name, "op": op}
        if op in LIST_OPS:
            test["value"] = [_typed(name, part.strip()) for part in text.split(",") if part.strip()]
        elif op not in NO_VALUE_OPS:
            test["value"] = _typed(name, text) if text else None
        if name.startswith("triage.") and row.get("confidence", "").strip():
            test["min_confidence"] = _number(row["confidence"].strip())
        tests.append(test)
    return {"any" if match == "any" else "all": tests}


def row_of_path(path: str) -> int | None:
    """The row a parse error names ("conditions.all[2]…" -> 2)."""
    for kind in ("all", "any"):
        prefix = f"conditions.{kind}["
        if path.startswith(prefix):
            number = path[len(prefix) :].split("]", 1)[0]
            return int(number) if number.isdigit() else None
    return None


def _words(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _id_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def rule_input(
    *,
    name: str,
    enabled: bool,
    match: str,
    rows: list[dict[str, str]] | None,
    raw_conditions: dict[str, Any],
    team: str,
    assignee: str,
    priority: str,
    policy: str,
    add_tags: str,
    remove_tags: str,
    skills: list[dict[str, str]],
    on_updates: bool,
    continue_after: bool,
) -> RuleCreate:
    """The editor's form as the service's input (its own validation runs in the service)."""
    needs = [
        SkillNeed(skill_id=int(s["skill_id"]), level=int(s.get("level") or 1))
        for s in skills
        if str(s.get("skill_id", "")).isdigit()
    ]
    return RuleCreate(
        name=name,
        enabled=enabled,
        conditions=conditions_of(match, rows) if rows is not None else raw_conditions,
        actions=RuleActions(
            team_id=_id_or_none(team),
            assignee_id=_id_or_none(assignee),
            assign_suggested=assignee == SUGGESTED,
            priority=None if priority in ("", NONE) else priority,
            sla_policy_id=_id_or_none(policy),
            add_tags=_words(add_tags),
            remove_tags=_words(remove_tags),
            required_skills=needs or None,
        ),
        triggers=["ticket.created", "ticket.updated"] if on_updates else ["ticket.created"],
        continue_after=continue_after,
    )


def _options(pairs: Mapping[Any, str]) -> list[dict[str, str]]:
    return [{"value": str(key), "label": label} for key, label in pairs.items()]


class AdminRoutingState(ConfirmMixin, StaffState):
    # The rules as the service gives them (admins may see all of it), in order.
    rules: list[dict[str, Any]] = []
    loaded: bool = False
    dragging_id: int = 0  # the rule being dragged, 0 when none
    drag_over_id: int = 0  # the rule it is over
    # The desk's vocabulary for the pickers: value/label pairs.
    team_options: list[dict[str, str]] = []
    agent_options: list[dict[str, str]] = []
    priority_options: list[dict[str, str]] = []
    policy_options: list[dict[str, str]] = []
    skill_options: list[dict[str, str]] = []
    organization_options: list[dict[str, str]] = []
    custom_fields: list[dict[str, Any]] = []  # key, label, type, options

    # The editor.
    editor_open: bool = False
    editing_id: int = 0  # 0: a new rule
    ed_name: str = ""
    ed_enabled: bool = True
    ed_match: str = "all"
    ed_rows: list[dict[str, str]] = []
    ed_rows_editable: bool = True
    ed_fixed_conditions: str = ""  # a nested rule's conditions as a sentence (kept as they are)
    _ed_raw_conditions: dict[str, Any] = {}
    ed_team: str = NONE
    ed_assignee: str = NONE
    ed_priority: str = NONE
    ed_policy: str = NONE
    ed_add_tags: str = ""
    ed_remove_tags: str = ""
    ed_skills: list[dict[str, str]] = []
    ed_on_updates: bool = False
    ed_continue: bool = False
    editor_error: str = ""
    editor_errors: dict[str, str] = {}
    row_errors: dict[str, str] = {}  # row index -> the service's message

    # The trial.
    tr_subject: str = ""
    tr_body: str = ""
    tr_priority: str = NONE
    tr_tags: str = ""
    tr_channel: str = "web"
    tr_email: str = ""
    tr_organization: str = NONE
    tr_custom: dict[str, str] = {}
    trial: dict[str, Any] = {}
    trial_error: str = ""

    # ---- what the page shows ----------------------------------------------------------------------------

    def _names(self) -> Names:
        def ids(options: list[dict[str, str]]) -> dict[int, str]:
            return {int(o["value"]): o["label"] for o in options if o["value"].isdigit()}

        return Names(
            teams=ids(self.team_options),
            staff=ids(self.agent_options),
            priorities={o["value"]: o["label"] for o in self.priority_options},
            policies=ids(self.policy_options),
            skills=ids(self.skill_options),
            organizations=ids(self.organization_options),
            custom_fields={f["key"]: f["label"] for f in self.custom_fields},
        )

    @rx.var
    def assignee_options(self) -> list[dict[str, str]]:
        """The agents a rule may assign, after "The suggested agent" (`RuleActions.assign_suggested`)."""
        with i18n.using_locale(self.locale or "en"):
            return [{"value": SUGGESTED, "label": t("The suggested agent")}, *self.agent_options]

    @rx.var
    def rows(self) -> list[dict[str, Any]]:
        names, last = self._names(), len(self.rules) - 1
        out = []
        with i18n.using_locale(self.locale or "en"):
            for index, rule in enumerate(self.rules):
                when, then = rule_sentences(rule["conditions"], rule["actions"], names)
                out.append(
                    {
                        "id": rule["id"],
                        "name": rule["name"],
                        "enabled": rule["enabled"],
                        "when": when,
                        "then": then,
                        "number": str(index + 1),
                        "first": index == 0,
                        "last": index == last,
                        "on_updates": "ticket.updated" in rule["triggers"],
                        "continue_after": rule["continue_after"],
                    }
                )
        return out

    @rx.var
    def has_rules(self) -> bool:
        return bool(self.rules)

    @rx.var
    def field_options(self) -> list[dict[str, str]]:
        with i18n.using_locale(self.locale or "en"):
            plain = [{"value": key, "label": t(label)} for key, label in FIELD_LABELS.items()]
            custom = [{"value": f"custom_fields.{f['key']}", "label": f["label"]} for f in self.custom_fields]
        triage_at = next(i for i, o in enumerate(plain) if o["value"].startswith("triage."))
        return plain[:triage_at] + custom + plain[triage_at:]

    def _choices(self, field_name: str) -> list[dict[str, str]]:
        if field_name in ("priority", "triage.priority"):
            return self.priority_options
        if field_name == "triage.team_id":
            return self.team_options
        if field_name == "organization_id":
            return self.organization_options
        if field_name == "channel":
            return [{"value": key, "label": self._t(label)} for key, label in CHANNEL_LABELS.items()]
        if field_name == "language":
            return _options(LANGUAGE_LABELS)
        if field_name == "business_hours":
            return [{"value": "true", "label": self._t("Within")}, {"value": "false", "label": self._t("Outside")}]
        if field_name.startswith("custom_fields."):
            key = field_name.removeprefix("custom_fields.")
            spec = next((f for f in self.custom_fields if f["key"] == key), None)
            if spec is not None and spec["type"] == "select":
                return [{"value": o, "label": o} for o in spec["options"]]
            if spec is not None and spec["type"] == "checkbox":
                return [{"value": "true", "label": self._t("Yes")}, {"value": "false", "label": self._t("No")}]
        return []

    @rx.var
    def editor_rows(self) -> list[dict[str, Any]]:
        """Each condition row with the ops its field takes and how its value is picked."""
        out = []
        for index, row in enumerate(self.ed_rows):
            choices = self._choices(row["field"])
            op = row["op"]
            chosen = set(_words(row["value"]))
            if op in NO_VALUE_OPS:
                kind = "none"
            elif choices and op in LIST_OPS:
                kind = "multi"
            elif choices:
                kind = "select"
            else:
                kind = "list" if op in LIST_OPS else "text"
            out.append(
                {
                    "index": index,
                    "field": row["field"],
                    "op": op,
                    "value": row["value"],
                    "select_value": row["value"] if row["value"] else NONE,
                    "confidence": row["confidence"],
                    "kind": kind,
                    "triage": row["field"].startswith("triage."),
                    "ops": [{"value": o, "label": self._t(OP_LABELS[o])} for o in ops_for(row["field"])],
                    "choices": [{**c, "on": c["value"] in chosen} for c in choices],
                    "error": self.row_errors.get(str(index), ""),
                }
            )
        return out

    @rx.var
    def has_trial(self) -> bool:
        return bool(self.trial)

    @rx.var
    def has_skills(self) -> bool:
        return bool(self.skill_options)

    @rx.var
    def has_organizations(self) -> bool:
        return bool(self.organization_options)

    @rx.var
    def has_custom_fields(self) -> bool:
        return bool(self.custom_fields)

    @rx.var
    def trial_custom_rows(self) -> list[dict[str, Any]]:
        return [
            {
                **spec,
                "value": self.tr_custom.get(spec["key"], ""),
                "select_value": self.tr_custom.get(spec["key"]) or NONE,
                "choices": self._choices(f"custom_fields.{spec['key']}"),
            }
            for spec in self.custom_fields
        ]

    # ---- loading -----------------------------------------------------------------------------------------

    def _fetch(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            rules = routing.list_rules(session, actor=actor)
            self.team_options = [
                {"value": str(team.id), "label": team.name} for team in teams.list_teams(session, actor=actor)
            ]
            self.agent_options = [{"value": str(p.id), "label": p.name} for p in users.list_staff(session, actor=actor)]
            self.priority_options = [{"value": p.key, "label": p.name} for p in desk.priorities(session)]
            self.policy_options = [
                {"value": str(p.id), "label": p.name} for p in sla.list_policies(session, actor=actor)
            ]
            self.skill_options = [
                {"value": str(s.id), "label": s.name} for s in agents.list_skills(session, actor=actor)
            ]
            self.organization_options = [
                {"value": str(o.id), "label": o.name} for o in users.list_organizations(session, actor=actor)
            ]
            self.custom_fields = [
                {"key": f.key, "label": f.label, "type": f.field_type.value, "options": list(f.options)}
                for f in sorted(desk.custom_field_definitions(session).values(), key=lambda f: f.position)
            ]
        self.rules = [rule.model_dump(mode="json") for rule in rules]

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self.editor_open = False
        self.pending = {}
        self._fetch()
        self._load_counts(actor)
        self.loaded = True
        return None

    def _rule_row(self, rule_id: int) -> dict[str, Any] | None:
        return next((r for r in self.rules if r["id"] == int(rule_id)), None)

    # ---- the list: switch, delete, order ------------------------------------------------------------------

    @rx.event
    def set_enabled(self, rule_id: int, on: bool):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        written = self._write(
            lambda session: routing.update_rule(
                session, actor=actor, rule_id=int(rule_id), data=RuleUpdate(enabled=bool(on))
            ),
            success=self._t("Rule turned on.") if on else self._t("Rule turned off."),
        )
        self._fetch()
        return written.events

    @rx.event
    def ask_delete(self, rule_id: int):
        rule = self._rule_row(rule_id)
        if rule is not None:
            self._ask(id=rule["id"], title=self._t("Delete the rule “{name}”?", name=rule["name"]))

    @rx.event
    def confirm_delete(self):
        return self._write_confirmed(
            ADMIN,
            lambda session, actor, rule_id: routing.delete_rule(session, actor=actor, rule_id=rule_id),
            success=self._t("Rule deleted."),
            then=lambda _actor: self._fetch(),
        )

    def _save_order(self, ids: list[int]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        if ids == [r["id"] for r in self.rules]:
            return None
        written = self._write(
            lambda session: routing.reorder_rules(session, actor=actor, ids=ids),
            success=self._t("Order saved: rules are tried from the top."),
        )
        self._fetch()
        return written.events

    @rx.event
    def move(self, rule_id: int, delta: int):
        ids = [r["id"] for r in self.rules]
        if int(rule_id) not in ids:
            return None
        at = ids.index(int(rule_id))
        to = at + int(delta)
        if not 0 <= to < len(ids):
            return None
        ids[at], ids[to] = ids[to], ids[at]
        return self._save_order(ids)

    @rx.event
    def start_drag(self, rule_id: int):
        self.dragging_id, self.drag_over_id = int(rule_id), 0

    @rx.event
    def drag_enter(self, rule_id: int):
        if self.dragging_id:
            self.drag_over_id = int(rule_id)

    @rx.event
    def end_drag(self):
        self.dragging_id = self.drag_over_id = 0

    @rx.event
    def drop_on(self, target_id: int):
        moved, self.dragging_id, self.drag_over_id = self.dragging_id, 0, 0
        return self.drop(moved, target_id) if moved else None

    def drop(self, moved_id: int, target_id: int):
        """A rule dragged onto another takes its place (the others shift)."""
        ids = [r["id"] for r in self.rules]
        if not {int(moved_id), int(target_id)} <= set(ids) or int(moved_id) == int(target_id):
            return None
        to = ids.index(int(target_id))
        ids.remove(int(moved_id))
        ids.insert(to, int(moved_id))
        return self._save_order(ids)

    # ---- the editor ----------------------------------------------------------------------------------------

    def _reset_editor(self) -> None:
        self.editing_id = 0
        self.ed_name, self.ed_enabled, self.ed_match = "", True, "all"
        self.ed_rows, self.ed_rows_editable, self.ed_fixed_conditions = [blank_row()], True, ""
        self._ed_raw_conditions = {}
        self.ed_team = self.ed_assignee = self.ed_priority = self.ed_policy = NONE
        self.ed_add_tags = self.ed_remove_tags = ""
        self.ed_skills = []
        self.ed_on_updates = self.ed_continue = False
        self.editor_error, self.editor_errors, self.row_errors = "", {}, {}

    @rx.event
    def open_new(self):
        self._reset_editor()
        self.editor_open = True

    @rx.event
    def open_edit(self, rule_id: int):
        rule = self._rule_row(rule_id)
        if rule is None:
            return
        self._reset_editor()
        self.editing_id = rule["id"]
        self.ed_name, self.ed_enabled = rule["name"], rule["enabled"]
        flat = rows_of(rule["conditions"])
        if flat is None:
            self.ed_rows, self.ed_rows_editable = [], False
            self._ed_raw_conditions = dict(rule["conditions"])
            with i18n.using_locale(self.locale or "en"):
                self.ed_fixed_conditions = conditions_sentence(rule_conditions.parse(rule["conditions"]), self._names())
        else:
            self.ed_match, self.ed_rows = flat
        actions = rule["actions"]
        self.ed_team = str(actions.get("team_id", NONE))
        self.ed_assignee = SUGGESTED if actions.get("assign_suggested") else str(actions.get("assignee_id", NONE))
        self.ed_priority = str(actions.get("priority", NONE))
        self.ed_policy = str(actions.get("sla_policy_id", NONE))
        self.ed_add_tags = ", ".join(actions.get("add_tags", []))
        self.ed_remove_tags = ", ".join(actions.get("remove_tags", []))
        self.ed_skills = [
            {"skill_id": str(need["skill_id"]), "level": str(need.get("level", 1))}
            for need in actions.get("required_skills") or []
        ]
        self.ed_on_updates = "ticket.updated" in rule["triggers"]
        self.ed_continue = bool(rule["continue_after"])
        self.editor_open = True

    @rx.event
    def set_editor_open(self, value: bool):
        self.editor_open = bool(value)

    @rx.event
    def set_ed_name(self, value: str):
        self.ed_name = value

    @rx.event
    def set_ed_enabled(self, value: bool):
        self.ed_enabled = bool(value)

    @rx.event
    def set_ed_match(self, value: str):
        self.ed_match = "any" if value == "any" else "all"

    @rx.event
    def set_ed_pick(self, which: str, value: str):
        if which in ("team", "assignee", "priority", "policy"):
            setattr(self, f"ed_{which}", str(value) or NONE)

    @rx.event
    def set_ed_text(self, which: str, value: str):
        if which in ("add_tags", "remove_tags"):
            setattr(self, f"ed_{which}", str(value))

    @rx.event
    def set_ed_flag(self, which: str, value: bool):
        if which in ("on_updates", "continue"):
            setattr(self, f"ed_{which}", bool(value))

    @rx.event
    def add_row(self):
        if len(self.ed_rows) < rule_conditions.MAX_TESTS:
            self.ed_rows = [*self.ed_rows, blank_row()]

    @rx.event
    def remove_row(self, index: int):
        self.ed_rows = [row for i, row in enumerate(self.ed_rows) if i != int(index)]
        self.row_errors = {}

    @rx.event
    def set_row(self, index: int, key: str, value: str):
        self._set_row(int(index), key, value)

    def _set_row(self, index: int, key: str, value: str) -> None:
        if not 0 <= index < len(self.ed_rows) or key not in ("field", "op", "value", "confidence"):
            return
        row = dict(self.ed_rows[index])
        value = "" if value == NONE else str(value)
        if key == "field":
            if value not in {o["value"] for o in self.field_options}:
                return
            row = blank_row(value)
            if value.startswith("triage."):
                row["confidence"] = f"{rule_conditions.DEFAULT_MIN_CONFIDENCE:g}"
        elif key == "op":
            if value not in ops_for(row["field"]):
                return
            was_list = row["op"] in LIST_OPS
            row["op"] = value
            if was_list != (value in LIST_OPS) and value not in LIST_OPS:
                row["value"] = _words(row["value"])[0] if _words(row["value"]) else ""
        else:
            row[key] = value
        self.ed_rows = [row if i == index else r for i, r in enumerate(self.ed_rows)]
        self.row_errors = {k: v for k, v in self.row_errors.items() if k != str(index)}

    @rx.event
    def toggle_choice(self, index: int, value: str):
        """A multi-choice row (priority is one of …): the choice goes in or out."""
        index = int(index)
        if not 0 <= index < len(self.ed_rows):
            return
        chosen = _words(self.ed_rows[index]["value"])
        chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, str(value)]
        self._set_row(index, "value", ", ".join(chosen))

    @rx.event
    def add_skill(self):
        if len(self.ed_skills) < 20 and self.skill_options:
            self.ed_skills = [*self.ed_skills, {"skill_id": self.skill_options[0]["value"], "level": "1"}]

    @rx.event
    def remove_skill(self, index: int):
        self.ed_skills = [s for i, s in enumerate(self.ed_skills) if i != int(index)]

    @rx.event
    def set_skill(self, index: int, key: str, value: str):
        if key in ("skill_id", "level"):
            self.ed_skills = [{**s, key: str(value)} if i == int(index) else s for i, s in enumerate(self.ed_skills)]

    def _input(self) -> RuleCreate:
        return rule_input(
            name=self.ed_name,
            enabled=self.ed_enabled,
            match=self.ed_match,
            rows=self.ed_rows if self.ed_rows_editable else None,
            raw_conditions=self._ed_raw_conditions,
            team=self.ed_team,
            assignee=self.ed_assignee,
            priority=self.ed_priority,
            policy=self.ed_policy,
            add_tags=self.ed_add_tags,
            remove_tags=self.ed_remove_tags,
            skills=self.ed_skills,
            on_updates=self.ed_on_updates,
            continue_after=self.ed_continue,
        )

    @rx.event
    def save(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.row_errors = {}
        if self.ed_rows_editable:
            # The service's own parser, first, so its message goes next to the row it names.
            try:
                rule_conditions.parse(conditions_of(self.ed_match, self.ed_rows))
            except ValidationFailed as error:
                path, message = next(iter(error.details.items()), ("", error.message))
                row = row_of_path(path)
                if row is not None:
                    self.row_errors = {str(row): message}
                    self.editor_errors, self.editor_error = {}, self._t("Fix the condition marked below.")
                else:
                    self.editor_errors, self.editor_error = {"conditions": error.message}, ""
                return None
        editing = self.editing_id

        def change(session):
            data = self._input()
            if editing:
                update = RuleUpdate(**data.model_dump(exclude_unset=False))
                return routing.update_rule(session, actor=actor, rule_id=editing, data=update)
            return routing.create_rule(session, actor=actor, data=data)

        written = self._write(
            change,
            form=EDITOR_FORM,
            success=self._t("Rule saved.") if editing else self._t("Rule created: it acts on new tickets now."),
        )
        if written.ok:
            self.editor_open = False
            self._fetch()
        return written.events

    # ---- the trial ----------------------------------------------------------------------------------------

    @rx.event
    def set_trial(self, which: str, value: str):
        if which in ("subject", "body", "priority", "tags", "channel", "email", "organization"):
            setattr(self, f"tr_{which}", str(value))

    @rx.event
    def set_trial_custom(self, key: str, value: str):
        self.tr_custom = {**self.tr_custom, str(key): "" if value == NONE else str(value)}

    def _trial_custom_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in self.custom_fields:
            text = self.tr_custom.get(spec["key"], "").strip()
            if not text:
                continue
            if spec["type"] == "number":
                values[spec["key"]] = _number(text)
            elif spec["type"] == "checkbox":
                values[spec["key"]] = text == "true"
            else:
                values[spec["key"]] = text
        return values

    @rx.event
    def run_trial(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.trial, self.trial_error = {}, ""
        try:
            data = TrialTicket(
                subject=self.tr_subject,
                body=self.tr_body,
                priority=None if self.tr_priority in ("", NONE) else self.tr_priority,
                tags=_words(self.tr_tags),
                channel=self.tr_channel or "web",
                requester_email=self.tr_email.strip() or None,
                organization_id=_id_or_none(self.tr_organization),
                custom_fields=self._trial_custom_values(),
            )
            with read_session() as session:
                result = routing.try_ticket(session, actor=actor, data=data)
        except DomainError as error:
            self.trial_error = error.message
            return None
        except ValidationError as error:
            self.trial_error = refusal_messages(error, labels={"subject": N_("Subject")})[1]
            return None
        names = {r["id"]: r["name"] for r in self.rules}
        with i18n.using_locale(self.locale or "en"):
            self.trial = {
                "matched": result.rule_id is not None,
                "rule": result.rule_name or "",
                "also": ", ".join(names.get(i, f"#{i}") for i in result.matched[1:]),
                "lines": action_lines(result.actions, self._names()),
                "triage": triage_text(result.triage, self._names()) if result.triage else "",
            }
        return None
