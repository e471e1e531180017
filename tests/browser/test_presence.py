"""Issue 17, presence: two agents on one ticket see each other viewing, then replying; the queue badges the
ticket while someone else is on it; presence goes when they leave (another page at once, a closed tab
likewise). Screenshots of the ticket page with presence and of the queue badge at 1366x768 and 390x844."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, ROOT, _project_env
from tests.browser.test_ui import _new_customer_ticket

pytestmark = pytest.mark.browser
PASSWORD = "presence-agent-9"
LIVE = 10_000  # ms: the session app's presence lapses after 6 s; the margin is for a loaded CI machine


def _agent(served, email: str, name: str) -> str:
    """An agent of this test's own (the demo agents' views and settings are other tests')."""
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(served[1].parent)}
    command = [str(ROOT / ".venv" / "bin" / "autocrm"), "create-user", "--email", email, "--name", name]
    command += ["--role", "agent", "--password", PASSWORD]
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
    return email


def _find(ui, subject: str) -> None:
    ui.page.fill("#queue-search", subject)
    ui.page.press("#queue-search", "Enter")
    ui.page.locator(".range-label").filter(visible=True).filter(has_text="1–1 of 1").wait_for()


def _opens(ui, email: str, subject: str) -> None:
    ui.login(email, PASSWORD, expect="/agent")
    ui.wait_ready(".queue-row")
    _find(ui, subject)
    ui.page.locator(".queue-row").filter(has_text=subject).locator(".ticket-subject").click()
    ui.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    ui.wait_ready(".timeline")


def test_two_agents_see_each_other_on_a_ticket_and_in_the_queue(served, open_ui, unique):
    customer = open_ui()
    subject, _ = _new_customer_ticket(customer, unique)
    ana = open_ui()
    _opens(ana, _agent(served, f"ana.{unique}@example.com", "Ana Lopez"), subject)
    ben = open_ui()
    _opens(ben, _agent(served, f"ben.{unique}@example.com", "Ben Cho"), subject)

    on_ben, on_ana = ben.page.locator(".ticket-presence"), ana.page.locator(".ticket-presence")
    expect(on_ben).to_contain_text("Ana Lopez is viewing", timeout=LIVE)
    expect(on_ana).to_contain_text("Ben Cho is viewing", timeout=LIVE)  # Ana's tab heard Ben arrive
    expect(on_ben).not_to_contain_text("Ben Cho")  # nobody is shown to themselves

    ana.page.locator("#composer-body").click()
    ana.page.keyboard.type("Looking into the double charge now")
    expect(on_ben).to_contain_text("Ana Lopez is replying…", timeout=LIVE)
    # Ben's composer says it too, beside where the collision warning would be.
    expect(ben.page.locator(".others-replying")).to_contain_text("Ana Lopez is also replying", timeout=LIVE)
    ben.shoot("presence-ticket")

    # Ben goes back to the queue: Ana's page drops him at once, and his queue badges the ticket she is on.
    ben.page.locator("a").filter(has_text="Tickets").filter(visible=True).first.click()
    ben.page.wait_for_url(re.compile(r".*/agent(\?.*)?$"))
    ben.wait_ready(".queue-row")
    _find(ben, subject)
    expect(on_ana).to_have_count(0, timeout=LIVE)
    badge = ben.page.locator(".queue-row").filter(has_text=subject).locator(".presence-badge")
    expect(badge).to_be_visible(timeout=LIVE)
    expect(badge).to_have_attribute("aria-label", "Ana Lopez is replying…")
    ben.page.set_viewport_size(PHONE)
    expect(ben.page.locator(".queue-card").filter(has_text=subject).locator(".presence-badge")).to_be_visible()
    ben.page.set_viewport_size(DESKTOP)
    ben.shoot("presence-queue")

    # Ana closes her tab: the badge goes without a reload.
    ana.page.close()
    expect(badge).to_have_count(0, timeout=LIVE)
