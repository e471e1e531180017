"""Plain helpers that turn service data into what screens show. No Reflex, no database."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from autocrm.core import i18n
from autocrm.core.validation_text import validation_message
from autocrm.models import StatusCategory
from autocrm.models.enums import CHANNEL_LABELS
from autocrm.services.content import SHOWN_ATTACHMENT, shown_on_pages
from autocrm.services.errors import DomainError, ValidationFailed
from autocrm.services.tickets import PREVIEWABLE_ATTACHMENT_TYPES, RATEABLE_CATEGORIES
from autocrm.state.roles import STAFF


def _parse(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def form_text(form: dict[str, Any], key: str) -> str:
    """A text field of a submitted form ('' when the browser sent none, or something else)."""
    value = form.get(key)
    return value if isinstance(value, str) else ""


def relative_time(value: datetime | str | None, *, now: datetime | None = None) -> str:
    """'just now', '5 min. ago', 'yesterday', '4 days ago', then a date: in the reader's language and zone."""
    when = _parse(value)
    return i18n.format_relative(when, now=now) if when is not None else ""


def exact_time(value: datetime | str | None) -> str:
    """The exact time in the reader's language and time zone, the zone named (the hover of a relative time)."""
    when = _parse(value)
    return i18n.format_datetime(when) if when is not None else ""


def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace(".", " ").split() if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def field_errors(exc: DomainError) -> dict[str, str]:
    """Per-field messages for a domain error: the sentence itself when only one field is at fault."""
    details = {k: v for k, v in (exc.details or {}).items() if isinstance(v, str)}
    if len(details) == 1:
        return {next(iter(details)): exc.message}
    return {key: (value[:1].upper() + value[1:]) for key, value in details.items()}


def refusals(*checks: Callable[[], object]) -> dict[str, str]:
    """The field messages of every one of a service's `checks` that refuses, so a form shows them all at once."""
    messages: dict[str, str] = {}
    for check in checks:
        try:
            check()
        except ValidationFailed as exc:
            messages.update(field_errors(exc))
    return messages


def _in_sentence(label: str) -> str:
    """A field's label inside a sentence: lower case, except in German, where nouns keep their capital."""
    return label if i18n.get_locale() == "de" else label.lower()


