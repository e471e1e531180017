"""Sending webhook deliveries: claimed from `webhook_delivery` with a lease, like jobs, and sent from a small
thread pool beside the job runner's loop, so one slow receiver (up to the 10 s timeout) holds up one sending
thread, not the jobs nor the other receivers.

A claim marks due rows `running`, counts the attempt, stamps a fresh claim token and moves `due_at` to the
lease's end (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer serializes claims). A delivery
is not claimed while an earlier one of the same subscription for the same ticket is still pending or running,
so a receiver gets one ticket's events in order (a failed one stops holding the rest back). The outcome is
written only if the claim token is still this worker's; a worker killed mid-send leaves a `running` row
whose lease runs out, and any worker sends it again: at least once, deduplicated by `webhook-id`.

The request goes to the address `services.webhooks.checked_destination` resolved and checked, never to a
second lookup of the name (DNS rebinding), and no redirect is followed. Secrets and bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import ColumnElement, exists, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from standardwebhooks import Webhook

from autocrm.core.db import read_session, stored_id, table_of, write_session
from autocrm.core.settings import get_settings
from autocrm.events import leases
from autocrm.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from autocrm.models.base import utcnow
from autocrm.services import webhooks

log = logging.getLogger(__name__)

_WAITING = (DeliveryStatus.pending, DeliveryStatus.running)
USER_AGENT = "AutoCRM-Webhooks/1"


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    subscription_id: int
    event_id: int
    attempts: int
    created_at: datetime
    claim: str


def _due(now: datetime) -> ColumnElement[bool]:
    earlier = aliased(WebhookDelivery)
    held_back = exists().where(
        col(earlier.subscription_id) == col(WebhookDelivery.subscription_id),
        col(earlier.ticket_id) == col(WebhookDelivery.ticket_id),
        col(earlier.id) < col(WebhookDelivery.id),
        col(earlier.status).in_(_WAITING),
    )
    return col(WebhookDelivery.status).in_(_WAITING) & (col(WebhookDelivery.due_at) <= now) & ~held_back


def any_due() -> bool:
    """A cheap read first, so an idle SQLite worker does not take the write lock at every poll."""
    with read_session() as session:
        return session.exec(select(WebhookDelivery.id).where(_due(utcnow())).limit(1)).first() is not None


def claim(*, worker: str, limit: int) -> list[ClaimedDelivery]:
    with write_session() as session:
        claimed = leases.claim_due(
            session,
            WebhookDelivery,
            due=_due(utcnow()),
            order_by=[col(WebhookDelivery.id)],
            worker=worker,
            limit=limit,
            lease_seconds=get_settings().webhook_lease_seconds,
        )
        if claimed is None:
            return []
        rows = session.exec(select(WebhookDelivery).where(col(WebhookDelivery.id).in_(claimed.ids)))
        return sorted(
            (
                ClaimedDelivery(
                    id=stored_id(row.id),
                    subscription_id=row.subscription_id,
                    event_id=row.event_id,
                    attempts=row.attempts,
                    created_at=row.created_at,
                    claim=claimed.token,
                )
                for row in rows
            ),
            key=lambda delivery: delivery.id,
        )


_client_lock = threading.Lock()
_clients: dict[float, httpx.Client] = {}


def _client() -> httpx.Client:
    timeout = get_settings().webhook_timeout_seconds
    with _client_lock:
        client = _clients.get(timeout)
        if client is None:
            # trust_env=False: no proxy from the environment may carry a delivery somewhere unchecked.
            client = _clients[timeout] = httpx.Client(
                timeout=timeout, follow_redirects=False, trust_env=False, headers={"user-agent": USER_AGENT}
            )
        return client


def _post(destination: webhooks.Destination, body: str, headers: dict[str, str]) -> int:
    """POSTs to the checked address, naming the host in the Host header and (https) the TLS server name."""
    address = f"[{destination.address}]" if ":" in destination.address else destination.address
    url = f"{destination.scheme}://{address}:{destination.port}{destination.target}"
    default_port = 443 if destination.scheme == "https" else 80
    host = destination.host if destination.port == default_port else f"{destination.host}:{destination.port}"
    extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
    response = _client().post(
        url,
        content=body.encode(),
        headers={**headers, "host": host, "content-type": "application/json"},
        extensions=extensions,
    )
    return response.status_code


@dataclass(frozen=True)
class _Attempt:
    response_code: int | None
    error: str | None
    duration_ms: int


def _attempt(delivery: ClaimedDelivery) -> _Attempt | str:
    """Sends it once; a string says why there was nothing to send (the subscription is gone or off)."""
    with read_session() as session:
        found = session.exec(
            select(WebhookSubscription, WebhookDelivery.payload)
            .join(WebhookDelivery, col(WebhookDelivery.subscription_id) == col(WebhookSubscription.id))
            .where(col(WebhookDelivery.id) == delivery.id)
        ).first()
        if found is None:
            return "The subscription was deleted."
        subscription, payload = found
        if not subscription.active:
            return "The subscription is turned off."
        secret, url = webhooks.signing_secret(subscription), subscription.url
    started = time.perf_counter()
    try:
        destination = webhooks.checked_destination(url)
    except webhooks.DestinationRefused as exc:
        return _Attempt(None, str(exc)[:500], 0)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    message_id = webhooks.webhook_id(delivery.event_id)
    sent_at = utcnow()
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }
    try:
        code: int | None = _post(destination, body, headers)
        error = None if code is not None and 200 <= code < 300 else f"The receiver answered {code}."
    except httpx.TimeoutException:
        code, error = None, "The receiver did not answer in time."
    except httpx.HTTPError as exc:
        code, error = None, f"Could not reach the receiver ({type(exc).__name__})."
    return _Attempt(code, error, int((time.perf_counter() - started) * 1000))


def send(delivery: ClaimedDelivery) -> str:
    """Sends one claimed delivery and records what happened; returns the new status, or "lost" when another
    worker took the delivery over meanwhile."""
    attempt = _attempt(delivery)
    now = utcnow()
    values: dict[str, object] = {"claim": None, "last_attempt_at": now}
    disable = False
    if isinstance(attempt, str):
        values |= {"status": DeliveryStatus.failed, "last_error": attempt}
    else:
        outcome = webhooks.outcome_of(
            response_code=attempt.response_code, attempts=delivery.attempts, created_at=delivery.created_at, now=now
        )
        values |= {
            "status": outcome.status,
            "response_code": attempt.response_code,
            "last_error": attempt.error,
            "duration_ms": attempt.duration_ms,
        }
        if outcome.status == DeliveryStatus.delivered:
            values["delivered_at"] = now
        if outcome.due_at is not None:
            values["due_at"] = outcome.due_at
        disable = outcome.disable_subscription
    with write_session() as session:
        result = session.execute(
            update(table_of(WebhookDelivery))
            .where(
                col(WebhookDelivery.id) == delivery.id,
                col(WebhookDelivery.claim) == delivery.claim,
                col(WebhookDelivery.status) == DeliveryStatus.running,
            )
            .values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
            log.warning("Webhook delivery %s: its lease ran out and another worker took it over", delivery.id)
            return "lost"
        if disable:
            webhooks.disable_gone(session, subscription_id=delivery.subscription_id)
    if values["status"] != DeliveryStatus.delivered:
        log.info("Webhook delivery %s (attempt %s): %s", delivery.id, delivery.attempts, values.get("last_error"))
    return str(values["status"])


def run_pending_deliveries(*, worker: str = "inline", limit: int = 10_000) -> int:
    """Sends every delivery due now, here and one by one (tests, benches); returns how many
    tries were made. A delivery that fails is retried later, not in this call."""
    tried = 0
    while tried < limit:
        claimed = claim(worker=worker, limit=min(50, limit - tried))
        if not claimed:
            return tried
        for delivery in claimed:
            try:
                send(delivery)
            finally:
                tried += 1
    return tried


class Sender:
    """The job runner's webhook sending: a claim loop of its own (so deliveries never wait for a batch of jobs)
    that claims only as many due deliveries as it has free sending threads."""

    def __init__(self, worker: str, *, threads: int | None = None, poll_seconds: float | None = None) -> None:
        self.worker = worker
        self.threads = threads or get_settings().webhook_send_threads
        self.poll = poll_seconds if poll_seconds is not None else get_settings().job_poll_seconds
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="autocrm-webhook")
        self._lock = threading.Lock()
        self._in_flight = 0
        self._wake = threading.Event()
        self._loop: threading.Thread | None = None

    def nudge(self) -> None:
        """Something may be due now: a job ran (a fan-out adds deliveries), a wake-up came, a thread is free."""
        self._wake.set()

    def start(self, stop: threading.Event) -> None:
        self._loop = threading.Thread(target=self._run, args=(stop,), name="autocrm-webhook-claims", daemon=True)
        self._loop.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with self._lock:
                    free = self.threads - self._in_flight
                started = self.dispatch(free) if free > 0 else 0
            except Exception:  # the database away for a moment must not end the loop
                log.exception("The webhook sender could not reach the database; trying again")
                started, free = 0, 0
            if started and started == free:
                continue  # every thread got one: there may be more due
            self._wake.wait(self.poll)
            self._wake.clear()

    def dispatch(self, limit: int) -> int:
        """Claims up to `limit` due deliveries and starts sending them; returns how many started."""
        if not any_due():
            return 0
        claimed = claim(worker=self.worker, limit=limit)
        with self._lock:
            self._in_flight += len(claimed)
        for delivery in claimed:
            self._pool.submit(self._send, delivery)
        return len(claimed)

    def _send(self, delivery: ClaimedDelivery) -> None:
        try:
            send(delivery)
        except Exception:  # the database away for a moment: the lease runs out and the delivery is tried again
            log.exception("Webhook delivery %s could not be recorded", delivery.id)
        finally:
            with self._lock:
                self._in_flight -= 1
            self.nudge()

    def shutdown(self) -> None:
        """Stops claiming and waits for the sends in flight (each ends within the timeout) so their outcome is
        recorded. The caller has set the `stop` given to `start`."""
        self.nudge()
        if self._loop is not None:
            self._loop.join(timeout=self.poll + 5)
        self._pool.shutdown(wait=True)
