"""The ticket page's "Suggested by triage" panel (`services/ai/triage.for_ticket`) and its Apply buttons, with
the suggested agent (`services/ai/best_agent.suggest_agent`) and its Assign buttons.

A mixin of the agent's ticket state. Triage embeds the ticket's text and reads the desk's resolved tickets, so
it runs in a background event once the page has loaded, on a worker thread, and never holds the page. Apply
writes through `triage.apply_to_ticket` (the ticket services: validated, audited, on the timeline).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import reflex as rx

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.core.i18n import N_
from autocrm.services.actor import Actor
from autocrm.services.ai import best_agent, triage
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import DomainError
from autocrm.state.roles import STAFF

FIELD_LABELS = {
    "category": N_("Category"),
    "team_id": N_("Team"),
    "priority": N_("Priority"),
    "skill": N_("Skill"),
}
# At or above: the tickets agree strongly (green); at or above MIXED: partly (amber); below: weakly (gray).
STRONG, MIXED = 0.7, 0.4


def _field_label(field: str) -> str:
    return i18n.t(FIELD_LABELS.get(field, field))


def _tone(confidence: float) -> str:
    return "green" if confidence >= STRONG else "amber" if confidence >= MIXED else "gray"


def _key(suggestion: triage.TicketSuggestion) -> str:
    return f"{suggestion.field}-{suggestion.value}"


def _key_of(raw: dict[str, Any]) -> str:
    return f"{raw.get('field')}-{raw.get('value')}"


def suggestion_row(suggestion: triage.TicketSuggestion) -> dict[str, Any]:
    """One suggestion as the panel shows it, in the reader's language."""
    label = i18n.t(suggestion.label) if suggestion.field == "priority" else suggestion.label
    field = _field_label(suggestion.field)
    if suggestion.field == "skill":
        label = i18n.t("{skill}, level {level}", skill=label, level=suggestion.level)
        now = (
            i18n.t("{field} · now level {level}", field=field, level=suggestion.current_level)
            if suggestion.current_level
            else i18n.t("{field} · not required yet", field=field)
        )
    elif suggestion.current:
        current = i18n.t(suggestion.current) if suggestion.field == "priority" else suggestion.current
        now = i18n.t("{field} · now {current}", field=field, current=current)
    else:
        now = i18n.t("{field} · not set yet", field=field)
    return {
        "key": _key(suggestion),
        "field": suggestion.field,
        "value": suggestion.value,
        "level": suggestion.level,
        "field_label": field,
        "now": now,
        "label": label,
        "percent": i18n.format_percent(suggestion.confidence),
        "tone": _tone(suggestion.confidence),
    }


def still_offered(ticket: dict[str, Any], found: list[dict[str, Any]]) -> list[triage.TicketSuggestion]:
    """The suggestions still worth applying: one the ticket has come to have meanwhile (a teammate, a rule)
    is left out."""
    team = (ticket.get("team") or {}).get("id")
    category = (ticket.get("custom_fields") or {}).get(triage.CATEGORY_FIELD)
    current = {
        "team_id": str(team) if team is not None else None,
        "priority": ticket.get("priority"),
        "category": str(category) if category not in (None, "") else None,
    }
    suggestions = [triage.TicketSuggestion.model_validate(raw) for raw in found]
    return [s for s in suggestions if s.field == "skill" or current.get(s.field) != s.value]


def _chosen(suggestions: list[triage.TicketSuggestion]) -> triage.TriageApply:
    chosen: dict[str, Any] = {"skills": []}
    for suggestion in suggestions:
        if suggestion.field == "skill":
            chosen["skills"].append(SkillNeed(skill_id=int(suggestion.value), level=suggestion.level or 1))
        elif suggestion.field == "team_id":
            chosen["team_id"] = int(suggestion.value)
        else:
            chosen[suggestion.field] = suggestion.value
    return triage.TriageApply(**chosen)


def _triage(actor: Actor, ticket_id: int) -> triage.TicketTriage:
    with read_session() as session:
        return triage.for_ticket(session, actor=actor, ticket_id=ticket_id)


def _best_agents(actor: Actor, ticket_id: int, locale: str) -> best_agent.AgentSuggestions | None:
    with read_session() as session, i18n.using_locale(locale):
        try:
            return best_agent.suggest_agent(session, actor=actor, ticket_id=ticket_id)
        except DomainError:
            return None


def agent_rows(found: best_agent.AgentSuggestions) -> list[dict[str, Any]]:
    """The suggested agents as the panel lists them (their reasons already in the reader's language)."""
    return [
        {
            "id": a.agent.id,
            "name": a.agent.name,
            "reason": a.reason,
            "status": a.status,
            "available": a.status == "available",
        }
        for a in found.agents
    ]


