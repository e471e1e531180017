"""Batched ticket import: many tickets with their conversations per transaction, same rules as one by one.

`import_tickets` validates a whole batch exactly like `tickets.create_ticket` and `add_message` would
(status and priority names, the requester, staff assignees and note authors, the team, tag rules, custom
field definitions, HTML sanitizing and the body limit) but loads each vocabulary once per batch, then:

- reserves the batch's ticket numbers with ONE bump of the `ticket_number` counter row
  (`UPDATE counter SET value = value + n ... RETURNING value`), in the caller's transaction;
- bulk-inserts tickets, tags and messages. SQLite: one executemany each, the new ids mapped back by
  their reserved numbers with one indexed range read. PostgreSQL: ids drawn from the ticket sequence
  first and every row built before the counter row is locked; the tickets in one INSERT that also
  writes their whole search documents (see `autocrm.core.fulltext`), tags and messages by COPY;
- writes ONE audit entry, action `import.tickets`, with the counts and the number range.

A bad record raises `ValidationFailed` naming the record (`records[3].status`) before any row is written;
run each batch in its own `write_session()` and a failed batch leaves nothing behind. Full-text search
documents are kept by the database's triggers (`autocrm.core.fulltext`), as for every other write, except
that on PostgreSQL the import writes its tickets' documents itself (the triggers' own function) and tells
the message trigger so for its one COPY of messages.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import ARRAY, JSON, Integer, any_, bindparam, insert
from sqlmodel import Session, col, select

from autocrm.core import fulltext
from autocrm.core.db import stored_id, table_of
from autocrm.core.i18n import t
from autocrm.models import (
    Channel,
    Message,
    Role,
    StatusCategory,
    Team,
    Ticket,
    TicketTag,
    User,
)
from autocrm.models.base import utcnow
from autocrm.services import audit, desk, events, ticket_rules
from autocrm.services.actor import TICKETS_WRITE, Actor
from autocrm.services.errors import DomainError, ValidationFailed
from autocrm.services.inputs import DbId, ServiceInput, Subject, contains_nul
from autocrm.services.ticket_rules import AuthorKind, StatusTimes
from autocrm.services.tickets import MAX_TAGS, active_staff, clean_body, clean_tags, existing_team

MAX_BATCH = 5_000
MAX_MESSAGES = 500
CLOCK_SKEW = timedelta(minutes=5)  # the source system's clock may run a little ahead of ours


class ImportMessage(ServiceInput):
    author_id: DbId
    internal: bool = False
    body: str = Field(min_length=1, max_length=100_000)
    body_format: Literal["html", "text"] = "text"
    channel: Channel | None = None
    created_at: AwareDatetime


class ImportTicket(ServiceInput):
    subject: Subject
    status: str | None = Field(default=None, max_length=40)
    priority: str | None = Field(default=None, max_length=40)
    channel: Channel = Channel.email
    requester_id: DbId
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    messages: list[ImportMessage] = Field(min_length=1, max_length=MAX_MESSAGES)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # ServiceInput's check, without the messages: each is an ImportMessage and checks its own fields, so
        # walking them here too would read every body twice.
        if contains_nul({k: v for k, v in data.items() if k != "messages"} if isinstance(data, dict) else data):
            raise ValueError("text must not contain NUL characters")
        return data


@dataclass
class ImportResult:
    tickets: int
    messages: int
    tags: int
    first_number: int
    last_number: int
    ticket_ids: list[int]
    audit_id: int


def _user_ids(postgresql: bool) -> Any:
    """`User.id` among the bound list `ids`. PostgreSQL: one array parameter (an IN list of a batch's ~1,000
    people costs more to render and parse than to run); SQLite: an expanding IN (no arrays there)."""
    if postgresql:
        return col(User.id) == any_(bindparam("ids", type_=ARRAY(Integer)))
    return col(User.id).in_(bindparam("ids", expanding=True))


@dataclass(frozen=True)
class _Person:
    id: int
    role: Any
    is_active: bool
    organization_id: int | None


class _Batch:
    """The vocabularies and people a batch refers to, loaded once (a fixed number of queries whatever the
    batch size). The reused single-ticket helpers (`desk.status_named`, `desk.priority_named`,
    `tickets.active_staff`, `tickets.existing_team`) then run once per DISTINCT value of the batch, their answer
    (or their error) remembered, and find their rows in the process's copy of the vocabularies or in the
    session's identity map: no SQL per record."""

    def __init__(self, session: Session, actor: Actor, records: list[ImportTicket]) -> None:
        self.session = session
        self.default_status = desk.first_status_in(session, StatusCategory.new)
        self.default_priority = desk.priority_named(session, None)
        self.definitions: dict[str, desk.CustomFieldInfo] = desk.custom_field_definitions(session)
        self.enforce_required = actor.is_staff and actor.user_id is not None
        user_ids = {r.requester_id for r in records} | {r.assignee_id for r in records if r.assignee_id is not None}
        user_ids |= {m.author_id for r in records for m in r.messages}
        ids = sorted(user_ids)
        self.people: dict[int, _Person] = {}
        self.staff: list[User] = []  # full rows for `active_staff`: a desk has few agents
        postgresql = session.get_bind().dialect.name == "postgresql"
        chunks = [ids] if postgresql else [ids[start : start + 5000] for start in range(0, len(ids), 5000)]
        for chunk in chunks:
            columns = select(User.id, User.role, User.is_active, User.organization_id).where(_user_ids(postgresql))
            # Core rows, not ORM ones: a batch names ~1,000 people and only these four columns are needed.
            self.people.update({row[0]: _Person(*row) for row in session.connection().execute(columns, {"ids": chunk})})
        staff_ids = [person.id for person in self.people.values() if person.role != Role.customer]
        if staff_ids:
            self.staff = list(session.exec(select(User).where(col(User.id).in_(staff_ids))))
        team_ids = sorted({r.team_id for r in records if r.team_id is not None})
        self.teams = list(session.exec(select(Team).where(col(Team.id).in_(team_ids)))) if team_ids else []
        self._memo: dict[tuple[str, Any], Any] = {}

    def once(self, kind: str, key: Any, check: Callable[[], Any]) -> Any:
        """`check()` for the first record with this key; later records get the same answer or error."""
        memo_key = (kind, key)
        if memo_key not in self._memo:
            try:
                self._memo[memo_key] = check()
            except DomainError as exc:
                self._memo[memo_key] = exc
        answer = self._memo[memo_key]
        if isinstance(answer, DomainError):
            raise ValidationFailed(answer.message, answer.details)
        return answer

    def custom_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """`desk.validate_custom_fields` for a new ticket, against the definitions loaded once per batch."""
        return desk.validate_custom_fields(
            self.session, values, enforce_required=self.enforce_required, definitions=self.definitions
        )

    def user(self, user_id: int) -> _Person | None:
        return self.people.get(user_id)


