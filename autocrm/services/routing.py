"""Routing rules: ordered, each enabled or not, with conditions and actions kept as data.

Admins write them (keys need `routing:manage`); `run_rules` is an in-transaction listener on `ticket.created`
(and `ticket.updated` for rules that ask for it), so a new ticket is routed before anyone sees it. Rules are
tried in order; the first whose conditions match the ticket acts (a rule with `continue_after` lets later ones
act too, on the ticket as it changed). A rule acts through `tickets.update_ticket` as the system actor
`rule:<id>:<name>` with `via="rule"`, so its changes are validated, audited and emitted like anyone's, and the
timeline names the rule. The loop guard keeps the rule listener from hearing its own changes. A rule whose
action no longer fits the desk (a deleted team) changes nothing, leaves a `rule.failed` audit entry and never
refuses the ticket.

Besides the ticket's own fields, a rule may say what the ticket needs (`required_skills`, which load balancing
matches against agents' skills, and `sla_policy_id`, the SLA policy that applies whatever the policies'
conditions say); those go through `balancing.set_requirements`, before the team is set, so the team's load
balancing (the next in-transaction listener) already knows them.

`assign_suggested` assigns the agent `ai/best_agent` suggests (the best who can take it now, among the team the
rule just set), as the rule, in the same nested transaction; with no suggestion it assigns nobody.

Conditions may test what triage suggests (`triage.category`, `triage.team_id`, `triage.priority` with a
`min_confidence`): the facts carry a memoized callable, so triage (one embedding and a look at the resolved
tickets, `services/ai/triage`) runs once per ticket and only when a rule's test reads it; a desk without such
rules pays nothing. Admins switching triage off make those tests false.

`try_ticket` answers "which rule would match this ticket, and what would it do" without writing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import Message, RoutingRule, Skill, SlaPolicy, Team, Ticket, User
from autocrm.models.base import utcnow
from autocrm.services import audit, balancing, desk, events, rule_conditions, tickets
from autocrm.services.actor import ROUTING_MANAGE, Actor
from autocrm.services.ai import best_agent, triage
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import DomainError, NotFound, field_error
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.rule_conditions import Facts, Suggested
from autocrm.services.tickets import PersonRef, TeamRef

log = logging.getLogger(__name__)

LISTENER = "routing.rules"
Trigger = Literal["ticket.created", "ticket.updated"]
MAX_RULES = 500


class RuleActions(ServiceInput):
    team_id: DbId | None = None
    assignee_id: DbId | None = None
    priority: str | None = Field(default=None, max_length=40)
    add_tags: list[str] = Field(default_factory=list, max_length=20)
    remove_tags: list[str] = Field(default_factory=list, max_length=20)
    # The skills the ticket's assignee must have (load balancing gives it only to agents who have them).
    required_skills: list[SkillNeed] | None = Field(default=None, max_length=20)
    # The SLA policy that applies to the ticket whatever the policies' conditions say.
    sla_policy_id: DbId | None = None
    # Assign the agent `best_agent` suggests (the best who can take it now, after the team is set); nobody
    # when there is no suggestion.
    assign_suggested: bool = False


class RuleCreate(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    conditions: dict[str, Any]
    actions: RuleActions
    triggers: list[Trigger] = Field(
        default_factory=lambda: list[Trigger](["ticket.created"]), min_length=1, max_length=2
    )
    enabled: bool = True
    continue_after: bool = False


class RuleUpdate(ServiceInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    conditions: dict[str, Any] | None = None
    actions: RuleActions | None = None
    triggers: list[Trigger] | None = Field(default=None, min_length=1, max_length=2)
    enabled: bool | None = None
    continue_after: bool | None = None


class RulePublic(BaseModel):
    id: int
    name: str
    position: int
    enabled: bool
    conditions: dict[str, Any]
    description: str  # the conditions as people read them
    actions: dict[str, Any]
    triggers: list[str]
    continue_after: bool
    updated_at: datetime


class TrialTicket(ServiceInput):
    subject: str = Field(min_length=1, max_length=250)
    body: str = Field(default="", max_length=100_000)
    priority: str | None = Field(default=None, max_length=40)
    tags: list[str] = Field(default_factory=list, max_length=20)
    channel: str = Field(default="web", max_length=20)
    requester_email: str | None = Field(default=None, max_length=254)
    organization_id: DbId | None = None
    language: str | None = Field(default=None, max_length=20)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class TrialTriage(BaseModel):
    """What triage suggested for the trial ticket, when a rule's test asked."""

    category: str | None
    category_confidence: float
    team_id: int | None
    team_confidence: float
    priority: str | None
    priority_confidence: float


