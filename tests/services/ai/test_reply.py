"""Suggested replies: the best-matching usable macro (placeholders filled) and the matching public articles,
as the sources beside the draft; written by the LLM from them when one is set up; no draft when nothing
matches. SQLite and PostgreSQL, the real MiniLM model, the local OpenAI-compatible server."""

from __future__ import annotations

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import kb, macros
from autocrm.services.actor import Actor
from autocrm.services.ai import reply
from autocrm.services.errors import PermissionDenied
from autocrm.services.kb import ArticleCreate
from autocrm.services.macros import MacroCreate
from tests.factories import make_ticket

CARD_MACRO = (
    "<p>Hi {{customer.first_name}}, I am sorry your new card has not arrived yet. A card arrives within 7 working "
    "days; after 10 we send a new one free of charge.</p>"
)
CARD_ARTICLE = (
    "<p>Your card arrives within 5 to 7 working days of ordering it.</p><h2>It has not arrived</h2><p>If the card is "
    "not there after 10 working days, freeze it in the app and order a new one.</p>"
)


@pytest.fixture
def desk(people):
    admin = people.actor(people.make(Role.admin, name="Ada"))
    agent = people.actor(people.make(Role.agent, name="Ann"))
    customer = people.make(Role.customer, name="Carl Jones")
    with write_session() as s:
        card_macro = macros.create_macro(s, actor=agent, data=MacroCreate(name="Card has not arrived", body=CARD_MACRO))
        macros.create_macro(
            s,
            actor=agent,
            data=MacroCreate(name="Shared but unapproved", body="<p>Card card card.</p>", scope="shared"),
        )
        kb.create_article(
            s,
            actor=admin,
            data=ArticleCreate(status="published", title="My new card has not arrived", body=CARD_ARTICLE),
        )
        kb.create_article(
            s,
            actor=admin,
            data=ArticleCreate(
                status="published", title="Card courier tracking", body=CARD_ARTICLE, visibility="internal"
            ),
        )
    runner.run_pending_jobs()
    return agent, customer, card_macro


def _suggest(actor, ticket_id):
    with read_session() as s:
        return reply.suggest_reply(s, actor=actor, ticket_id=ticket_id)


def test_a_draft_from_the_matching_macro_and_public_article(desk):
    agent, customer, card_macro = desk
    ticket = make_ticket(requester=customer, subject="My card never came", body="I ordered a new card two weeks ago.")
    suggested = _suggest(agent, ticket.id)
    assert suggested.made_by == "extractive"
    assert suggested.macro_id == card_macro.id
    assert suggested.body.startswith("Hi Carl, I am sorry your new card has not arrived yet.")
    assert "My new card has not arrived: http" in suggested.body
    assert [(s.kind, s.title) for s in suggested.sources] == [
        ("macro", "Card has not arrived"),
        ("article", "My new card has not arrived"),
    ]  # never the internal article, whose link the customer could not open
    with read_session() as s, pytest.raises(PermissionDenied):
        reply.suggest_reply(s, actor=Actor.for_user(customer), ticket_id=ticket.id)


def test_no_draft_when_nothing_matches(desk):
    agent, customer, _macro = desk
    ticket = make_ticket(requester=customer, subject="Opening hours", body="When is your office in Lyon open?")
    suggested = _suggest(agent, ticket.id)
    assert (suggested.body, suggested.sources, suggested.made_by) == ("", [], "none")


def test_with_an_llm_the_model_drafts_from_the_same_sources(desk, llm_server):
    agent, customer, _macro = desk
    llm_server.reply = lambda body: "Hi Carl, sorry for the wait: a new card is on its way."
    ticket = make_ticket(requester=customer, subject="My card never came", body="I ordered a new card two weeks ago.")
    suggested = _suggest(agent, ticket.id)
    assert (suggested.made_by, suggested.body) == ("llm", "Hi Carl, sorry for the wait: a new card is on its way.")
    sent = llm_server.requests[-1]["messages"][1]["content"]
    assert "Hi Carl, I am sorry your new card" in sent  # the macro, placeholders filled
    assert "My new card has not arrived (http" in sent and "Card courier tracking" not in sent
    assert [s.kind for s in suggested.sources] == ["macro", "article"]
