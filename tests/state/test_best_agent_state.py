"""The ticket page's suggested agent: the rows the triage panel lists (`state/triage.agent_rows`) and its Assign,
which writes through `tickets.update_ticket` (audited, on the timeline) and then marks the row as the assignee."""

from __future__ import annotations

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.ai import triage
from autocrm.state import triage as triage_state
from autocrm.state.ticket import AgentTicketState
from tests.factories import make_team, make_ticket
from tests.state.test_states import _signed_in


def test_the_panel_assigns_the_suggested_agent(people):
    triage.forget()
    ana, ben = people.make(Role.agent, name="Ana Lopez"), people.make(Role.agent, name="Ben Ruiz")
    billing = make_team(name="Billing", member_ids=[ana.id, ben.id])
    for subject in ("Refund my invoice", "Refund the double charge on my card"):
        solved = make_ticket(subject=subject, body=subject)
        with write_session() as s:
            tickets.update_ticket(
                s,
                actor=Actor.for_user(ana),
                ticket_id=solved.id,
                data=tickets.TicketUpdate(status="solved", team_id=billing.id, assignee_id=ana.id),
            )
    runner.run_pending_jobs()
    ticket = make_ticket(subject="Please refund my invoice", body="I was charged twice.")
    state = _signed_in(AgentTicketState, ben, f"/agent/tickets/{ticket.id}")
    state.load()
    found = triage_state._best_agents(Actor.for_user(ben), ticket.id, "en")
    assert found is not None
    state.best_agents = triage_state.agent_rows(found)  # what `load_triage` stores once it answered
    assert [(r["name"], r["current"]) for r in state.best_agent_rows] == [("Ana Lopez", False)]
    assert state.best_agent_rows[0]["reason"].startswith("Solved 2 similar tickets")

    state.assign_suggested(ana.id)
    with read_session() as s:
        assert tickets.get_ticket(s, actor=Actor.for_user(ben), ticket_id=ticket.id).assignee.id == ana.id
    assert [(r["name"], r["current"]) for r in state.best_agent_rows] == [("Ana Lopez", True)]
    state.load()
    changes = [e for e in state.entries if e["kind"] == "change"]
    assert any("Assignee set to Ana Lopez" in line for e in changes for line in e["lines"])
    state.assign_suggested(999_999)  # not offered: nothing happens
    assert state.ticket["assignee_id_str"] == str(ana.id)
    triage.forget()
