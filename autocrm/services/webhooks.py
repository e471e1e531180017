"""Webhooks: admins subscribe a URL to some event types; every matching event is delivered there, signed by
the Standard Webhooks scheme with the subscription's secret, at least once.

- **Subscriptions** are rows made, changed and deleted here (admins only; keys need `webhooks:manage`), each
  write audited and emitted like every other (`webhook.created`, ...). The `whsec_...` secret is shown once, in
  what `create_webhook` returns, and stored sealed: it must be read back to sign.
- **Fan-out** (`fan_out`, an after-commit listener in `events/listeners.py`) writes one delivery row per
  matching subscription and event, idempotently (unique (subscription_id, event_id)), with the body fixed then,
  so every retry sends the same bytes under the same `webhook-id`.
- **Sending** runs in the job runner (`events/webhook_delivery.py`); this module decides what is sent, where it
  may go (`checked_destination`: no loopback, private, link-local or reserved addresses unless
  `AUTOCRM_WEBHOOK_ALLOW_PRIVATE`) and what an answer means (`outcome_of`).

Internal notes are `message.internal_created`: a `message.created` subscription never sees a note.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from autocrm.core.db import stored_id, table_of
from autocrm.core.i18n import t
from autocrm.core.sealing import sealer
from autocrm.core.settings import get_settings
from autocrm.models import Attachment, DeliveryStatus, SatisfactionRating, WebhookDelivery, WebhookSubscription
from autocrm.models.base import utcnow
from autocrm.services import audit, events, tickets
from autocrm.services.actor import WEBHOOKS_MANAGE, Actor
from autocrm.services.errors import NotFound, ValidationFailed, field_error
from autocrm.services.events import Event
from autocrm.services.inputs import ServiceInput

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
MESSAGE_CREATED = "message.created"
MESSAGE_INTERNAL_CREATED = "message.internal_created"
RATING_SUBMITTED = "rating.submitted"
ATTACHMENT_ADDED = "attachment.added"
SLA_BREACHED = "sla.breached"  # `services/sla.py`
ALERT_TRIGGERED = "alert.triggered"  # `services/alerts.py`
EVENT_TYPES = (
    TICKET_CREATED,
    TICKET_UPDATED,
    MESSAGE_CREATED,
    MESSAGE_INTERNAL_CREATED,
    RATING_SUBMITTED,
    ATTACHMENT_ADDED,
    SLA_BREACHED,
    ALERT_TRIGGERED,
)
# The domain events the fan-out listens to (a note is a `message.created` event with internal=True).
SOURCE_EVENTS = (
    TICKET_CREATED,
    TICKET_UPDATED,
    MESSAGE_CREATED,
    RATING_SUBMITTED,
    ATTACHMENT_ADDED,
    SLA_BREACHED,
    ALERT_TRIGGERED,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
DELIVERY_PAGE = 100
_SEAL_PURPOSE = "webhook-secret"
_SYSTEM = Actor.system("webhooks")


class WebhookCreate(ServiceInput):
    url: str = Field(max_length=MAX_URL_LENGTH)
    events: list[str] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)
    active: bool = True


class WebhookUpdate(ServiceInput):
    """Only the fields sent change."""

    url: str | None = Field(default=None, max_length=MAX_URL_LENGTH)
    events: list[str] | None = Field(default=None, min_length=1, max_length=len(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)
    active: bool | None = None


class WebhookPublic(BaseModel):
    """A subscription as admins see it. Never its secret."""

    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    # Set when the desk stopped delivering by itself (the receiver answered 410 Gone).
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookPublic):
    """What creating a subscription returns: the one time its signing secret is shown."""

    secret: str


class DeliveryPublic(BaseModel):
    id: int
    subscription_id: int
    event_id: int
    event_type: str
    ticket_id: int | None
    webhook_id: str  # the `webhook-id` header: the same on every try, receivers dedupe by it
    status: str
    attempts: int
    response_code: int | None
    last_error: str | None
    duration_ms: int | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None  # when the next try is due (None once delivered or failed)


def webhook_id(event_id: int) -> str:
    return f"evt_{event_id}"


def _public(row: WebhookSubscription) -> WebhookPublic:
    return WebhookPublic(
        id=stored_id(row.id),
        url=row.url,
        events=list(row.events),
        description=row.description,
        active=row.active,
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def delivery_public(row: WebhookDelivery) -> DeliveryPublic:
    waiting = row.status in (DeliveryStatus.pending, DeliveryStatus.running)
    return DeliveryPublic(
        id=stored_id(row.id),
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        event_type=row.event_type,
        ticket_id=row.ticket_id,
        webhook_id=webhook_id(row.event_id),
        status=row.status,
        attempts=row.attempts,
        response_code=row.response_code,
        last_error=row.last_error,
        duration_ms=row.duration_ms,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        next_attempt_at=row.due_at if waiting else None,
    )


def _require_manager(actor: Actor) -> None:
    actor.require_admin()
    actor.require_scope(WEBHOOKS_MANAGE)


# --- Where a delivery may go -------------------------------------------------------------------------------


class DestinationRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach; the message says which."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # as in the URL: the Host header and the TLS server name
    port: int
    address: str  # the checked IP address to connect to
    target: str  # path and query


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused(t("The host “{host}” does not resolve.", host=host)) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _url_parts(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and target of an acceptable URL; ValueError with the reason otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(t("Give a valid http:// or https:// URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(t("Give a valid http:// or https:// URL."))
    if parts.username is not None or parts.password is not None:
        raise ValueError("Leave user names and passwords out of the URL: the signature authenticates the desk.")
    if parts.fragment:
        raise ValueError("Leave the #fragment out of the URL: it is never sent.")
    if not url.isascii() or not url.isprintable() or " " in url:
        raise ValueError("Give the URL in plain ASCII, with no spaces (percent-encode the rest).")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), target


def checked_destination(url: str) -> Destination:
    """Resolves the URL's host and checks every address it has; the first is the one to connect to, so a
    second lookup (DNS rebinding) cannot send the delivery elsewhere. Raises DestinationRefused."""
    try:
        scheme, host, port, target = _url_parts(url)
    except ValueError as exc:
        raise DestinationRefused(str(exc)) from exc
    addresses = _addresses(host, port)
    if not addresses:
        raise DestinationRefused(t("The host “{host}” does not resolve.", host=host))
    if not get_settings().webhook_allow_private:
        refused = [address for address in addresses if _refused_address(address)]
        if refused:
            raise DestinationRefused(
                t(
                    "Webhooks may not reach “{host}”: it is (or resolves to) a loopback, private, link-local or "
                    "reserved address. Use a public address (a desk may allow private ones with "
                    "AUTOCRM_WEBHOOK_ALLOW_PRIVATE=1).",
                    host=host,
                )
            )
    return Destination(scheme=scheme, host=host, port=port, address=addresses[0], target=target)


def _valid_url(url: str) -> str:
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise field_error(
            "url",
            t("Give an http:// or https:// URL of at most {MAX_URL_LENGTH} characters.", MAX_URL_LENGTH=MAX_URL_LENGTH),
        )
    try:
        checked_destination(url)
    except DestinationRefused as exc:
        raise field_error("url", str(exc)) from None
    return url


def _valid_events(chosen: list[str]) -> list[str]:
    unknown = sorted(set(chosen) - set(EVENT_TYPES))
    if unknown or not chosen:
        message = f"Choose event types from: {', '.join(EVENT_TYPES)}."
        raise ValidationFailed(message + (f" Unknown: {', '.join(unknown)}." if unknown else ""), {"events": message})
    return [event for event in EVENT_TYPES if event in chosen]


def _valid_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH or not description.replace("\n", " ").isprintable():
        raise field_error(
            "description",
            t(
                "Describe it in at most {MAX_DESCRIPTION_LENGTH} printable characters.",
                MAX_DESCRIPTION_LENGTH=MAX_DESCRIPTION_LENGTH,
            ),
        )
    return description


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signing_secret(row: WebhookSubscription) -> str:
    return sealer(_SEAL_PURPOSE).decrypt(row.secret_sealed.encode()).decode()


# --- Subscriptions -------------------------------------------------------------------------------------------


def _subscription(session: Session, webhook_id_: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, webhook_id_)
    if row is None:
        raise NotFound(t("There is no webhook #{webhook_id_}.", webhook_id_=webhook_id_))
    return row


def _audit_and_emit(
    session: Session, *, actor: Actor, row: WebhookSubscription, action: str, changes: dict[str, tuple[Any, Any]]
) -> None:
    audit.record(
        session, actor=actor, action=f"webhook.{action}", object_type="webhook", object_id=row.id, changes=changes
    )
    events.emit(
        session,
        f"webhook.{action}",
        actor=actor,
        data={"webhook_id": row.id, "changes": audit.plain_changes({k: v for k, v in changes.items() if k != "url"})},
    )


def create_webhook(session: Session, *, actor: Actor, data: WebhookCreate) -> WebhookCreated:
    """A new subscription, and its signing secret shown this once."""
    _require_manager(actor)
    url, chosen = _valid_url(data.url), _valid_events(data.events)
    description = _valid_description(data.description)
    secret = new_secret()
    now = utcnow()
    row = WebhookSubscription(
        url=url,
        events=chosen,
        description=description,
        active=data.active,
        secret_sealed=sealer(_SEAL_PURPOSE).encrypt(secret.encode()).decode(),
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _audit_and_emit(
        session,
        actor=actor,
        row=row,
        action="created",
        changes={
            "url": (None, url),
            "events": (None, chosen),
            "description": (None, description),
            "active": (None, data.active),
        },
    )
    return WebhookCreated(**_public(row).model_dump(), secret=secret)


def list_webhooks(session: Session, *, actor: Actor) -> list[WebhookPublic]:
    _require_manager(actor)
    rows = session.exec(select(WebhookSubscription).order_by(col(WebhookSubscription.id).desc()))
    return [_public(row) for row in rows]


def get_webhook(session: Session, *, actor: Actor, webhook_id: int) -> WebhookPublic:
    _require_manager(actor)
    return _public(_subscription(session, webhook_id))


def update_webhook(session: Session, *, actor: Actor, webhook_id: int, data: WebhookUpdate) -> WebhookPublic:
    _require_manager(actor)
    row = _subscription(session, webhook_id)
    wanted: dict[str, Any] = {}
    if data.url is not None:
        wanted["url"] = _valid_url(data.url)
    if data.events is not None:
        wanted["events"] = _valid_events(data.events)
    if data.description is not None:
        wanted["description"] = _valid_description(data.description)
    if data.active is not None:
        wanted["active"] = data.active
    changes = {field: (getattr(row, field), value) for field, value in wanted.items() if getattr(row, field) != value}
    if not changes:
        return _public(row)
    for field, (_before, after) in changes.items():
        setattr(row, field, after)
    if "active" in changes:
        row.disabled_reason = None  # an admin's own choice replaces the desk's
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    _audit_and_emit(session, actor=actor, row=row, action="updated", changes=changes)
    return _public(row)


def delete_webhook(session: Session, *, actor: Actor, webhook_id: int) -> None:
    """Deletes the subscription and its deliveries (those not sent yet are never sent)."""
    _require_manager(actor)
    row = _subscription(session, webhook_id)
    session.exec(delete(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == row.id))
    _audit_and_emit(
        session, actor=actor, row=row, action="deleted", changes={"url": (row.url, None), "events": (row.events, None)}
    )
    session.delete(row)


def list_deliveries(
    session: Session, *, actor: Actor, webhook_id: int, limit: int = DELIVERY_PAGE
) -> list[DeliveryPublic]:
    """The subscription's latest deliveries, newest first."""
    _require_manager(actor)
    row = _subscription(session, webhook_id)
    found = session.exec(
        select(WebhookDelivery)
        .where(col(WebhookDelivery.subscription_id) == row.id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(max(1, min(limit, DELIVERY_PAGE)))
    )
    return [delivery_public(delivery) for delivery in found]


def retry_delivery(session: Session, *, actor: Actor, webhook_id: int, delivery_id: int) -> DeliveryPublic:
    """Sends the delivery again as soon as a worker is free (one more try if its retry window is over).
    A delivery being sent right now is left to that try."""
    _require_manager(actor)
    row = _subscription(session, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != row.id:
        raise NotFound(
            t("Webhook #{webhook_id} has no delivery #{delivery_id}.", webhook_id=webhook_id, delivery_id=delivery_id)
        )
    if delivery.status != DeliveryStatus.running:
        before = delivery.status
        delivery.status = DeliveryStatus.pending
        delivery.due_at = utcnow()
        delivery.claim = None
        session.add(delivery)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="webhook.delivery_retried",
            object_type="webhook",
            object_id=row.id,
            changes={"delivery_id": (None, delivery.id), "status": (before, DeliveryStatus.pending)},
        )
        events.emit(
            session,
            "webhook.delivery_retried",
            actor=actor,
            data={"webhook_id": row.id, "delivery_id": delivery.id},
        )
        wake_senders_after_commit(session)
    return delivery_public(delivery)


def disable_gone(session: Session, *, subscription_id: int) -> None:
    """The receiver answered 410 Gone: the desk stops delivering to it until an admin turns it on again."""
    row = session.get(WebhookSubscription, subscription_id)
    if row is None or not row.active:
        return
    row.active = False
    row.disabled_reason = "The receiver answered 410 Gone."
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    _audit_and_emit(session, actor=_SYSTEM, row=row, action="updated", changes={"active": (True, False)})


# --- Fan-out: one delivery per matching subscription and event ---------------------------------------------


def webhook_type(event: Event) -> str | None:
    """The webhook event type of a domain event, or None for events webhooks do not offer."""
    if event.type == MESSAGE_CREATED and event.data.get("internal"):
        return MESSAGE_INTERNAL_CREATED
    return event.type if event.type in SOURCE_EVENTS else None


def _payload_data(session: Session, event: Event, kind: str) -> dict[str, Any] | None:
    """The public shape the REST API returns for what the event is about (None: it is gone): the ticket for
    ticket events, the message, rating or attachment (with its ticket's id) for the others; an alert's facts (it
    is about a queue, not a ticket), and a breach's target with its ticket's id."""
    if kind == ALERT_TRIGGERED:
        return {"alert": {key: event.data.get(key) for key in ("rule_id", "team_id", "kind", "threshold", "value")}}
    if event.ticket_id is None:
        return None
    if kind == SLA_BREACHED:
        return {"ticket_id": event.ticket_id, **{key: event.data.get(key) for key in ("target", "due_at", "policy_id")}}
    data: dict[str, Any] = {"ticket_id": event.ticket_id}
    if kind in (TICKET_CREATED, TICKET_UPDATED):
        try:
            data["ticket"] = tickets.get_ticket(session, actor=_SYSTEM, ticket_id=event.ticket_id).model_dump(
                mode="json"
            )
        except NotFound:
            return None
        if kind == TICKET_UPDATED:
            data["changes"] = event.data.get("changes", {})
    elif kind in (MESSAGE_CREATED, MESSAGE_INTERNAL_CREATED):
        message_id = event.data.get("message_id")
        if not isinstance(message_id, int):
            return None
        try:
            message = tickets.get_message(session, actor=_SYSTEM, ticket_id=event.ticket_id, message_id=message_id)
        except NotFound:
            return None
        data["message"] = message.model_dump(mode="json")
    elif kind == RATING_SUBMITTED:
        rating = session.exec(
            select(SatisfactionRating).where(col(SatisfactionRating.ticket_id) == event.ticket_id)
        ).first()
        if rating is None:
            return None
        data["rating"] = tickets.RatingPublic(
            ticket_id=rating.ticket_id, score=rating.score, comment=rating.comment, created_at=rating.created_at
        ).model_dump(mode="json")
    elif kind == ATTACHMENT_ADDED:
        attachment = session.get(Attachment, event.data.get("attachment_id"))
        if attachment is None:
            return None
        data["message_id"] = attachment.message_id
        data["attachment"] = tickets.AttachmentPublic(
            id=stored_id(attachment.id),
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
        ).model_dump(mode="json")
    return data


def fan_out(session: Session, event: Event) -> None:
    """The after-commit listener: a delivery row for each active subscription that asked for this event's
    type. Running it twice for one event adds nothing (unique (subscription_id, event_id))."""
    kind = webhook_type(event)
    if kind is None:
        return
    subscribers = [
        row
        for row in session.exec(
            # A subscription hears of events from its creation on, even when the fan-out runs later.
            select(WebhookSubscription).where(
                col(WebhookSubscription.active).is_(True), col(WebhookSubscription.created_at) <= event.created_at
            )
        )
        if kind in row.events
    ]
    if not subscribers:
        return
    data = _payload_data(session, event, kind)
    if data is None:
        return
    payload = {"type": kind, "timestamp": event.created_at.isoformat(), "data": data}
    now = utcnow()
    rows = [
        {
            "subscription_id": row.id,
            "event_id": event.id,
            "event_type": kind,
            "ticket_id": event.ticket_id,
            "payload": payload,
            "status": DeliveryStatus.pending,
            "due_at": now,
            "attempts": 0,
            "created_at": now,
        }
        for row in subscribers
    ]
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(table_of(WebhookDelivery))
        .values(rows)
        .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
    )
    wake_senders_after_commit(session)