def _record_error(index: int, exc: DomainError, prefix: str = "") -> ValidationFailed:
    details = {f"records[{index}].{prefix}{field}": message for field, message in exc.details.items()} or {
        f"records[{index}]": exc.message
    }
    return ValidationFailed(t("Record {index}: {message}", index=index, message=exc.message), details)


def _parse(index: int, record: ImportTicket | dict[str, Any]) -> ImportTicket:
    if isinstance(record, ImportTicket):
        return record
    try:
        return ImportTicket.model_validate(record)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        name = f"records[{index}]{field}"
        raise ValidationFailed(
            t(
                "Record {index}: {value}: {value2}",
                index=index,
                value=field.lstrip(".") or "record",
                value2=error["msg"],
            ),
            {name: error["msg"]},
        ) from None


# A valid record: its ticket row, its tags and its message rows.
_Checked = tuple[dict[str, Any], list[str], list[dict[str, Any]]]


def _check(index: int, record: ImportTicket, batch: _Batch, now: datetime) -> _Checked:
    """The ticket row, its tags and its message rows, or ValidationFailed naming the record and field."""
    session = batch.session
    # Named here, narrowed: the lambdas below run once per batch and cannot see a narrowed attribute.
    status_key, priority_key, assignee_id, team_id = record.status, record.priority, record.assignee_id, record.team_id
    try:
        status = (
            batch.default_status
            if status_key is None
            else batch.once("status", status_key, lambda: desk.status_named(session, status_key))
        )
        priority = (
            batch.default_priority
            if priority_key is None
            else batch.once("priority", priority_key, lambda: desk.priority_named(session, priority_key))
        )
        requester = batch.user(record.requester_id)
        if requester is None or not requester.is_active:
            raise ValidationFailed(
                t("User {requester_id} does not exist.", requester_id=record.requester_id),
                {"requester_id": f"User {record.requester_id} does not exist."},
            )
        if assignee_id is not None:
            batch.once("assignee", assignee_id, lambda: active_staff(session, assignee_id, "assignee_id"))
        if team_id is not None:
            batch.once("team", team_id, lambda: existing_team(session, team_id))
        tags = batch.once("tags", tuple(record.tags), lambda: clean_tags(record.tags))
        custom_fields = batch.custom_fields(record.custom_fields)
        if record.created_at > now:
            raise ValidationFailed(t("created_at is in the future."), {"created_at": "must not be in the future"})
    except DomainError as exc:
        raise _record_error(index, exc) from None

    messages: list[dict[str, Any]] = []
    first_response_at = None
    last_at = record.created_at
    for position, m in enumerate(record.messages):
        prefix = f"messages[{position}]."
        try:
            author = batch.user(m.author_id)
            if author is None:
                raise ValidationFailed(
                    t("User {author_id} does not exist.", author_id=m.author_id),
                    {"author_id": f"User {m.author_id} does not exist."},
                )
            if m.internal and not author.role.is_staff:
                raise ValidationFailed(
                    t("Only agents and admins write internal notes."),
                    {"internal": "only staff authors write internal notes"},
                )
            if m.created_at < record.created_at:
                raise ValidationFailed(
                    t("A message is older than its ticket."),
                    {"created_at": "must not be before the ticket's created_at"},
                )
            # Imports repeat bodies (signatures, canned replies): each distinct one is cleaned once per batch.
            body_html, body_text = batch.once(
                "body", (m.body, m.body_format), functools.partial(clean_body, m.body, m.body_format)
            )
        except DomainError as exc:
            raise _record_error(index, exc, prefix) from None
        # Staff who asked for themselves are the customer of their own ticket: their replies answer nobody.
        kind = AuthorKind.staff if author.role.is_staff and author.id != requester.id else AuthorKind.customer
        first_response_at = ticket_rules.first_response_after(
            first_response_at, kind, internal=m.internal, at=m.created_at
        )
        last_at = max(last_at, m.created_at)
        messages.append(
            {
                "author_id": author.id,
                "api_key_id": None,
                "internal": m.internal,
                "channel": m.channel or record.channel,
                "body_html": body_html,
                "body_text": body_text,
                "created_at": m.created_at,
            }
        )
    updated_at = record.updated_at or last_at
    if updated_at < last_at:
        raise ValidationFailed(
            t("Record {index}: updated_at is older than the last message.", index=index),
            {f"records[{index}].updated_at": "must not be before the last message"},
        )
    # The ticket entered its status with its last change.
    times = ticket_rules.times_on_entering(status.category, StatusTimes(), at=updated_at)
    ticket = {
        "subject": record.subject,
        "status": status.key,
        "priority": priority.key,
        "channel": record.channel,
        "requester_id": requester.id,
        "organization_id": requester.organization_id,
        "assignee_id": record.assignee_id,
        "team_id": record.team_id,
        "custom_fields": custom_fields,
        "created_at": record.created_at,
        "updated_at": updated_at,
        # Its status was entered with its last change, and the requester sees the status.
        "customer_updated_at": updated_at,
        "first_response_at": first_response_at,
        "solved_at": times.solved_at,
        "closed_at": times.closed_at,
        "due_at": None,
    }
    return ticket, tags, messages


