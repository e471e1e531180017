"""The notification mails' words: one template per event, each as plain text and as HTML.

Every value that came from a person (names, subjects, reply text, the desk's name) is escaped in the HTML part;
the plain part carries it as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from autocrm.core.i18n import get_locale, t


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
    lines = ["", "--", t("{desk} · request #{number}", desk=facts.desk, number=facts.number)]
    if facts.unsubscribe_link:
        lines.append(t("Stop these e-mails: {link}", link=facts.unsubscribe_link))
    return "\n".join(lines) + "\n"


def _html(facts: TicketFacts, body: str, *, button: str) -> str:
    footer = escape(t("{desk} · request #{number}", desk=facts.desk, number=facts.number))
    if facts.unsubscribe_link:
        stop = escape(t("Stop these e-mails"))
        footer += f' · <a href="{escape(facts.unsubscribe_link)}" style="color:#6b7280">{stop}</a>'
    return (
        f'<!doctype html><html lang="{escape(get_locale())}"><head><meta charset="utf-8">'
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


def _hello(facts: TicketFacts) -> str:
    return t("Hello {name},", name=facts.recipient_name)


def _boxed(value: str) -> str:
    return f'<p style="padding:8px 12px;background:#f3f4f6;border-radius:6px" dir="auto">{escape(value)}</p>'


def _bold_number(facts: TicketFacts) -> str:
    return f"<strong>#{facts.number}</strong>"


# The templates render in the current locale: the sender wraps each in `i18n.using_locale(recipient's)`.
# HTML parts fill placeholders with escaped values (and the number's <strong>), so translations stay plain text.


def ticket_created(facts: TicketFacts) -> Rendered:
    subject = t("[#{number}] We received your request: {subject}", number=facts.number, subject=one_line(facts.subject))
    thanks = t(
        "Thank you for contacting {desk}. Your request has the number {number}:", desk="{desk}", number="{number}"
    )
    answer = t("We will answer as soon as we can. You can reply to this e-mail or follow your request here:")
    online = t("We will answer as soon as we can. You can reply to this e-mail or follow your request online.")
    text = (
        f"{_hello(facts)}\n\n"
        + thanks.format(desk=facts.desk, number=f"#{facts.number}")
        + f"\n\n  {facts.subject}\n\n{answer}\n\n{facts.link}\n"
        + _text_footer(facts)
    )
    body = (
        f"<p>{escape(_hello(facts))}</p>"
        f"<p>{escape(thanks).format(desk=escape(facts.desk), number=_bold_number(facts))}</p>"
        f"{_boxed(facts.subject)}"
        f"<p>{escape(online)}</p>"
    )
    return Rendered(subject, text, _html(facts, body, button=t("View your request")))


def agent_replied(facts: TicketFacts, *, author: str, reply: str) -> Rendered:
    subject = t("[#{number}] New reply: {subject}", number=facts.number, subject=one_line(facts.subject))
    replied = t("{author} replied to your request {number}:", author="{author}", number="{number}")
    text = (
        f"{_hello(facts)}\n\n"
        + replied.format(author=author, number=f"#{facts.number}")
        + f"\n\n{reply.strip()}\n\n"
        + t("Reply to this e-mail or answer here:")
        + f"\n\n{facts.link}\n"
        + _text_footer(facts)
    )
    body = (
        f"<p>{escape(_hello(facts))}</p>"
        f"<p>{escape(replied).format(author=escape(author), number=_bold_number(facts))}</p>"
        f'<div style="border-left:3px solid #3e63dd;padding:4px 12px;margin:12px 0" dir="auto">{_paragraphs(reply)}</div>'
    )
    return Rendered(subject, text, _html(facts, body, button=t("Answer online")))


def ticket_solved(facts: TicketFacts) -> Rendered:
    subject = t("[#{number}] Your request is solved: {subject}", number=facts.number, subject=one_line(facts.subject))
    solved = t("We marked your request {number} as solved:", number="{number}")
    text = (
        f"{_hello(facts)}\n\n"
        + solved.format(number=f"#{facts.number}")
        + f"\n\n  {facts.subject}\n\n"
        + t("How did we do? Rate our help on your request's page:")
        + f"\n\n{facts.link}\n\n"
        + t("If something is still wrong, reply to this e-mail and we will look again.")
        + "\n"
        + _text_footer(facts)
    )
    body = (
        f"<p>{escape(_hello(facts))}</p>"
        f"<p>{escape(solved).format(number=_bold_number(facts))}</p>"
        f"{_boxed(facts.subject)}"
        "<p>"
        + escape(
            t(
                "How did we do? Rate our help on your request's page. "
                "If something is still wrong, reply to this e-mail and we will look again."
            )
        )
        + "</p>"
    )
    return Rendered(subject, text, _html(facts, body, button=t("Rate our help")))


def ticket_assigned(facts: TicketFacts, *, assigned_by: str, requester: str) -> Rendered:
    subject = t("[#{number}] Assigned to you: {subject}", number=facts.number, subject=one_line(facts.subject))
    assigned = t("{person} assigned ticket {number} to you.", person="{person}", number="{number}")
    requester_line = t("Requester: {name}", name=requester)
    text = (
        f"{_hello(facts)}\n\n"
        + assigned.format(person=assigned_by, number=f"#{facts.number}")
        + f"\n\n  {facts.subject}\n  {requester_line}\n\n{facts.link}\n"
        + _text_footer(facts)
    )
    body = (
        f"<p>{escape(_hello(facts))}</p>"
        f"<p>{escape(assigned).format(person=escape(assigned_by), number=_bold_number(facts))}</p>"
        f'<p style="padding:8px 12px;background:#f3f4f6;border-radius:6px">{escape(facts.subject)}<br>'
        f'<span style="color:#6b7280">{escape(requester_line)}</span></p>'
    )
    return Rendered(subject, text, _html(facts, body, button=t("Open the ticket")))


def mentioned(facts: TicketFacts, *, by: str, excerpt: str) -> Rendered:
    """A teammate @mentioned the agent in an internal note: what they wrote, and the ticket's link."""
    subject = t(
        "[#{number}] {person} mentioned you: {subject}", number=facts.number, person=by, subject=one_line(facts.subject)
    )
    said = t("{person} mentioned you in an internal note on ticket {number}:", person="{person}", number="{number}")
    text = (
        f"{_hello(facts)}\n\n"
        + said.format(person=by, number=f"#{facts.number}")
        + f"\n\n  {excerpt}\n\n{facts.link}\n"
        + _text_footer(facts)
    )
    body = (
        f"<p>{escape(_hello(facts))}</p>"
        f"<p>{escape(said).format(person=escape(by), number=_bold_number(facts))}</p>"
        f'<p style="padding:8px 12px;background:#fefce8;border-left:3px solid #eab308;border-radius:6px">'
        f"{escape(excerpt)}</p>"
    )
    return Rendered(subject, text, _html(facts, body, button=t("Open the ticket")))
