"""The notification mails' words: one template per event, each as plain text and as HTML.

Every value that came from a person (names, subjects, reply text, the desk's name) is escaped in the HTML part;
the plain part carries it as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class TicketFacts:
    desk: str
    number: int
    subject: str
    link: str  # the ticket's page for the recipient (portal for customers, agent page for staff)
    recipient_name: str
    unsubscribe_link: str | None  # customers' mails only


def one_line(value: str) -> str:
    """A value fit for a header: a line break in it would end the header (and mail headers must not)."""
    return " ".join(value.split())


def _paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs, escaped, its line breaks kept."""
    blocks = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def _text_footer(facts: TicketFacts) -> str:
    lines = ["", "--", f"{facts.desk} · request #{facts.number}"]
    if facts.unsubscribe_link:
        lines.append(f"Stop these e-mails: {facts.unsubscribe_link}")
    return "\n".join(lines) + "\n"


def _html(facts: TicketFacts, body: str, *, button: str) -> str:
    footer = f"{escape(facts.desk)} · request #{facts.number}"
    if facts.unsubscribe_link:
        footer += f' · <a href="{escape(facts.unsubscribe_link)}" style="color:#6b7280">Stop these e-mails</a>'
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="margin:0;padding:24px;background:#f6f7f9;'
        'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2937">'
        '<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb;'
        'border-radius:8px;padding:24px">'
        f'<p style="margin-top:0;color:#6b7280;font-size:13px">{escape(facts.desk)}</p>'
        f"{body}"
        f'<p style="margin:24px 0 0"><a href="{escape(facts.link)}" style="background:#3e63dd;color:#ffffff;'
        f'padding:10px 16px;border-radius:6px;text-decoration:none;display:inline-block">{escape(button)}</a></p>'
        "</div>"
        f'<p style="max-width:560px;margin:12px auto 0;color:#6b7280;font-size:12px">{footer}</p>'
        "</body></html>"
    )


def ticket_created(facts: TicketFacts) -> Rendered:
    subject = f"[#{facts.number}] We received your request: {one_line(facts.subject)}"
    text = (
        f"Hello {facts.recipient_name},\n\n"
        f"Thank you for contacting {facts.desk}. Your request has the number #{facts.number}:\n\n"
        f"  {facts.subject}\n\n"
        "We will answer as soon as we can. You can reply to this e-mail or follow your request here:\n\n"
        f"{facts.link}\n" + _text_footer(facts)
    )
    body = (
        f"<p>Hello {escape(facts.recipient_name)},</p>"
        f"<p>Thank you for contacting {escape(facts.desk)}. Your request has the number "
        f"<strong>#{facts.number}</strong>:</p>"
        f'<p style="padding:8px 12px;background:#f3f4f6;border-radius:6px">{escape(facts.subject)}</p>'
        "<p>We will answer as soon as we can. You can reply to this e-mail or follow your request online.</p>"
    )
    return Rendered(subject, text, _html(facts, body, button="View your request"))


def agent_replied(facts: TicketFacts, *, author: str, reply: str) -> Rendered:
    subject = f"[#{facts.number}] New reply: {one_line(facts.subject)}"
    text = (
        f"Hello {facts.recipient_name},\n\n{author} replied to your request #{facts.number}:\n\n"
        f"{reply.strip()}\n\n"
        f"Reply to this e-mail or answer here:\n\n{facts.link}\n" + _text_footer(facts)
    )
    body = (
        f"<p>Hello {escape(facts.recipient_name)},</p>"
        f"<p>{escape(author)} replied to your request <strong>#{facts.number}</strong>:</p>"
        f'<div style="border-left:3px solid #3e63dd;padding:4px 12px;margin:12px 0">{_paragraphs(reply)}</div>'
    )
    return Rendered(subject, text, _html(facts, body, button="Answer online"))


def ticket_solved(facts: TicketFacts) -> Rendered:
    subject = f"[#{facts.number}] Your request is solved: {one_line(facts.subject)}"
    text = (
        f"Hello {facts.recipient_name},\n\nWe marked your request #{facts.number} as solved:\n\n"
        f"  {facts.subject}\n\n"
        "How did we do? Rate our help on your request's page:\n\n"
        f"{facts.link}\n\n"
        "If something is still wrong, reply to this e-mail and we will look again.\n" + _text_footer(facts)
    )
    body = (
        f"<p>Hello {escape(facts.recipient_name)},</p>"
        f"<p>We marked your request <strong>#{facts.number}</strong> as solved:</p>"
        f'<p style="padding:8px 12px;background:#f3f4f6;border-radius:6px">{escape(facts.subject)}</p>'
        "<p>How did we do? Rate our help on your request's page. If something is still wrong, reply to this "
        "e-mail and we will look again.</p>"
    )
    return Rendered(subject, text, _html(facts, body, button="Rate our help"))


def ticket_assigned(facts: TicketFacts, *, assigned_by: str, requester: str) -> Rendered:
    subject = f"[#{facts.number}] Assigned to you: {one_line(facts.subject)}"
    text = (
        f"Hello {facts.recipient_name},\n\n{assigned_by} assigned ticket #{facts.number} to you.\n\n"
        f"  {facts.subject}\n  Requester: {requester}\n\n{facts.link}\n" + _text_footer(facts)
    )
    body = (
        f"<p>Hello {escape(facts.recipient_name)},</p>"
        f"<p>{escape(assigned_by)} assigned ticket <strong>#{facts.number}</strong> to you.</p>"
        f'<p style="padding:8px 12px;background:#f3f4f6;border-radius:6px">{escape(facts.subject)}<br>'
        f'<span style="color:#6b7280">Requester: {escape(requester)}</span></p>'
    )
    return Rendered(subject, text, _html(facts, body, button="Open the ticket"))
