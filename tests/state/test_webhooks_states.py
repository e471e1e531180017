"""The webhooks admin as a state: handlers called as methods, no browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from autocrm.events import runner
from autocrm.models import Role
from autocrm.state.webhooks import AdminWebhooksState, _until
from tests.factories import make_ticket
from tests.state.test_states import _signed_in

URL = "https://93.184.215.14/hooks"


def test_the_webhooks_admin_creates_edits_follows_and_deletes(people):
    admin = people.make(Role.admin)
    state = _signed_in(AdminWebhooksState, admin)
    state.load()
    assert state.loaded and state.rows == [] and not state.has_rows
    state.open_create()
    state.toggle_event("message.internal_created", True)
    state.toggle_event("no.such", True)
    state.set_edit_active(True)
    assert state.edit_events == ["ticket.created", "message.internal_created"]
    assert state.event_chosen["message.internal_created"]
    state.save({"url": "http://127.0.0.1/x", "description": ""})
    assert "url" in state.edit_errors and not state.secret
    state.save({"url": URL, "description": "ERP"})
    assert state.secret.startswith("whsec_") and state.showing_secret
    (row,) = state.rows
    assert row["state"] == "Active" and row["description"] == "ERP" and state.secret not in str(row)
    state.set_edit_open(False)
    assert state.secret == ""

    state.open_edit(row["id"])
    assert state.editing and state.edit_url == URL
    state.set_edit_active(False)
    state.save({"url": URL, "description": "ERP"})
    assert state.rows[0]["state"] == "Paused" and not state.edit_open

    state.open_edit(row["id"])
    state.set_edit_active(True)
    state.save({"url": URL, "description": ""})
    make_ticket(by=people.make(Role.customer))
    runner.run_pending_jobs()
    state.watch(row["id"])
    assert state.watching and state.has_deliveries
    (delivery,) = state.deliveries
    assert delivery["status"] == "Retrying" and delivery["attempts"] == "0" and delivery["retryable"]
    state.retry(delivery["id"])
    state.refresh()
    assert state.deliveries[0]["next_try"] == "due now"
    state.unwatch()
    assert not state.watching

    state.ask_delete(row["id"])
    assert state.confirming and URL in state.pending["title"]
    state.cancel_pending(False)
    assert not state.confirming
    state.ask_delete(row["id"])
    state.confirm_delete()
    assert state.rows == []
    state.confirm_delete()  # nothing pending: nothing happens


def test_the_webhooks_admin_is_for_admins_only(people):
    state = _signed_in(AdminWebhooksState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded


def test_until():
    now = datetime.now(UTC)
    assert _until(now, now) == "due now"
    assert _until(now + timedelta(seconds=30), now) == "in 30 s"
    assert _until(now + timedelta(minutes=5, seconds=1), now) == "in 5 min"
    assert _until(now + timedelta(hours=3, minutes=1), now) == "in 3 h"
