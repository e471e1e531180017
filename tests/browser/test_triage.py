"""Triage on the agent's ticket page of the demo desk (whose resolved tickets are categorized and indexed by the
seed): the suggestions with their confidence and sources, and one applied through the ticket services; the
suggested agent with its reason, and one assigned from the panel."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser

# An agent no other browser test signs in as (applying changes a ticket other tests may open first).
TRIAGER = "liam.novak@demo.autocrm.dev"


def test_an_agent_applies_the_category_triage_suggests_and_assigns_a_suggested_agent(open_ui):
    agent = open_ui()
    agent.login(TRIAGER, expect="/agent")
    agent.wait_ready(".queue-row")
    agent.page.locator(".queue-row .ticket-subject").filter(visible=True).first.click()
    agent.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    agent.wait_ready(".timeline")
    panel = agent.page.locator(".ticket-triage")
    # An unsolved demo ticket has no category yet: triage offers the one its resolved look-alikes have.
    offer = panel.locator(".triage-offer[data-field=category]")
    expect(offer).to_be_visible(timeout=30_000)  # the first triage of a process loads the history
    expect(offer.locator(".triage-confidence")).to_have_text(re.compile(r"^\d{1,3}\s?%$"))
    sources = panel.locator(".triage-source")
    expect(sources.first).to_have_attribute("href", re.compile(r"/agent/tickets/\d+$"))
    assert 1 <= sources.count() <= 5
    category = offer.locator(".triage-value").inner_text()
    _shoot_panel(agent, panel, "agent-ticket-triage")

    offer.locator(".triage-apply").click()
    agent.toast(f"Category set to {category}")
    expect(offer).to_have_count(0)  # the ticket has it now
    expect(panel.locator(".triage-agreed, .triage-nothing")).to_contain_text("Category")
    expect(agent.page.locator(".timeline")).to_contain_text(category)  # audited: the change is on the timeline

    # The suggested agents: who resolved the most similar tickets, why, and an Assign (not Maya: other tests
    # count her tickets).
    suggested = panel.locator(".best-agent")
    expect(suggested.first).to_be_visible()
    assert 1 <= suggested.count() <= 3
    expect(suggested.first.locator(".best-agent-reason")).to_contain_text(re.compile(r"^Solved \d+ similar ticket"))
    expect(panel.locator(".best-team")).to_contain_text(re.compile(r"^Best team: .+ \(Solved \d+ similar"))
    pick = suggested.filter(has=agent.page.locator(".best-agent-assign")).filter(has_not_text="Maya").first
    name = pick.locator(".best-agent-name").inner_text()
    pick.locator(".best-agent-assign").click()
    agent.toast(f"Assigned to {name}")
    chosen = suggested.filter(has=agent.page.locator(".best-agent-name", has_text=name))
    expect(chosen.locator(".best-agent-assign")).to_have_count(0)
    expect(chosen).to_contain_text("Assigned")
    expect(agent.page.locator(".timeline")).to_contain_text(re.compile(rf"Assignee( set to|: .*→) {re.escape(name)}"))
    _shoot_panel(agent, panel, "agent-ticket-suggested-agent")
    assert agent.errors == []


def _shoot_panel(ui, panel, name: str) -> None:
    """The page at both sizes scrolled to the panel (below the conversation on a phone)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, label in ((DESKTOP, "1366x768"), (PHONE, "390x844")):
        ui.page.set_viewport_size(size)
        ui.page.wait_for_timeout(300)
        panel.scroll_into_view_if_needed()
        ui.page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"))
        overflow = ui.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name}: the page is {overflow}px wider than the window at {label}"
    ui.page.set_viewport_size(DESKTOP)