class TrialResult(BaseModel):
    rule_id: int | None  # the first rule that matched; None when none did
    rule_name: str | None
    matched: list[int]  # every rule that would act, in order (more than one when rules go on)
    actions: dict[str, Any]  # what they would set, merged in order
    assignee: PersonRef | None
    team: TeamRef | None
    triage: TrialTriage | None = None  # None: no rule tested triage (or it is switched off)


def _require_manager(actor: Actor) -> None:
    actor.require_scope(ROUTING_MANAGE)
    actor.require_admin()


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or not name.isprintable():
        raise field_error("name", t("Give the rule a name of plain text."))
    return name


def _valid_actions(session: Session, actions: RuleActions) -> dict[str, Any]:
    if actions.team_id is not None:
        tickets.existing_team(session, actions.team_id)
    if actions.assignee_id is not None:
        tickets.active_staff(session, actions.assignee_id, "actions.assignee_id")
    if actions.priority is not None:
        desk.priority_named(session, actions.priority)
    for need in actions.required_skills or []:
        if session.get(Skill, need.skill_id) is None:
            raise field_error("actions.required_skills", t("There is no skill #{skill_id}.", skill_id=need.skill_id))
    if actions.sla_policy_id is not None and session.get(SlaPolicy, actions.sla_policy_id) is None:
        raise field_error(
            "actions.sla_policy_id", t("There is no SLA policy #{policy_id}.", policy_id=actions.sla_policy_id)
        )
    if actions.assign_suggested and actions.assignee_id is not None:
        raise field_error("actions.assignee_id", t("Choose an assignee or the suggested agent, not both."))
    add, remove = tickets.clean_tags(actions.add_tags), tickets.clean_tags(actions.remove_tags)
    if set(add) & set(remove):
        raise field_error("actions", t("A tag cannot be both added and removed."))
    plain = {**actions.model_dump(exclude_none=True), "add_tags": add, "remove_tags": remove}
    cleaned = {key: value for key, value in plain.items() if value not in ([], None) and value is not False}
    if not cleaned:
        raise field_error("actions", t("A rule needs at least one action."))
    return cleaned


def _public(row: RoutingRule) -> RulePublic:
    return RulePublic(
        id=stored_id(row.id),
        name=row.name,
        position=row.position,
        enabled=row.enabled,
        conditions=dict(row.conditions),
        description=rule_conditions.describe(rule_conditions.parse(row.conditions)),
        actions=dict(row.actions),
        triggers=list(row.triggers),
        continue_after=row.continue_after,
        updated_at=row.updated_at,
    )


def _rule(session: Session, rule_id: int) -> RoutingRule:
    row = session.get(RoutingRule, rule_id)
    if row is None:
        raise NotFound(t("There is no routing rule #{rule_id}.", rule_id=rule_id))
    return row


def _ordered(session: Session) -> list[RoutingRule]:
    return list(
        session.exec(select(RoutingRule).order_by(col(RoutingRule.position), col(RoutingRule.id)).limit(MAX_RULES))
    )


def _audit_and_emit(
    session: Session, *, actor: Actor, row: RoutingRule, action: str, changes: dict[str, tuple[Any, Any]]
) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"routing_rule.{action}",
        object_type="routing_rule",
        object_id=row.id,
        changes=changes,
    )
    events.emit(
        session,
        f"routing_rule.{action}",
        actor=actor,
        data={"rule_id": row.id, "changes": audit.plain_changes(changes)},
    )


def list_rules(session: Session, *, actor: Actor) -> list[RulePublic]:
    _require_manager(actor)
    return [_public(row) for row in _ordered(session)]


