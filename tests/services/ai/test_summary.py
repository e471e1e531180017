"""Ticket summaries: extractive without an LLM (sentences as written, with their messages), written by the model
when one is set up, cached by the conversation and made anew when a message arrives."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session
from autocrm.models import AiCacheEntry, Role
from autocrm.services.actor import Actor
from autocrm.services.ai import summary
from autocrm.services.errors import PermissionDenied
from tests.factories import make_message, make_ticket, make_user

MODEL_SUMMARY = (
    "Problem: The customer cannot sign in after the update.\n"
    "Tried: The agent reset the password.\n"
    "State: Waiting for the customer to try again.\n"
    "Last ask: Is there a way to keep the old login?"
)


def _conversation():
    customer, agent = make_user(Role.customer), make_user(Role.agent)
    earlier = make_ticket(requester=customer, subject="Invoice copy", body="Please send me the March invoice. Thanks.")
    ticket = make_ticket(
        requester=customer,
        subject="Cannot sign in",
        body="Since yesterday's update I cannot sign in. The page says my password is wrong. I did not change it.",
    )
    make_message(ticket_id=ticket.id, by=agent, body="<p>I reset your password. Please try the link I sent.</p>")
    make_message(ticket_id=ticket.id, by=agent, body="<p>Checked the logs: two failed attempts.</p>", internal=True)
    last = make_message(
        ticket_id=ticket.id, by=customer, body="<p>It still fails. Is there a way to keep the old login? Thanks.</p>"
    )
    return customer, agent, ticket, earlier, last


def _summarize(agent, ticket_id):
    with read_session() as session:
        return summary.summarize(session, actor=Actor.for_user(agent), ticket_id=ticket_id)


def test_without_an_llm_the_summary_is_taken_from_the_conversation(db_url):
    customer, agent, ticket, earlier, last = _conversation()
    result = _summarize(agent, ticket.id)
    assert result.made_by == "extractive"
    assert result.problem is not None
    assert result.problem.text == "Since yesterday's update I cannot sign in. The page says my password is wrong."
    assert [line.text for line in result.tried] == [
        "I reset your password.",
        "Checked the logs: two failed attempts.",
    ]
    assert result.last_ask is not None
    assert result.last_ask.text == "Is there a way to keep the old login?"
    assert result.last_ask.message_ids == [last.id]
    assert "the customer wrote last" in result.state
    assert [(p.number, p.subject) for p in result.previous_tickets] == [(earlier.number, "Invoice copy")]
    assert result.previous_tickets[0].problem == "Please send me the March invoice."
    with read_session() as session, pytest.raises(PermissionDenied):
        summary.summarize(session, actor=Actor.for_user(customer), ticket_id=ticket.id)


def test_with_an_llm_the_model_writes_it_once_per_conversation(llm_server):
    llm_server.reply = lambda body: MODEL_SUMMARY
    customer, agent, ticket, _earlier, _last = _conversation()
    first = _summarize(agent, ticket.id)
    assert first.made_by == "llm" and first.model == "test-model"
    assert first.problem is not None and first.problem.text == "The customer cannot sign in after the update."
    assert first.last_ask is not None and first.last_ask.text == "Is there a way to keep the old login?"
    sent = llm_server.requests[-1]["messages"][1]["content"]
    assert "[Customer] Since yesterday's update" in sent and "[Agent note] Checked the logs" in sent
    assert _summarize(agent, ticket.id) == first  # cached: the model is not asked again
    assert len(llm_server.requests) == 1
    make_message(ticket_id=ticket.id, by=customer, body="<p>Now it works, thank you!</p>")
    _summarize(agent, ticket.id)
    assert len(llm_server.requests) == 2  # a new message, a new summary
    with read_session() as session:
        entries = session.exec(select(AiCacheEntry).where(AiCacheEntry.subject_id == ticket.id)).all()
    assert len(entries) == 1  # the old one went


def test_a_failing_or_shapeless_model_gives_the_extractive_summary(llm_server):
    _customer, agent, ticket, _earlier, _last = _conversation()
    llm_server.reply = lambda body: "I think the customer is upset."
    assert _summarize(agent, ticket.id).made_by == "extractive"
    llm_server.fail_next = 1
    assert _summarize(agent, ticket.id).made_by == "extractive"