def validation_errors(exc: ValidationError, labels: dict[str, str] | None = None) -> dict[str, str]:
    """Field messages for an input shape that refused the form (empty or over-long fields), in the reader's
    language; `labels` (msgids) name the form's fields in them."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "form"
        kind = error.get("type", "")
        label = _in_sentence(i18n.t(labels[field])) if labels and field in labels else ""
        limit = (error.get("ctx") or {}).get("max_length")
        reason = str((error.get("ctx") or {}).get("error") or "")
        if label and kind in ("missing", "string_too_short"):
            message = i18n.t("Enter a {label}.", label=label)
        elif label and kind == "value_error" and reason:  # a validator's own words, already translated
            message = i18n.t("The {label} {reason}.", label=label, reason=reason)
        elif label and kind == "string_too_long" and isinstance(limit, int):
            message = i18n.ngettext(
                "Keep the {label} under {n} character.", "Keep the {label} under {n} characters.", limit, label=label
            )
        else:
            message = validation_message(error)
        errors.setdefault(field, message)
    return errors


def refusal_messages(
    exc: DomainError | ValidationError, *, fields: Collection[str] = (), labels: Mapping[str, str] | None = None
) -> tuple[dict[str, str], str]:
    """A refused write as a form shows it: (messages for the `fields` the form shows, the form-level message).
    Whatever is not about a shown field (no field at all, or one the form lacks, like a reset link's token)
    is the form-level message."""
    per_field = field_errors(exc) if isinstance(exc, DomainError) else validation_errors(exc, dict(labels or {}))
    shown = {key: message for key, message in per_field.items() if key in fields}
    others = [message for key, message in per_field.items() if key not in fields]
    if shown and not others:
        return shown, ""
    if isinstance(exc, DomainError):
        return shown, exc.message
    return shown, others[0] if others else i18n.t("That input is not valid.")


# What a queue row shows: each tab holds a page of these and gets them again at every live update, so only these.
QUEUE_ROW_FIELDS = (
    "id", "number", "subject", "status_category", "status_name", "priority", "priority_name",
    "requester_name", "requester_initials", "assignee_name", "updated_rel", "updated_exact",
    "team_name", "channel_name", "created_rel", "created_exact",
)  # fmt: skip


def queue_row(ticket: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """A ticket as the agent's queue lists it (`fresh`: someone else changed it since the agent looked)."""
    row = ticket_row(ticket, now=now)
    return {field: row[field] for field in QUEUE_ROW_FIELDS} | {"fresh": False}


def ticket_row(ticket: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """A ticket's staff shape plus the strings a list shows (relative and exact times, initials)."""
    row = _ticket_display(ticket, now=now)
    requester = ticket.get("requester") or {}
    assignee = ticket.get("assignee") or {}
    row["requester_name"] = requester.get("name", "")
    row["requester_email"] = requester.get("email") or ""
    row["requester_initials"] = initials(requester.get("name"))
    row["assignee_name"] = assignee.get("name", "") if assignee else ""
    row["assignee_id_str"] = str(assignee["id"]) if assignee else "none"
    team = ticket.get("team") or {}
    row["team_name"] = team.get("name", "") if team else ""
    channel = str(ticket.get("channel") or "")
    row["channel_name"] = i18n.t(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else channel
    return row


def customer_ticket_row(ticket: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """A ticket's customer shape (`tickets.CustomerTicket`) plus the strings the portal shows: nothing more."""
    return _ticket_display(ticket, now=now)


def _ticket_display(ticket: dict[str, Any], *, now: datetime | None) -> dict[str, Any]:
    row = dict(ticket)
    row["updated_rel"] = relative_time(ticket.get("updated_at"), now=now)
    row["updated_exact"] = exact_time(ticket.get("updated_at"))
    row["created_rel"] = relative_time(ticket.get("created_at"), now=now)
    row["created_exact"] = exact_time(ticket.get("created_at"))
    row["has_rating"] = ticket.get("rating") is not None
    row["rating"] = ticket.get("rating") or 0
    row["rating_comment"] = ticket.get("rating_comment") or ""
    row["is_done"] = ticket.get("status_category") in RATEABLE_CATEGORIES
    row["is_closed"] = ticket.get("status_category") == StatusCategory.closed
    original = ticket.get("follow_up_of") or {}
    row["follow_up_of_id"] = original.get("id") or 0
    row["follow_up_of_number"] = original.get("number") or 0
    # The custom fields an admin lets customers see (the shape holds no others), as "label: value".
    row["shown_fields"] = [
        {"label": f.get("label", ""), "value": _field_text(f.get("value"))} for f in ticket.get("fields") or []
    ]
    row["has_fields"] = bool(row["shown_fields"])
    return row


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return i18n.t("Yes") if value else i18n.t("No")
    if isinstance(value, int | float):
        return i18n.format_number(value)
    return str(value)


FILES_PATH = "/api/files"


def file_size(size: int) -> str:
    """ "512 B", "48 KB", "3.2 MB": in the reader's number format."""
    if size < 1024:
        return i18n.t("{n} B", n=size)
    if size < 1024 * 1024:
        return i18n.t("{n} KB", n=i18n.format_number(round(size / 1024)))
    return i18n.t("{n} MB", n=i18n.format_number(round(size / (1024 * 1024), 1)))


def attachment_rows(attachments: list[dict[str, Any]] | None, *, shown: str = "") -> list[dict[str, Any]]:
    """A message's files as links: a download for each, a preview for the images its body (`shown`, sanitized
    HTML) does not show already."""
    inline = {int(found) for found in SHOWN_ATTACHMENT.findall(shown)}
    return [
        {
            "id": attachment["id"],
            "filename": attachment["filename"],
            "size": file_size(int(attachment.get("size") or 0)),
            "href": f"{FILES_PATH}/{attachment['id']}",
            "preview": attachment.get("content_type") in PREVIEWABLE_ATTACHMENT_TYPES
            and int(attachment["id"]) not in inline,
            "preview_href": f"{FILES_PATH}/{attachment['id']}?preview=true",
        }
        for attachment in attachments or []
    ]


def message_row(message: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    row = dict(message)
    row["body_html"] = shown_on_pages(str(message.get("body_html") or ""))
    row["attachments"] = attachment_rows(message.get("attachments"), shown=str(message.get("body_html") or ""))
    author = message.get("author") or {}
    row["author_name"] = author.get("name") or i18n.t("System")
    row["author_initials"] = initials(author.get("name") or "System")
    row["author_is_staff"] = (author.get("role") or "") in STAFF
    row["created_rel"] = relative_time(message.get("created_at"), now=now)
    row["created_exact"] = exact_time(message.get("created_at"))
    return row


def customer_message_row(message: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """A public message as the requester sees it (`tickets.CustomerMessage`), in the timeline's row keys."""
    row = dict(message)
    row["body_html"] = shown_on_pages(str(message.get("body_html") or ""))
    row["attachments"] = attachment_rows(message.get("attachments"), shown=str(message.get("body_html") or ""))
    name = i18n.t("You") if message.get("by_you") else (message.get("author_name") or i18n.t("Support"))
    row["internal"] = False
    row["author_name"] = name
    row["author_initials"] = initials(message.get("author_name") or name)
    row["author_is_staff"] = bool(message.get("by_staff"))
    row["created_rel"] = relative_time(message.get("created_at"), now=now)
    row["created_exact"] = exact_time(message.get("created_at"))
    return row


# A change's field as people read it (the timeline's change lines).
_CHANGE_FIELD_NAMES = {
    "status": i18n.N_("Status"),
    "priority": i18n.N_("Priority"),
    "assignee": i18n.N_("Assignee"),
    "team": i18n.N_("Team"),
    "fields": i18n.N_("Fields"),
    "subject": i18n.N_("Subject"),
    "due_at": i18n.N_("Due date"),
    "skills": i18n.N_("Required skills"),
    "sla_policy": i18n.N_("SLA policy"),
}


def _change_value(change: Mapping[str, Any], side: str) -> str:
    value, label = change.get(side), str(change.get(f"{side}_label") or "")
    if change.get("field") == "due_at" and isinstance(value, str):
        return exact_time(value)
    if change.get("field") in ("status", "priority"):
        return i18n.t(label)  # the desk's default names are msgids; a desk's own ones come back as they are
    return label


def change_lines(change: Mapping[str, Any]) -> list[str]:
    """One field's change as sentences in the reader's language: tags say what was added and removed."""
    field = str(change.get("field") or "")
    before, after = change.get("before"), change.get("after")
    if field == "tags":
        had = [str(tag) for tag in before or []]
        has = [str(tag) for tag in after or []]
        added, removed = [tag for tag in has if tag not in had], [tag for tag in had if tag not in has]
        lines = []
        if added:
            lines.append(i18n.t("Tags added: {tags}", tags=", ".join(added)))
        if removed:
            lines.append(i18n.t("Tags removed: {tags}", tags=", ".join(removed)))
        return lines
    name = i18n.t(_CHANGE_FIELD_NAMES.get(field, field))
    if field == "assignee" and after is None:
        return [i18n.t("Unassigned (was {before})", before=_change_value(change, "before"))]
    if before in (None, "", {}, []):
        return [i18n.t("{field} set to {after}", field=name, after=_change_value(change, "after"))]
    if after in (None, "", {}, []):
        return [i18n.t("{field} cleared (was {before})", field=name, before=_change_value(change, "before"))]
    return [
        i18n.t(
            "{field}: {before} → {after}",
            field=name,
            before=_change_value(change, "before"),
            after=_change_value(change, "after"),
        )
    ]


def timeline_row(entry: Mapping[str, Any], position: int, *, now: datetime | None = None) -> dict[str, Any]:
    """One timeline entry (`tickets.TimelineEntry`) for the agent's ticket page: a message keeps the
    conversation's row keys under "message"; a change becomes sentences, a rating its stars."""
    kind = str(entry.get("kind"))
    actor = entry.get("actor") or {}
    who = actor.get("name") or (
        i18n.t("A routing rule") if entry.get("actor_label") == "rule" else str(entry.get("actor_label") or "")
    )
    lines: list[str] = []
    if kind == "change":
        for change in entry.get("changes") or []:
            lines.extend(change_lines(change))
        macro = entry.get("macro")
        if macro:
            lines.insert(0, i18n.t("Applied a macro (version {version})", version=macro.get("version", "")))
    elif kind == "rating":
        lines.append(i18n.t("Rated the answer {score} out of 5", score=entry.get("score") or 0))
    call = entry.get("call") or {}
    call_label = ""
    if kind == "call":
        length = i18n.format_duration(int(call.get("duration_seconds") or 0))
        call_label = (
            i18n.t("Incoming call · {length}", length=length)
            if call.get("direction") == "inbound"
            else i18n.t("Outgoing call · {length}", length=length)
        )
    message = entry.get("message")
    return {
        "key": f"{kind}-{position}",
        "call_label": call_label,
        "kind": kind,
        "message": message_row(message, now=now) if message else {},
        "actor_name": who or i18n.t("System"),
        "lines": lines,
        "score": int(entry.get("score") or 0),
        "at_rel": relative_time(entry.get("at"), now=now),
        "at_exact": exact_time(entry.get("at")),
    }


def _local_time(zone_name: str | None, now: datetime | None) -> str:
    if not zone_name:
        return ""
    with i18n.using_time_zone(zone_name):
        return i18n.format_time_of_day(now or datetime.now(UTC))


def requester_row(context: Mapping[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The requester's context (`tickets.RequesterContext`) for the ticket page's side panel."""
    average = context.get("satisfaction_average")
    return {
        "id": context.get("id"),
        "name": context.get("name") or "",
        "initials": initials(context.get("name")),
        "email": context.get("email") or "",
        "organization": context.get("organization") or "",
        "local_time": _local_time(context.get("time_zone"), now),
        "time_zone": context.get("time_zone") or "",
        "customer_since": i18n.format_date(_parse(context["customer_since"]) or datetime.now(UTC))
        if context.get("customer_since")
        else "",
        "open_tickets": i18n.ngettext(
            "{n} open ticket",
            "{n} open tickets",
            int(context.get("open_tickets") or 0),
            n=int(context.get("open_tickets") or 0),
        ),
        "has_average": average is not None,
        "average": i18n.format_number(round(float(average), 1)) if average is not None else "",
        "ratings": [
            {
                "ticket_id": rating["ticket_id"],
                "number": rating["ticket_number"],
                "score": int(rating["score"]),
                "comment": rating.get("comment") or "",
            }
            for rating in (context.get("ratings") or [])[:5]
        ],
        "previous": [
            {
                "id": ticket["id"],
                "number": ticket["number"],
                "subject": ticket["subject"],
                "status_name": ticket["status_name"],
                "status_category": ticket["status_category"],
                "updated_rel": relative_time(ticket.get("updated_at"), now=now),
            }
            for ticket in context.get("previous_tickets") or []
        ],
    }
