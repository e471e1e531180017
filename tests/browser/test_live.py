"""Issue 14, live screens: a change from any source reaches the other open pages without a reload, on one
process and across two backend processes (PostgreSQL + Redis); a customer never receives an internal note."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.browser.conftest import ADMIN, AGENT, ROOT, UI, _project_env, served_app_and_log
from tests.browser.test_served_app import PG_ADMIN_URL
from tests.browser.test_ui import _new_customer_ticket

pytestmark = pytest.mark.browser
LIVE = 5_000  # ms: the issue asks for one second; the margin is for a loaded CI machine, not for polling


def _received_frames(ui: UI) -> list[str]:
    """Every websocket frame the tab receives from now on (what Reflex sent to this browser)."""
    frames: list[str] = []

    def follow(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, str) else ""))

    ui.page.on("websocket", follow)
    return frames


def _api_key(data_dir: Path) -> str:
    """An agent key made on the command line, as an integrator would, against the served app's data folder."""
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "autocrm"),
            "api-keys",
            "create",
            "--name",
            "live test",
            "--scopes",
            "tickets:read,tickets:write",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def _patch(base: str, path: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _count(ui: UI, view: str) -> str:
    return ui.page.locator(f".nav-item[href$='view={view}']").filter(visible=True).first.inner_text()


def test_changes_reach_other_tabs_without_a_reload_and_notes_never_reach_the_customer(served, browser, unique):
    base, log_path = served
    agent, customer = UI(browser, base), UI(browser, base)
    try:
        agent.login(AGENT, expect="/agent")
        agent.wait_ready(".queue-row")
        unassigned_before = _count(agent, "unassigned")

        customer_frames = _received_frames(customer)
        subject, portal_path = _new_customer_ticket(customer, unique)
        ticket_id = portal_path.rstrip("/").rsplit("/", 1)[-1]

        # The customer's new request appears in the agent's queue, marked, and the sidebar's count moves.
        row = agent.page.locator(".queue-row").filter(has_text=subject)
        row.wait_for(timeout=LIVE)
        expect(row.locator(".fresh-badge")).to_be_visible()
        expect(agent.page.locator(".nav-item[href$='view=unassigned']").filter(visible=True).first).not_to_have_text(
            unassigned_before, timeout=LIVE
        )
        agent.shoot("queue-live-update")

        # Opening it clears the mark; the customer's page follows the agent's reply and status change.
        row.click()
        agent.page.wait_for_url(re.compile(rf".*/agent/tickets/{ticket_id}"))
        agent.wait_ready(".timeline")
        agent.page.fill("#composer-body", f"Hello from the desk {unique}: the refund is on its way.")
        agent.page.click("button.composer-submit")
        agent.toast("Reply sent")
        customer.page.locator(".message").filter(has_text=f"Hello from the desk {unique}").wait_for(timeout=LIVE)

        # An internal note: the agent's page shows it; the customer's browser never receives it.
        agent.page.locator(".composer-mode").get_by_role("radio", name="Internal note").click()
        agent.page.fill("#composer-body", f"Card ledger says fraud-{unique}; do not tell the customer.")
        agent.page.click("button.composer-submit")
        agent.toast("Internal note added")

        # The customer answers; the agent's open ticket shows it without a reload.
        customer.page.fill("#reply-body", f"Thank you, that is quick {unique}!")
        customer.page.locator("#reply-form button[type=submit]").click()
        agent.page.locator(".message-public").filter(has_text=f"that is quick {unique}").wait_for(timeout=LIVE)

        # A change through the REST API reaches both open pages.
        key = _api_key(log_path.parent)
        _patch(base, f"/api/v1/tickets/{ticket_id}", key, {"priority": "urgent"})
        agent.page.locator(".ticket-properties").get_by_text("Urgent").first.wait_for(timeout=LIVE)
        _patch(base, f"/api/v1/tickets/{ticket_id}", key, {"status": "solved"})
        customer.page.locator(".rating-card").wait_for(timeout=LIVE)
        customer.shoot("portal-live-solved")

        received = "".join(customer_frames)
        assert f"Hello from the desk {unique}" in received  # the frames are what the customer's page got
        assert f"fraud-{unique}" not in received
        assert f"fraud-{unique}" not in customer.page.locator("body").inner_text()

        # Back in the queue, the ticket the agent opened is no longer marked.
        agent.goto("/agent?view=all")
        agent.wait_ready(".queue-row")
        opened = agent.page.locator(".queue-row").filter(has_text=subject)
        opened.wait_for()
        expect(opened.locator(".fresh-badge")).to_have_count(0)
        assert not agent.errors and not customer.errors
    finally:
        agent.close()
        customer.close()


def test_two_backend_processes_on_postgresql_and_redis_see_each_others_changes(browser, unique):
    """AUTOCRM_DATABASE_URL and AUTOCRM_REDIS_URL alone switch the app to PostgreSQL and Redis: server A (two
    workers) and server B share them; a change made through one reaches a tab on the other without a reload, and
    so does presence (an agent on A and an admin on B on one ticket see each other)."""
    database = f"autocrm_scaleout_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    redis_url = "redis://127.0.0.1:6379/14"
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    env = {"AUTOCRM_DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database, "AUTOCRM_REDIS_URL": redis_url}
    try:
        with (
            served_app_and_log(env | {"GRANIAN_WORKERS": "2"}, log_name="server-scale-out-a.log", own_build=True) as (
                base_a,
                _,
            ),
            served_app_and_log(env, log_name="server-scale-out-b.log", own_build=True, serve_args=()) as (base_b, _),
        ):
            agent, customer, alex = UI(browser, base_a), UI(browser, base_b), UI(browser, base_b)
            try:
                agent.login(AGENT, expect="/agent")
                agent.wait_ready("text=Maya Okafor")
                agent.page.reload()  # the session survives a reload, whichever worker answers
                agent.wait_ready(".queue-row")

                subject, _portal_path = _new_customer_ticket(customer, unique)
                row = agent.page.locator(".queue-row").filter(has_text=subject)
                row.wait_for(timeout=LIVE)

                row.click()
                agent.wait_ready(".timeline")
                agent.page.fill("#composer-body", f"Answered from server A {unique}.")
                agent.page.click("button.composer-submit")
                agent.toast("Reply sent")
                customer.page.locator(".message").filter(has_text=f"Answered from server A {unique}").wait_for(
                    timeout=LIVE
                )
                # Presence crosses processes too: an admin on server B opens the ticket Maya has open on A.
                alex.login(ADMIN, expect="/agent")
                alex.goto(agent.page.url.removeprefix(base_a))
                alex.wait_ready(".timeline")
                expect(agent.page.locator(".ticket-presence")).to_contain_text("Alex Admin is viewing", timeout=LIVE)
                expect(alex.page.locator(".ticket-presence")).to_contain_text("Maya Okafor is viewing", timeout=LIVE)
                assert not agent.errors and not customer.errors and not alex.errors
            finally:
                agent.close()
                customer.close()
                alex.close()
            assert store.dbsize() > 0, "UI state should live in Redis"
        with create_engine(env["AUTOCRM_DATABASE_URL"]).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 401
    finally:
        store.flushdb()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