class TicketTriageMixin(rx.State, mixin=True):
    # Shown at all: staff, and admins leave triage on (known once it answered).
    triage_on: bool = False
    triage_loading: bool = False
    # What triage offered that the ticket did not have when it was asked (`TicketSuggestion`s as dicts), less
    # those applied since; and the fields whose suggestion the ticket already had or has been given.
    triage_found: list[dict[str, Any]] = []
    triage_agreed_fields: list[str] = []
    triage_similar: list[dict[str, Any]] = []
    triage_applying: bool = False
    # The suggested agents (`agent_rows`), best first; the best team's name and reason; why nobody ("" if someone).
    best_agents: list[dict[str, Any]] = []
    best_team: str = ""
    best_team_reason: str = ""
    best_note: str = ""

    if TYPE_CHECKING:
        ticket: dict[str, Any]
        locale: str

        def _actor(self, roles: Any) -> tuple[Actor | None, Any]: ...

        def _reload(self, actor: Actor, batch: Any = None) -> None: ...

        def _load_counts(self, actor: Actor, batch: Any = None) -> None: ...

        def _write(self, change: Any, *, form: Any = None, success: Any = "") -> Any: ...

        def _update(self, label: str, **changes: Any) -> Any: ...

    @rx.var
    def triage_offers(self) -> list[dict[str, Any]]:
        ticket, found = self.ticket, self.triage_found
        with i18n.using_locale(self.locale):
            return [suggestion_row(s) for s in still_offered(ticket, found)]

    @rx.var
    def triage_agreed(self) -> str:
        """ "Team, Priority": what the ticket already has as triage suggests."""
        with i18n.using_locale(self.locale):
            return ", ".join(_field_label(field) for field in self.triage_agreed_fields)

    def _triage_on_load(self) -> None:
        self.triage_on, self.triage_loading, self.triage_applying = False, True, False
        self.triage_found, self.triage_similar, self.triage_agreed_fields = [], [], []
        self.best_agents, self.best_team, self.best_team_reason, self.best_note = [], "", "", ""

    @rx.var
    def best_agent_rows(self) -> list[dict[str, Any]]:
        """The suggested agents, each marked when the ticket is already theirs."""
        assignee = str(self.ticket.get("assignee_id_str") or "")
        return [{**row, "current": str(row["id"]) == assignee} for row in self.best_agents]

    @rx.event(background=True)
    async def load_triage(self):
        async with self:
            actor, _refusal = self._actor(STAFF)
            ticket_id = int(self.ticket.get("id") or 0)
            if actor is None or not ticket_id:
                self.triage_loading = False
                return
            self.triage_loading = True
            locale = self.locale
        try:
            result: triage.TicketTriage | None = await asyncio.to_thread(_triage, actor, ticket_id)
        except DomainError:  # switched off, or the ticket went away meanwhile
            result = None
        best = await asyncio.to_thread(_best_agents, actor, ticket_id, locale) if result is not None else None
        async with self:
            if int(self.ticket.get("id") or 0) != ticket_id:
                return  # the agent moved on to another ticket, whose own load asks again
            self.triage_loading = False
            self.triage_on = result is not None
            if result is None:
                return
            self.triage_found = [s.model_dump() for s in result.suggestions]
            self.triage_agreed_fields = list(result.agreed)
            self.triage_similar = [
                {"id": s.ticket_id, "number": s.number, "subject": s.subject, "href": routes.agent_ticket(s.ticket_id)}
                for s in result.similar_tickets
            ]
            if best is not None:
                self.best_agents = agent_rows(best)
                self.best_team = best.team.team.name if best.team is not None else ""
                self.best_team_reason = best.team.reason if best.team is not None else ""
                self.best_note = best.note

    @rx.event
    def assign_suggested(self, agent_id: int):
        """The agent assigns the ticket to a suggested agent (`tickets.update_ticket`: audited, on the timeline)."""
        row = next((r for r in self.best_agents if int(r["id"]) == int(agent_id)), None)
        if row is None or not self.ticket:
            return None
        if str(self.ticket.get("assignee_id_str") or "") == str(row["id"]):
            return None
        return self._update(i18n.t("Assigned to {name}.", name=row["name"]), assignee_id=int(row["id"]))

    @rx.event
    def apply_triage(self, key: str):
        return self._apply_triage([s for s in still_offered(self.ticket, self.triage_found) if _key(s) == key])

    @rx.event
    def apply_all_triage(self):
        return self._apply_triage(still_offered(self.ticket, self.triage_found))

    def _apply_triage(self, chosen: list[triage.TicketSuggestion]):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        if not chosen or not self.ticket or self.triage_applying:
            return None
        ticket_id = int(self.ticket["id"])
        first = suggestion_row(chosen[0])
        self.triage_applying = True
        written = self._write(
            lambda session: triage.apply_to_ticket(session, actor=actor, ticket_id=ticket_id, data=_chosen(chosen)),
            success=(
                i18n.t("{field} set to {value}.", field=first["field_label"], value=first["label"])
                if len(chosen) == 1
                else i18n.t("Triage's suggestions applied.")
            ),
        )
        self.triage_applying = False
        if written.ok:
            applied = {_key(s) for s in chosen}
            self.triage_found = [raw for raw in self.triage_found if _key_of(raw) not in applied]
            order = list(FIELD_LABELS)
            fields = set(self.triage_agreed_fields) | {s.field for s in chosen}
            self.triage_agreed_fields = sorted(fields, key=order.index)
        self._reload(actor)
        self._load_counts(actor)
        return written.events