def _copy_values(table: Any, columns: list[str], rows: list[dict[str, Any]], dialect: Any) -> list[list[Any]]:
    """Rows as COPY takes them: each value through its column type's bind processing (JSON serialized)."""
    processors = [
        (dialect._json_serializer or json.dumps)
        if isinstance(table.c[name].type, JSON)
        else table.c[name].type.bind_processor(dialect)
        for name in columns
    ]
    return [[p(row[name]) if p else row[name] for name, p in zip(columns, processors, strict=True)] for row in rows]


def _copy(session: Session, table: Any, columns: list[str], values: list[list[Any]]) -> None:
    """PostgreSQL COPY of prepared rows (faster than a multi-row INSERT for bulk data)."""
    raw = session.connection().connection.driver_connection
    if raw is None:
        raise RuntimeError("COPY needs the driver's connection, and this one has been closed.")
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _tickets_json(dialect: Any, checked: list[_Checked], ids: list[int]) -> tuple[list[str], str]:
    """The ticket columns and one JSON array of the batch's tickets, each with its id, its position in the
    batch (its number is the first reserved number plus that) and the text of its public messages and of
    its notes, for the search document."""
    table = table_of(Ticket)
    names = list(checked[0][0])
    processors = {
        name: processor
        for name in names
        if not isinstance(table.c[name].type, JSON) and (processor := table.c[name].type.bind_processor(dialect))
    }
    records = []
    for position, (ticket_id, (ticket, _tags, messages)) in enumerate(zip(ids, checked, strict=True)):
        record = {name: processors[name](value) if name in processors else value for name, value in ticket.items()}
        record.update(
            id=ticket_id,
            ordinal=position,
            public_text=" ".join(m["body_text"] for m in messages if not m["internal"]),
            notes_text=" ".join(m["body_text"] for m in messages if m["internal"]),
        )
        records.append(record)
    return names, json.dumps(records, default=_json_value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _set_search_prebuilt(session: Session, on: bool) -> None:
    session.connection().exec_driver_sql(
        "SELECT set_config(%s, %s, true)", (fulltext.PREBUILT_SETTING, "on" if on else "off")
    )


def _write_postgresql(session: Session, checked: list[_Checked]) -> tuple[int, int, list[int], int, int]:
    """Ids drawn from the ticket table's own sequence before the ticket-number counter row is locked, so every
    row of the batch is built and serialized outside the window in which that lock is held (concurrent
    imports and new tickets queue on it until this transaction ends). Then one INSERT ... SELECT FROM
    json_to_recordset writes the tickets with their whole search documents (subject, public messages, notes,
    built by the function the triggers use), so a ticket row is written once, not inserted and then
    rewritten with all its GIN entries when its messages arrive; tags and messages go in by COPY."""
    connection = session.connection()
    dialect = connection.dialect
    ids = list(
        connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('ticket', 'id')) FROM generate_series(1, %s)", (len(checked),)
        ).scalars()
    )
    names, payload = _tickets_json(dialect, checked, ids)
    tag_rows = [
        {"ticket_id": tid, "tag": tag} for tid, (_t, tags, _m) in zip(ids, checked, strict=True) for tag in tags
    ]
    message_rows = [
        {**m, "ticket_id": tid} for tid, (_t, _tags, messages) in zip(ids, checked, strict=True) for m in messages
    ]
    message_columns = ["ticket_id", *checked[0][2][0].keys()]
    tag_values = _copy_values(table_of(TicketTag), ["ticket_id", "tag"], tag_rows, dialect)
    message_values = _copy_values(table_of(Message), message_columns, message_rows, dialect)
    table = table_of(Ticket)
    types = [
        f"{name} {'json' if isinstance(table.c[name].type, JSON) else table.c[name].type.compile(dialect=dialect)}"
        for name in names
    ]
    # Column names and types come from the model; the values travel as parameters.
    columns, typed = ", ".join(names), ", ".join(types)
    statement = (
        f"INSERT INTO {table.name} (id, number, {columns}, {fulltext.SEARCH_COLUMN}) "  # noqa: S608
        f"SELECT id, %s + ordinal, {columns}, autocrm_search_doc(subject, public_text, notes_text) "
        f"FROM json_to_recordset(%s::json) AS r(id integer, ordinal integer, {typed}, public_text text, notes_text text)"
    )

    first, last = desk.reserve_ticket_numbers(session, len(checked))
    connection.exec_driver_sql(statement, (first, payload))
    if tag_values:
        _copy(session, table_of(TicketTag), ["ticket_id", "tag"], tag_values)
    # The tickets' documents already hold these messages: the search trigger must not append them again.
    _set_search_prebuilt(session, True)
    _copy(session, table_of(Message), message_columns, message_values)
    _set_search_prebuilt(session, False)
    return first, last, ids, len(tag_rows), len(message_rows)


