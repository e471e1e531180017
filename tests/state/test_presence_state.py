"""What the ticket page and the queue say of presence: names joined as each language does, plural-aware, the
reader left out, and the queue's badge fields."""

from __future__ import annotations

from reflex.istate.data import RouterData

from autocrm.core import i18n
from autocrm.core import presence as presence_store
from autocrm.models import Role
from autocrm.services import presence
from autocrm.services.actor import Actor
from autocrm.services.presence import PresencePerson
from autocrm.state.presence import badge_fields, people_rows, presence_sentence
from autocrm.state.queue import QueueState
from autocrm.state.ticket import AgentTicketState
from tests.factories import make_ticket
from tests.state.test_states import _root, _signed_in


def _people(*entries: tuple[int, str, str]) -> list[PresencePerson]:
    return [PresencePerson(user_id=uid, name=name, activity=activity) for uid, name, activity in entries]


def test_one_or_several_people_read_naturally_in_each_language():
    on_ticket = _people(
        (1, "Ana Lopez", "replying"), (2, "Ben Cho", "viewing"), (3, "Chloé Martin", "viewing"), (9, "Me", "viewing")
    )
    rows = people_rows(on_ticket, 9)
    assert [(r["name"], r["initials"], r["replying"]) for r in rows] == [
        ("Ana Lopez", "AL", True),
        ("Ben Cho", "BC", False),
        ("Chloé Martin", "CM", False),
    ]
    with i18n.using_locale("en"):
        assert presence_sentence(rows) == "Ana Lopez is replying… · Ben Cho and Chloé Martin are viewing"
        assert presence_sentence(rows[1:2]) == "Ben Cho is viewing"
    with i18n.using_locale("fr"):
        assert presence_sentence(rows) == (
            "Ana Lopez est en train de répondre… · Ben Cho et Chloé Martin consultent le ticket"
        )
    with i18n.using_locale("de"):
        assert presence_sentence(rows[1:]) == "Ben Cho und Chloé Martin sehen sich das Ticket an"
    with i18n.using_locale("es"):
        assert presence_sentence(rows[:1]) == "Ana Lopez está respondiendo…"


def test_the_queue_badge_counts_the_others_only():
    with i18n.using_locale("en"):
        assert badge_fields(_people((9, "Me", "replying")), 9) == {
            "presence_count": 0,
            "presence_replying": False,
            "presence_text": "",
        }
        assert badge_fields(_people((1, "Ana Lopez", "viewing"), (9, "Me", "replying")), 9) == {
            "presence_count": 1,
            "presence_replying": False,
            "presence_text": "Ana Lopez is viewing",
        }


def _on_tab(state, token: str):
    """The state as its tab's events see it: the same cookie and path, and the tab's own token."""
    root = _root(state)
    root.router = RouterData.from_router_data(
        {"headers": dict(root.router.headers.raw_headers), "asPath": root.router.url.path, "token": token}
    )
    return state


def test_the_ticket_page_beats_and_hears_who_else_is_there_and_the_queue_badges_it(people, monkeypatch):
    monkeypatch.delenv("AUTOCRM_REDIS_URL", raising=False)
    presence_store._stores.clear()
    ana, ben = people.make(Role.agent, name="Ana Lopez"), people.make(Role.agent, name="Ben Cho")
    ticket = make_ticket(requester=people.make(Role.customer), by=ana)
    path = f"/agent/tickets/{ticket.id}"
    on_ana = _on_tab(_signed_in(AgentTicketState, ana, path), "tab-ana")
    on_ana.load()
    assert on_ana.presence == []  # alone, and never shown to herself
    on_ben = _on_tab(_signed_in(AgentTicketState, ben, path), "tab-ben")
    events = on_ben.load()
    assert any("__autocrmPresence" in str(event) for event in events)  # the heartbeat script
    assert [(p["name"], p["replying"]) for p in on_ben.presence] == [("Ana Lopez", False)]
    on_ana.presence_beat("replying")
    with i18n.using_locale("en"):
        on_ben._presence_refresh(presence.on_tickets(actor=Actor.for_user(ben), ticket_ids=[ticket.id]))
    assert on_ben.presence_line == "Ana Lopez is replying…"
    assert on_ben.others_replying == "Ana Lopez is also replying: check before you send."
    on_ana.presence_beat("dancing")  # not a heartbeat: ignored
    queue = _on_tab(_signed_in(QueueState, ben, "/agent"), "tab-ben")
    queue.load()
    row = next(r for r in queue.rows if r["id"] == ticket.id)
    assert (row["presence_count"], row["presence_replying"]) == (1, True)
    presence.leave(actor=Actor.for_user(ana), ticket_id=ticket.id, tab="tab-ana")
    queue._presence_refresh(presence.on_tickets(actor=Actor.for_user(ben), ticket_ids=[ticket.id]) or {ticket.id: []})
    assert next(r for r in queue.rows if r["id"] == ticket.id)["presence_count"] == 0