def get_rule(session: Session, *, actor: Actor, rule_id: int) -> RulePublic:
    _require_manager(actor)
    return _public(_rule(session, rule_id))


def create_rule(session: Session, *, actor: Actor, data: RuleCreate) -> RulePublic:
    _require_manager(actor)
    name = _clean_name(data.name)
    rule_conditions.parse(data.conditions)
    actions = _valid_actions(session, data.actions)
    existing = _ordered(session)
    if len(existing) >= MAX_RULES:
        raise field_error("name", t("A desk keeps at most {MAX_RULES} rules.", MAX_RULES=MAX_RULES))
    row = RoutingRule(
        name=name,
        position=(existing[-1].position + 1) if existing else 0,
        enabled=data.enabled,
        conditions=data.conditions,
        actions=actions,
        triggers=sorted(set(data.triggers)),
        continue_after=data.continue_after,
    )
    session.add(row)
    session.flush()
    _audit_and_emit(
        session,
        actor=actor,
        row=row,
        action="created",
        changes={"name": (None, name), "conditions": (None, data.conditions), "actions": (None, actions)},
    )
    return _public(row)


def update_rule(session: Session, *, actor: Actor, rule_id: int, data: RuleUpdate) -> RulePublic:
    _require_manager(actor)
    row = _rule(session, rule_id)
    before = {
        "name": row.name,
        "conditions": dict(row.conditions),
        "actions": dict(row.actions),
        "triggers": list(row.triggers),
        "enabled": row.enabled,
        "continue_after": row.continue_after,
    }
    after = dict(before)
    if data.name is not None:
        after["name"] = _clean_name(data.name)
    if data.conditions is not None:
        rule_conditions.parse(data.conditions)
        after["conditions"] = data.conditions
    if data.actions is not None:
        after["actions"] = _valid_actions(session, data.actions)
    if data.triggers is not None:
        after["triggers"] = sorted(set(data.triggers))
    for flag in ("enabled", "continue_after"):
        if getattr(data, flag) is not None:
            after[flag] = getattr(data, flag)
    changes = audit.diff(before, after)
    if changes:
        for key, value in after.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
        _audit_and_emit(session, actor=actor, row=row, action="updated", changes=changes)
    return _public(row)


def delete_rule(session: Session, *, actor: Actor, rule_id: int) -> None:
    _require_manager(actor)
    row = _rule(session, rule_id)
    _audit_and_emit(session, actor=actor, row=row, action="deleted", changes={"name": (row.name, None)})
    session.delete(row)


def reorder_rules(session: Session, *, actor: Actor, ids: list[int]) -> list[RulePublic]:
    """Puts the rules in the order given; every rule must be named once."""
    _require_manager(actor)
    rows = _ordered(session)
    if sorted(ids) != sorted(stored_id(r.id) for r in rows) or len(set(ids)) != len(ids):
        raise field_error("ids", t("Name every rule exactly once, in the new order."))
    by_id = {stored_id(r.id): r for r in rows}
    before = [stored_id(r.id) for r in rows]
    for position, rule_id in enumerate(ids):
        by_id[rule_id].position = position
        session.add(by_id[rule_id])
    if before != ids:
        audit.record(
            session,
            actor=actor,
            action="routing_rule.reordered",
            object_type="routing_rule",
            object_id=None,
            changes={"order": (before, ids)},
        )
        events.emit(session, "routing_rule.reordered", actor=actor, data={"order": ids})
    return [_public(by_id[i]) for i in ids]


# ---- evaluation --------------------------------------------------------------------------------------


def _ranks(session: Session) -> dict[str, int]:
    return {p.key: p.rank for p in desk.priorities(session)}