def _write_portable(session: Session, checked: list[_Checked]) -> tuple[int, int, list[int], int, int]:
    first, last = desk.reserve_ticket_numbers(session, len(checked))
    ticket_rows = [{**ticket, "number": first + offset} for offset, (ticket, _tags, _messages) in enumerate(checked)]
    # No RETURNING: SQLite cannot promise its order for a multi-row insert (SQLAlchemy would fall back to
    # one INSERT per row). The numbers are ours and unique, so one indexed range read maps them to ids.
    session.execute(insert(table_of(Ticket)), ticket_rows)
    id_of = dict(
        session.execute(select(Ticket.number, Ticket.id).where(col(Ticket.number) >= first, col(Ticket.number) <= last))
        .tuples()
        .all()
    )
    ids = [id_of[row["number"]] for row in ticket_rows]
    tag_rows = [
        {"ticket_id": tid, "tag": tag} for tid, (_t, tags, _m) in zip(ids, checked, strict=True) for tag in tags
    ]
    message_rows = [
        {**m, "ticket_id": tid} for tid, (_t, _tags, messages) in zip(ids, checked, strict=True) for m in messages
    ]
    if tag_rows:
        session.execute(insert(table_of(TicketTag)), tag_rows)
    session.execute(insert(table_of(Message)), message_rows)
    return first, last, ids, len(tag_rows), len(message_rows)


