"""Article suggestions: while a customer writes a request (public articles only, nothing for too little or
unrelated text, a deflection counted once per draft), beside a ticket for staff (internal ones too, in the
requester's language, customers refused) and on a customer's portal home (from their own requests, else the
help centre's most read or latest). SQLite and PostgreSQL, the real MiniLM model."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select, update

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import AuditEntry, KbDeflection, Role, Ticket
from autocrm.models.base import utcnow
from autocrm.services import kb, users
from autocrm.services.actor import Actor
from autocrm.services.ai import suggestions
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.kb import ArticleCreate, ArticleUpdate, reading
from tests.factories import make_message, make_ticket, make_user

CARD = (
    "<p>Your card arrives within 5 to 7 working days of ordering it.</p>"
    "<h2>It has not arrived</h2><p>If the card is not there after 10 working days, freeze it in the app and "
    "order a new one.</p>"
)
CARD_ES = (
    "<p>Tu tarjeta llega entre 5 y 7 días hábiles después de pedirla.</p>"
    "<h2>No ha llegado</h2><p>Si la tarjeta no ha llegado pasados 10 días hábiles, congélala en la app y pide "
    "una nueva.</p>"
)
CARD_INTERNAL = (
    "<p>When a customer's card has not arrived after 10 working days, check the courier's tracking, then "
    "reissue the card free of charge.</p>"
)
REFUND = "<p>Refunds of a card payment reach your account within 3 to 5 working days of the merchant's refund.</p>"


@pytest.fixture
def desk(people):
    admin = people.make(Role.admin, name="Ada")
    agent = people.make(Role.agent, name="Ann")
    customer = people.make(Role.customer, name="Carl")
    spanish = people.make(Role.customer, name="Sofía")
    with write_session() as s:
        users.set_own_preferences(s, actor=people.actor(spanish), locale="es")

    def write(**fields):
        with write_session() as s:
            return kb.create_article(s, actor=people.actor(admin), data=ArticleCreate(status="published", **fields))

    class Desk:
        pass

    d = Desk()
    d.admin, d.agent, d.customer, d.spanish = (people.actor(u) for u in (admin, agent, customer, spanish))
    d.customer_user, d.spanish_user, d.agent_user = customer, spanish, agent
    d.card = write(title="My new card has not arrived", body=CARD)
    d.card_es = write(title="Mi tarjeta nueva no ha llegado", body=CARD_ES, locale="es", translation_of=d.card.id)
    d.internal = write(title="Reissuing a card that never arrived", body=CARD_INTERNAL, visibility="internal")
    d.refund = write(title="When does a refund arrive?", body=REFUND)
    d.draft = None
    runner.run_pending_jobs()  # the passages' vectors, as the kb.index job makes them after the commit
    return d


def _for_request(actor: Actor, subject: str, body: str = "", locale: str | None = "en"):
    with read_session() as s:
        return suggestions.for_request(s, actor=actor, subject=subject, body=body, locale=locale)


def _for_ticket(actor: Actor, ticket_id: int):
    with read_session() as s:
        return suggestions.for_ticket(s, actor=actor, ticket_id=ticket_id)


def _deflect(actor: Actor, article_id: int, draft_key: str = "draft-one-1234", query: str = "card not arrived"):
    with write_session() as s:
        return suggestions.record_deflection(s, actor=actor, article_id=article_id, query=query, draft_key=draft_key)


def test_a_customer_writing_a_request_sees_matching_public_articles_only(desk):
    found = _for_request(desk.customer, "My card has not arrived", "I ordered a new card two weeks ago")
    assert found[0].article_id == desk.card.id
    assert desk.internal.id not in [f.article_id for f in found]
    assert found[0].url.startswith("/help/articles/") and "<mark>" in found[0].snippet
    assert len(found) <= 3
    # Staff trying the portal read it as customers do: the internal article stays out.
    assert desk.internal.id not in [f.article_id for f in _for_request(desk.agent, "My card has not arrived")]
    # In the customer's own language when the article has that translation.
    spanish = _for_request(desk.spanish, "Mi tarjeta no ha llegado", "La pedí hace dos semanas", locale="es-MX")
    assert spanish[0].article_id == desk.card_es.id
    # Whatever was typed, the search takes it (PostgreSQL refuses NUL in a query's text).
    assert _for_request(desk.customer, "My card\x00 has not arrived", "\x00")[0].article_id == desk.card.id


def test_too_little_or_unrelated_text_shows_nothing(desk):
    for too_short in ("", "Hi", "card", "my card", "   the   and   "):
        assert _for_request(desk.customer, too_short) == []
    assert _for_request(desk.customer, "Which river flows through the capital of Poland?") == []
    assert _for_request(desk.customer, "Symphony orchestra concert", "The violins were out of tune") == []


def test_a_deflection_counts_once_per_customer_article_and_draft_and_is_audited(desk):
    assert _deflect(desk.customer, desk.card.id).counted
    assert not _deflect(desk.customer, desk.card.id).counted  # a double click
    assert _deflect(desk.customer, desk.card.id, draft_key="draft-two-5678").counted  # the next request
    assert _deflect(desk.spanish, desk.card.id).counted  # another customer
    assert _deflect(desk.customer, desk.refund.id).counted
    with read_session() as s:
        rows = s.exec(select(KbDeflection)).all()
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "kb_article.deflected")).all()
        counts = suggestions.deflections(s, actor=desk.agent)
        only_card = suggestions.deflections(s, actor=desk.admin, article_id=desk.card.id)
        later = suggestions.deflections(s, actor=desk.admin, since=max(r.created_at for r in rows).replace(year=2999))
    assert len(rows) == 4 and len(audited) == 4
    assert [(c.article_id, c.deflections) for c in counts] == [(desk.card.id, 3), (desk.refund.id, 1)]
    assert [c.deflections for c in only_card] == [3] and later == []
    assert rows[0].query == "card not arrived" and rows[0].user_id == desk.customer.user_id


def test_deflections_are_refused_for_staff_internal_articles_and_bad_drafts_and_counts_for_customers(desk):
    with pytest.raises(PermissionDenied):
        _deflect(desk.agent, desk.card.id)
    with pytest.raises(NotFound):
        _deflect(desk.customer, desk.internal.id)
    with pytest.raises(NotFound):
        _deflect(desk.customer, 999_999)
    with pytest.raises(ValidationFailed):
        _deflect(desk.customer, desk.card.id, draft_key="x")
    with read_session() as s, pytest.raises(PermissionDenied):
        suggestions.deflections(s, actor=desk.customer)


def test_staff_get_internal_articles_for_a_ticket_in_the_requesters_language(desk):
    ticket = make_ticket(requester=desk.spanish_user, subject="Tarjeta", body="Mi tarjeta nueva no ha llegado todavía")
    make_message(ticket_id=ticket.id, by=desk.agent_user, body="<p>Estamos revisándolo.</p>")
    found = _for_ticket(desk.agent, ticket.id)
    by_id = {f.article_id: f for f in found}
    assert found[0].article_id == desk.card_es.id  # the Spanish translation, not the English original
    assert not found[0].internal and found[0].link.endswith(found[0].url) and found[0].link.startswith("http")

    english = make_ticket(requester=desk.customer_user, subject="Card", body="Hello")
    make_message(ticket_id=english.id, by=desk.customer_user, body="<p>My new card has still not arrived</p>")
    found = _for_ticket(desk.agent, english.id)
    by_id = {f.article_id: f for f in found}
    assert desk.card.id in by_id and desk.internal.id in by_id
    assert by_id[desk.internal.id].internal and by_id[desk.internal.id].link == ""
    assert by_id[desk.internal.id].url.startswith("/agent/kb/articles/")


def test_customers_are_refused_suggestions_for_tickets_even_their_own(desk):
    ticket = make_ticket(requester=desk.customer_user, subject="Card not arrived", body="My card has not arrived")
    with pytest.raises(PermissionDenied):
        _for_ticket(desk.customer, ticket.id)
    with pytest.raises(NotFound):
        _for_ticket(desk.agent, 999_999)


def _for_customer(actor: Actor, **kwargs):
    with read_session() as s:
        return suggestions.for_customer(s, actor=actor, **kwargs)


def test_the_portal_home_picks_public_articles_from_the_customers_own_requests(desk):
    with write_session() as s:
        draft = kb.create_article(
            s,
            actor=desk.admin,
            data=ArticleCreate(title="Card arrival times by country", body=CARD, status="draft"),
        )
    card = make_ticket(
        requester=desk.customer_user, subject="Card not arrived", body="My new card has still not arrived"
    )
    refund = make_ticket(
        requester=desk.customer_user, subject="Refund", body="When does the refund of my card payment arrive?"
    )
    make_ticket(requester=desk.customer_user, subject="Thanks", body="Hello")  # says nothing: no article
    with write_session() as s:  # the card request was last touched two months ago: the refund one comes first
        s.exec(update(Ticket).where(Ticket.id == card.id).values(customer_updated_at=utcnow() - timedelta(days=60)))
    someone_else = make_ticket(subject="Printer on fire", body="The office printer is on fire")

    found = _for_customer(desk.customer)
    picked = {f.article_id: f for f in found}
    assert [f.article_id for f in found][:2] == [desk.refund.id, desk.card.id]
    assert picked[desk.refund.id].request.number == refund.number
    assert picked[desk.card.id].request.number == card.number and picked[desk.card.id].reason == "request"
    assert picked[desk.card.id].why == f"Because of your request #{card.number} “Card not arrived”"
    assert picked[desk.card.id].url.startswith("/help/articles/") and "<" not in picked[desk.card.id].snippet
    # Never an internal or draft article, nor anything of anyone else's requests.
    assert desk.internal.id not in picked and draft.id not in picked
    assert all(f.request is None or f.request.number in (card.number, refund.number) for f in found)
    assert someone_else.subject not in str([f.model_dump() for f in found])
    # In the customer's language where translated (the tab's, else the profile's).
    spanish = make_ticket(requester=desk.spanish_user, subject="Tarjeta", body="Mi tarjeta nueva no ha llegado")
    mine = _for_customer(desk.spanish)
    assert mine[0].article_id == desk.card_es.id and mine[0].request.number == spanish.number
    assert _for_customer(desk.spanish, locale="en")[0].article_id == desk.card.id
    with pytest.raises(PermissionDenied):
        _for_customer(desk.agent)

    # Kept for the next visit, but an article changed since is picked again: one archived goes.
    with write_session() as s:
        kb.update_article(s, actor=desk.admin, article_id=desk.refund.id, data=ArticleUpdate(status="archived"))
    assert desk.refund.id not in [f.article_id for f in _for_customer(desk.customer)]


def test_a_customer_with_nothing_to_go_on_gets_the_help_centres_most_read_or_latest(desk):
    newcomer = Actor.for_user(make_user(Role.customer))
    latest = _for_customer(newcomer)
    assert {f.reason for f in latest} == {"latest"} and {f.request for f in latest} == {None}
    assert desk.refund.id == latest[0].article_id  # the last one written
    assert {f.article_id for f in latest} <= {desk.card.id, desk.refund.id}  # public and published only
    assert latest[0].why == "Latest in the help centre"
    with write_session() as s:
        reading.record_view(s, actor=newcomer, article_id=desk.card.id)
    suggestions.PICKS.clear()  # the picks are kept for a few minutes; readings move no key
    read = _for_customer(newcomer)
    assert [(f.article_id, f.reason) for f in read] == [(desk.card.id, "popular"), (desk.refund.id, "latest")]
    assert read[0].why == "Among the most read in the help centre"
    # Requests about nothing the help centre holds fall back the same way.
    unrelated = make_user(Role.customer)
    make_ticket(requester=unrelated, subject="Symphony orchestra", body="The violins were out of tune last night")
    assert {f.reason for f in _for_customer(Actor.for_user(unrelated))} == {"popular", "latest"}
