"""What a ticket's writers may put in it: review findings 11, 16 and 18 of the security review (issue 13)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.content import sanitize_html
from autocrm.services.errors import PermissionDenied
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketUpdate
from tests.factories import make_message, make_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    "html",
    [
        '<img src="/api/session/logout">',
        '<img src="//tracker.example/pixel.gif">',
        '<img src="https://tracker.example/pixel.gif?who=me">',
        '<img src="/api/v1/attachments/7">',  # an attachment, but not one this message may show
    ],
)
def test_images_other_than_the_tickets_own_files_lose_their_source(html):
    assert "src" not in sanitize_html(html)


def test_links_go_to_absolute_web_or_mail_addresses_only():
    kept = sanitize_html('<a href="https://bank.example/help">help</a> <a href="mailto:help@bank.example">mail</a>')
    assert 'href="https://bank.example/help"' in kept and 'href="mailto:help@bank.example"' in kept
    for href in ("/api/session/logout", "//evil.example/x", "javascript:alert(1)", "help.html", "http:///x"):
        assert "href" not in sanitize_html(f'<a href="{href}">x</a>'), href
    assert 'src="/api/v1/attachments/7"' in sanitize_html('<img src="/api/v1/attachments/7">', images=frozenset({7}))


def test_a_reply_may_show_the_tickets_own_attachments_only(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    ticket, other = make_ticket(by=customer), make_ticket(by=customer, subject="Another")
    staff = Actor.for_user(agent)
    with write_session() as s:
        note = tickets.add_message(s, actor=staff, ticket_id=ticket.id, data=MessageCreate(body="Screenshot")).message
        own = tickets.add_attachment(
            s, actor=staff, ticket_id=ticket.id, message_id=note.id, filename="a.png", data=PNG
        )
        elsewhere = make_message(s, ticket_id=other.id, by=agent, body="Elsewhere")
        foreign = tickets.add_attachment(
            s, actor=staff, ticket_id=other.id, message_id=elsewhere.id, filename="b.png", data=PNG
        )
    body = f'<p><img src="/api/v1/attachments/{own.id}"><img src="/api/v1/attachments/{foreign.id}"></p>'
    with write_session() as s:
        reply = tickets.add_message(s, actor=staff, ticket_id=ticket.id, data=MessageCreate(body=body)).message
    assert f'src="/api/v1/attachments/{own.id}"' in reply.body_html
    assert f"attachments/{foreign.id}" not in reply.body_html


def test_files_go_only_on_a_message_of_ones_own(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    ticket = make_ticket(by=customer)
    staff_reply = make_message(ticket_id=ticket.id, by=agent, body="Here is the form")
    with read_session() as s:
        own_message = tickets.customer_messages(s, actor=Actor.for_user(customer), ticket_id=ticket.id)[0]
    with write_session() as s, pytest.raises(PermissionDenied):
        tickets.add_attachment(
            s,
            actor=Actor.for_user(customer),
            ticket_id=ticket.id,
            message_id=staff_reply.id,
            filename="x.png",
            data=PNG,
        )
    with write_session() as s:
        stored = tickets.add_attachment(
            s,
            actor=Actor.for_user(customer),
            ticket_id=ticket.id,
            message_id=own_message.id,
            filename="x.png",
            data=PNG,
        )
    assert stored.filename == "x.png"


def test_channels_are_staffs_and_customers_formatting_is_sanitized(people):
    customer, agent = people.make(Role.customer), people.make(Role.agent)
    requester = Actor.for_user(customer)
    ticket = make_ticket(by=customer)
    refused = [
        lambda s: tickets.create_ticket(s, actor=requester, data=TicketCreate(subject="x", body="y", channel="phone")),
        lambda s: tickets.add_message(
            s, actor=requester, ticket_id=ticket.id, data=MessageCreate(body="y", channel="sms")
        ),
    ]
    for write in refused:
        with write_session() as s, pytest.raises(PermissionDenied):
            write(s)
    with write_session() as s:  # what a customer types is text, shown as typed
        typed = tickets.add_message(
            s, actor=requester, ticket_id=ticket.id, data=MessageCreate(body="a <b>b</b>")
        ).message
        # The portal's editor sends HTML: its formatting stays, its scripts and handlers do not.
        formatted = tickets.add_message(
            s,
            actor=requester,
            ticket_id=ticket.id,
            data=MessageCreate(
                body='<p><b>y</b> <a href="javascript:alert(1)" onclick="x()">z</a><script>x()</script></p>',
                body_format="html",
            ),
        ).message
        logged = tickets.create_ticket(
            s,
            actor=Actor.for_user(agent),
            data=TicketCreate(
                subject="Call", body="<p>Called <b>twice</b></p>", channel="phone", requester_id=customer.id
            ),
        )
    assert typed.body_text == "a <b>b</b>" and "&lt;b&gt;" in typed.body_html
    assert formatted.body_html == '<p><b>y</b> <a rel="noopener noreferrer nofollow">z</a></p>'
    assert logged.channel == "phone"


@pytest.mark.parametrize(
    "subject",
    [
        "Refund \u202egpj.exe",  # right-to-left override: reads as "Refund exe.jpg"
        "Invoice\u200b 42",  # zero-width space
        "Line\x07bell",
        "Hidden\u2066isolate\u2069",
    ],
)
def test_subjects_refuse_invisible_and_direction_characters(subject):
    with pytest.raises(ValidationError):
        TicketCreate(subject=subject, body="x")
    with pytest.raises(ValidationError):
        TicketUpdate(subject=subject)


def test_subjects_keep_every_printable_script_on_one_line():
    assert TicketCreate(subject="  Zahlung   fehlgeschlagen\n  💳 ", body="x").subject == "Zahlung fehlgeschlagen 💳"
    assert TicketCreate(subject="退款 لم يصل", body="x").subject == "退款 لم يصل"