def import_tickets(session: Session, *, actor: Actor, records: Sequence[ImportTicket | dict[str, Any]]) -> ImportResult:
    """Imports one batch (at most MAX_BATCH tickets) into the caller's transaction; all or nothing."""
    actor.require_scope(TICKETS_WRITE)
    actor.require_admin()
    if not records:
        raise ValidationFailed(t("Nothing to import: the batch is empty."), {"records": "empty"})
    if len(records) > MAX_BATCH:
        raise ValidationFailed(
            t("A batch takes at most {MAX_BATCH} tickets.", MAX_BATCH=MAX_BATCH), {"records": f"more than {MAX_BATCH}"}
        )
    parsed = [_parse(index, record) for index, record in enumerate(records)]
    batch = _Batch(session, actor, parsed)
    now = utcnow() + CLOCK_SKEW
    checked = [_check(index, record, batch, now) for index, record in enumerate(parsed)]

    # Everything is valid: write. Nothing above wrote a row.
    if session.get_bind().dialect.name == "postgresql":
        first, last, ids, tags, messages = _write_postgresql(session, checked)
    else:
        first, last, ids, tags, messages = _write_portable(session, checked)
    entry = audit.record(
        session,
        actor=actor,
        action="import.tickets",
        object_type="desk",
        object_id=None,
        changes={
            "tickets": (0, len(ids)),
            "messages": (0, messages),
            "tags": (0, tags),
            "numbers": (None, [first, last]),
            "ticket_ids": (None, [ids[0], ids[-1]]),
        },
    )
    session.flush()
    events.emit(
        session,
        "ticket.imported",
        actor=actor,
        via="import",
        data={"tickets": len(ids), "first_number": first, "last_number": last, "ticket_ids": ids},
    )
    return ImportResult(
        tickets=len(ids),
        messages=messages,
        tags=tags,
        first_number=first,
        last_number=last,
        ticket_ids=ids,
        audit_id=stored_id(entry.id),
    )


__all__ = ["ImportMessage", "ImportResult", "ImportTicket", "MAX_BATCH", "import_tickets"]