class LazyTriage:
    """Triage's suggestions for one ticket's text, computed on the first call and kept."""

    def __init__(self, session: Session, *, subject: str, body: str, ticket_id: int | None = None) -> None:
        self._session, self._subject, self._body, self._ticket_id = session, subject, body, ticket_id
        self.result: triage.TriageResult | None = None
        self.computed = False

    def __call__(self) -> Mapping[str, Suggested]:
        if not self.computed:
            self.result = triage.for_rules(
                self._session, subject=self._subject, body=self._body, ticket_id=self._ticket_id
            )
            self.computed = True
        if self.result is None:
            return {}
        return {
            "category": Suggested(self.result.category, self.result.category_confidence),
            "team_id": Suggested(self.result.team_id, self.result.team_confidence),
            "priority": Suggested(self.result.priority, self.result.priority_confidence),
        }


def facts_of_ticket(
    session: Session,
    ticket: tickets.TicketPublic,
    *,
    triaged: Callable[[], Mapping[str, Suggested]] | None = None,
) -> Facts:
    """What conditions see of the ticket; `triaged` is the triage to reuse (a rule's change leaves the
    ticket's text, which triage reads, as it was)."""
    requester = session.get(User, ticket.requester.id)
    first = session.exec(
        select(Message.body_text)
        .where(Message.ticket_id == ticket.id, col(Message.internal).is_(False))
        .order_by(col(Message.id))
        .limit(1)
    ).first()
    organization = session.exec(select(Ticket.organization_id).where(Ticket.id == ticket.id)).first()
    if triaged is None:
        triaged = LazyTriage(session, subject=ticket.subject, body=first or "", ticket_id=ticket.id)
    return Facts(
        priority=ticket.priority,
        priority_ranks=_ranks(session),
        tags=frozenset(ticket.tags),
        channel=ticket.channel.value,
        language=getattr(requester, "locale", None),
        organization_id=organization,
        requester_email=requester.email if requester is not None else "",
        subject=ticket.subject,
        body=first or "",
        custom_fields=dict(ticket.custom_fields),
        triage=triaged,
    )


