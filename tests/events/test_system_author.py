"""Issue 14: the system/bot actor is not an agent: its reply neither stamps the first response nor moves a new
ticket to open, as an agent's reply does."""

from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.models import EventRecord, Role, StatusCategory
from autocrm.services import ticket_rules, tickets
from autocrm.services.actor import Actor, ActorKind
from autocrm.services.ticket_rules import AuthorKind
from autocrm.services.tickets import MessageCreate
from tests.factories import make_ticket


def test_the_rules_give_a_system_reply_no_agent_effects():
    assert not ticket_rules.counts_as_first_response(AuthorKind.system, internal=False)
    assert ticket_rules.category_after_message(StatusCategory.new, AuthorKind.system, internal=False) is None
    assert ticket_rules.category_after_message(StatusCategory.solved, AuthorKind.system, internal=False) is None
    assert ticket_rules.category_after_message(StatusCategory.new, AuthorKind.staff, internal=False) == (
        StatusCategory.open
    )


def test_a_bot_reply_keeps_the_ticket_new_and_unanswered_until_an_agent_replies(people):
    agent = people.make(Role.agent)
    ticket = make_ticket(requester=people.make(Role.customer))
    bot = Actor.system("bot")
    assert bot.kind == ActorKind.system
    with write_session() as s:
        added = tickets.add_message(
            s, actor=bot, ticket_id=ticket.id, data=MessageCreate(body="Thanks! An agent will be with you soon.")
        )
    assert (added.status_after, added.first_response) == ("new", False)
    with read_session() as s:
        seen = tickets.get_ticket(s, actor=people.actor(agent), ticket_id=ticket.id)
        event = s.exec(select(EventRecord).order_by(col(EventRecord.id).desc())).first()
    assert seen.status == "new" and seen.first_response_at is None
    assert event.type == "message.created" and event.data["author_kind"] == "system" and event.via == "system"

    with write_session() as s:
        added = tickets.add_message(s, actor=people.actor(agent), ticket_id=ticket.id, data=MessageCreate(body="Hi"))
    assert (added.status_after, added.first_response) == ("open", True)