def wake_senders_after_commit(session: Session) -> None:
    """Wakes the workers (here and, through Redis, everywhere) once the new deliveries are committed."""
    session.info[_DELIVERIES_ADDED] = True


_DELIVERIES_ADDED = "autocrm_webhook_deliveries_added"


@sa_event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released savepoint (see services/events.py): wait for the outermost commit
    if session.info.pop(_DELIVERIES_ADDED, False):
        from autocrm.events import wakeup

        wakeup.notify()


@sa_event.listens_for(Session, "after_rollback")
def _on_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_DELIVERIES_ADDED, None)


# --- What an answer means ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # DeliveryStatus.delivered | pending (retry) | failed
    due_at: datetime | None = None
    disable_subscription: bool = False


def retry_delay_seconds(attempts: int) -> float:
    settings = get_settings()
    delay = min(settings.webhook_retry_max_seconds, settings.webhook_retry_base_seconds * 2 ** max(attempts - 1, 0))
    return delay * secrets.SystemRandom().uniform(0.5, 1.0)  # jitter: failures together do not return together


def outcome_of(*, response_code: int | None, attempts: int, created_at: datetime, now: datetime) -> Outcome:
    """A 2xx is delivered; a 410 fails and disables the subscription; anything else (another code, a timeout,
    a refused connection: `response_code` None) is retried with backoff until the retry window ends."""
    if response_code is not None and 200 <= response_code < 300:
        return Outcome(DeliveryStatus.delivered)
    if response_code == 410:
        return Outcome(DeliveryStatus.failed, disable_subscription=True)
    next_try = now + timedelta(seconds=retry_delay_seconds(attempts))
    if next_try - created_at >= timedelta(seconds=get_settings().webhook_retry_window_seconds):
        return Outcome(DeliveryStatus.failed)
    return Outcome(DeliveryStatus.pending, due_at=next_try)