def _merged(actions: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    merged = {**actions, **{k: v for k, v in later.items() if k not in ("add_tags", "remove_tags")}}
    add = [*actions.get("add_tags", []), *later.get("add_tags", [])]
    remove = [*actions.get("remove_tags", []), *later.get("remove_tags", [])]
    if add:
        merged["add_tags"] = sorted(set(add) - set(later.get("remove_tags", [])))
    if remove:
        merged["remove_tags"] = sorted(set(remove) - set(later.get("add_tags", [])))
    return merged


def try_ticket(session: Session, *, actor: Actor, data: TrialTicket) -> TrialResult:
    """Which enabled rules a ticket like this would meet on arrival, and what they would set."""
    _require_manager(actor)
    priority = desk.priority_named(session, data.priority).key
    triaged = LazyTriage(session, subject=data.subject, body=data.body)
    facts = Facts(
        priority=priority,
        priority_ranks=_ranks(session),
        tags=frozenset(tickets.clean_tags(data.tags)),
        channel=data.channel,
        language=data.language,
        organization_id=data.organization_id,
        requester_email=data.requester_email or "",
        subject=data.subject,
        body=data.body,
        custom_fields=data.custom_fields,
        triage=triaged,
    )
    matched: list[RoutingRule] = []
    actions: dict[str, Any] = {}
    for row in _ordered(session):
        if not row.enabled or "ticket.created" not in row.triggers:
            continue
        if rule_conditions.matches(rule_conditions.parse(row.conditions), facts):
            matched.append(row)
            actions = _merged(actions, dict(row.actions))
            facts = _facts_after(facts, row.actions)
            if not row.continue_after:
                break
    assignee = session.get(User, actions["assignee_id"]) if "assignee_id" in actions else None
    team = session.get(Team, actions["team_id"]) if "team_id" in actions else None
    return TrialResult(
        rule_id=stored_id(matched[0].id) if matched else None,
        rule_name=matched[0].name if matched else None,
        matched=[stored_id(r.id) for r in matched],
        actions=actions,
        assignee=PersonRef(id=stored_id(assignee.id), name=assignee.name, role=assignee.role) if assignee else None,
        team=TeamRef(id=stored_id(team.id), name=team.name) if team else None,
        triage=TrialTriage.model_validate(triaged.result, from_attributes=True) if triaged.result else None,
    )


def _facts_after(facts: Facts, actions: dict[str, Any]) -> Facts:
    tags = (set(facts.tags) | set(actions.get("add_tags", []))) - set(actions.get("remove_tags", []))
    return replace(facts, priority=actions.get("priority", facts.priority), tags=frozenset(tags))


def _update_for(ticket: tickets.TicketPublic, actions: dict[str, Any]) -> tickets.TicketUpdate | None:
    update: dict[str, Any] = {}
    if "team_id" in actions and (ticket.team is None or ticket.team.id != actions["team_id"]):
        update["team_id"] = actions["team_id"]
    if "assignee_id" in actions and (ticket.assignee is None or ticket.assignee.id != actions["assignee_id"]):
        update["assignee_id"] = actions["assignee_id"]
    if "priority" in actions and ticket.priority != actions["priority"]:
        update["priority"] = actions["priority"]
    tags = (set(ticket.tags) | set(actions.get("add_tags", []))) - set(actions.get("remove_tags", []))
    if tags != set(ticket.tags):
        update["tags"] = sorted(tags)
    return tickets.TicketUpdate(**update) if update else None


def _requirements_for(actions: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if actions.get("required_skills") is not None:
        out["required_skills"] = [SkillNeed(**need) for need in actions["required_skills"]]
    if actions.get("sla_policy_id") is not None:
        out["sla_policy_id"] = actions["sla_policy_id"]
    return out


def _assign_suggested(
    session: Session, rule_actor: Actor, current: tickets.TicketPublic, facts: Facts
) -> tickets.TicketPublic | None:
    """The `assign_suggested` action, once the rule set the team: the suggested agent, or nothing."""
    agent_id = best_agent.for_rules(
        session,
        ticket_id=current.id,
        subject=facts.subject,
        body=facts.body,
        team_id=current.team.id if current.team is not None else None,
    )
    if agent_id is None or (current.assignee is not None and current.assignee.id == agent_id):
        return None
    return tickets.update_ticket(
        session, actor=rule_actor, ticket_id=current.id, data=tickets.TicketUpdate(assignee_id=agent_id)
    )


def run_rules(session: Session, event: Event) -> bool:
    """In the writer's transaction: the first matching rule (and those after it that go on) acts. True when a
    rule changed the ticket."""
    if event.ticket_id is None:
        return False
    rules = [r for r in _ordered(session) if r.enabled and event.type in r.triggers]
    if not rules or session.get(Ticket, event.ticket_id) is None:
        return False
    changed = False
    reader = Actor.system(LISTENER)
    current = tickets.get_ticket(session, actor=reader, ticket_id=event.ticket_id)
    facts = facts_of_ticket(session, current)
    triaged = facts.triage
    for row in rules:
        if not rule_conditions.matches(rule_conditions.parse(row.conditions), facts):
            continue
        rule_actor = Actor.system(f"rule:{row.id}:{row.name}", via="rule")
        actions = dict(row.actions)
        update = _update_for(current, actions)
        requirements = _requirements_for(actions)
        suggested = bool(actions.get("assign_suggested"))
        if update is not None or requirements or suggested:
            try:
                with session.begin_nested():
                    # What the ticket needs first, so load balancing (which acts once it has a team) knows it.
                    if requirements:
                        balancing.set_requirements(session, actor=rule_actor, ticket_id=event.ticket_id, **requirements)
                    if update is not None:
                        current = tickets.update_ticket(
                            session, actor=rule_actor, ticket_id=event.ticket_id, data=update
                        )
                    else:
                        current = tickets.get_ticket(session, actor=reader, ticket_id=event.ticket_id)
                    if suggested:
                        current = _assign_suggested(session, rule_actor, current, facts) or current
                changed = True
            except DomainError as error:
                log.warning("Routing rule %s could not act on ticket %s: %s", row.id, event.ticket_id, error.code)
                audit.record(
                    session,
                    actor=rule_actor,
                    action="rule.failed",
                    object_type="ticket",
                    object_id=event.ticket_id,
                    changes={"rule": (None, row.id), "reason": (None, error.message)},
                )
            facts = facts_of_ticket(session, current, triaged=triaged)
        if not row.continue_after:
            break
    return changed
