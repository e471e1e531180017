"""The drafts' spelling check (pyspellchecker, no LLM): what it flags, what it leaves alone, its suggestions, the
ticket's own words as known ones, and replacing exactly the flagged word."""

from __future__ import annotations

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.models import Role, User
from autocrm.services import spelling
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied
from tests.factories import make_ticket, make_user


def _flagged(text: str, locale: str = "en", **kwargs) -> list[tuple[str, str, list[str]]]:
    return [(i.kind, i.word, i.suggestions) for i in spelling.check(text, locale, **kwargs)]


def test_misspelt_and_repeated_words_are_flagged_with_suggestions_at_their_offsets():
    text = "Hello, we will recieve the the parcel tomorow."
    issues = spelling.check(text, "en")
    assert [(i.kind, i.word) for i in issues] == [
        ("spelling", "recieve"),
        ("repeated", "the the"),
        ("spelling", "tomorow"),
    ]
    assert issues[0].suggestions[0] == "receive" and issues[2].suggestions == ["tomorrow"]
    assert all(text[i.start : i.end] == i.word for i in issues)
    assert issues[1].suggestions == ["the"]
    fixed = spelling.replace(text, issues[0].start, issues[0].end, "recieve", "receive")
    assert fixed == "Hello, we will receive the the parcel tomorow."
    assert spelling.replace(fixed, issues[0].start, issues[0].end, "recieve", "receive") is None  # the draft moved on
    # A capital at a sentence's start is still checked, and keeps its capital in the suggestion.
    assert _flagged("Thnaks for waiting.")[0][2][0][0].isupper()


def test_names_codes_links_acronyms_and_the_tickets_own_words_are_left_alone():
    text = (
        "Dear Siobhan, order ORD-88X21 ships via DHL. See https://exmaple.com/trackng or write to suport@exmaple.com."
    )
    assert _flagged(text) == []
    assert _flagged("Your zorbulator is on its way.", known=frozenset({"zorbulator"})) == []
    assert _flagged("Your zorbulator is on its way.")[0][1] == "zorbulator"
    assert _flagged("the\nthe") == []  # a line break between them is a list or a heading, not a slip


def test_german_and_french_are_spelt_checked_and_spanish_only_for_repeated_words():
    assert [w for _k, w, _s in _flagged("Wir schiken Ihnen die Karte morgen.", "de")] == ["schiken"]
    assert [w for _k, w, _s in _flagged("Merci pour votre mesage.", "fr")] == ["mesage"]
    # pyspellchecker's Spanish list lacks everyday words ("gracias"): Spanish spelling is left to the browser.
    assert _flagged("Muchas gracias por su mensage, le enviamos la la tarjeta.", "es") == [
        ("repeated", "la la", ["la"])
    ]


def test_a_tickets_draft_knows_the_conversation_and_reads_in_the_requesters_language(db_url):
    agent = make_user(Role.agent)
    customer = make_user(Role.customer, name="Oksana Wrzesniewska")
    with write_session() as s:
        s.get(User, customer.id).locale = "de"
    ticket = make_ticket(by=customer, requester=customer, subject="Zorbulator kaputt", body="Mein Zorbulator piept.")
    with read_session() as s:
        reply = spelling.check_draft(
            s,
            actor=Actor.for_user(agent),
            data=spelling.SpellingRequest(
                text="Hallo Frau Wrzesniewska, der zorbulator piept nicht mher.", ticket_id=ticket.id
            ),
        )
        assert (reply.locale, reply.spelling_checked) == ("de", True)
        assert [i.word for i in reply.issues] == ["mher"]
        note = spelling.check_draft(
            s,
            actor=Actor.for_user(agent),
            data=spelling.SpellingRequest(text="Customer is upsett.", ticket_id=ticket.id, internal=True),
        )
        assert note.locale == "en" and [i.word for i in note.issues] == ["upsett"]
        with pytest.raises(PermissionDenied):
            spelling.check_draft(s, actor=Actor.for_user(customer), data=spelling.SpellingRequest(text="hi"))
