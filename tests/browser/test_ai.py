"""The AI on the agent's ticket page and the admins' AI settings, in chromium, with the session app's LLM
being the local OpenAI-compatible test server (`browser_llm`)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT, ROOT, expect_editor_text

pytestmark = pytest.mark.browser

MODEL_SUMMARY = (
    "Problem: The customer was charged twice for one payment.\n"
    "Tried: The agent asked for the date and the amount.\n"
    "State: Waiting for the customer's answer.\n"
    "Last ask: When will the second charge be refunded?"
)
REWRITTEN = "Dear customer, thank you very much for your patience."


def _answers(body) -> str:
    system = body["messages"][0]["content"]
    return MODEL_SUMMARY if system.startswith("You summarize") else REWRITTEN


@pytest.fixture
def llm(browser_llm):
    browser_llm.reset()
    browser_llm.reply = _answers
    yield browser_llm
    browser_llm.reset()


def _open_first_ticket(ui) -> None:
    ui.login(AGENT, expect="/agent")
    ui.wait_ready(".queue-row")
    ui.page.locator(".queue-row .ticket-subject").filter(visible=True).first.click()
    ui.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    ui.wait_ready(".timeline")


def test_the_summary_and_a_rewritten_draft_on_a_ticket(open_ui, llm):
    agent = open_ui()
    _open_first_ticket(agent)
    summary = agent.page.locator(".ticket-summary")
    expect(summary.locator(".summary-made-by")).to_have_text("Written by AI")
    expect(summary).to_contain_text("The customer was charged twice for one payment.")
    expect(summary).to_contain_text("When will the second charge be refunded?")
    asked = [r for r in llm.requests if r["messages"][0]["content"].startswith("You summarize")]
    assert asked and "Conversation, oldest first" in asked[-1]["messages"][1]["content"]
    agent.shoot("agent-ticket-summary")

    agent.page.fill("#composer-body", "hey thx for waiting")
    agent.page.locator("button.rewrite-menu").click()
    agent.page.locator(".rewrite-formal").click()
    expect_editor_text(agent.page, "composer-body", REWRITTEN)
    agent.page.locator(".rewrite-notice").wait_for()
    assert llm.requests[-1]["messages"][1]["content"] == "hey thx for waiting"
    agent.shoot("agent-ticket-rewritten")
    agent.page.locator("button.rewrite-undo").click()
    expect_editor_text(agent.page, "composer-body", "hey thx for waiting")
    expect(agent.page.locator(".rewrite-notice")).to_have_count(0)

    llm.fail_next = 1  # the provider fails: the agent is told, the draft stays
    agent.page.locator("button.rewrite-menu").click()
    agent.page.locator(".rewrite-concise").click()
    expect(agent.page.locator(".rewrite-error")).to_contain_text("could not answer")
    expect_editor_text(agent.page, "composer-body", "hey thx for waiting")

    # Spelling needs no LLM: a suggestion goes into the draft in place of the word, and the draft is checked again.
    agent.page.fill("#composer-body", "We will recieve the the parcel tomorrow.")
    agent.page.keyboard.press("Control+a")
    agent.page.keyboard.press("Control+b")  # a formatted draft keeps its formatting through the corrections
    agent.page.locator("button.spelling-check").click()
    issues = agent.page.locator(".spelling-issue")
    expect(issues).to_have_count(2)
    expect(issues.first).to_contain_text("recieve")
    agent.page.locator(".composer-form, form#composer-form").first.scroll_into_view_if_needed()
    agent.shoot("agent-ticket-spelling")
    issues.first.locator(".spelling-suggestion").filter(has_text="receive").click()
    expect_editor_text(agent.page, "composer-body", "We will receive the the parcel tomorrow.")
    expect(agent.page.locator("#composer-body strong")).to_have_text("We will receive the the parcel tomorrow.")
    expect(issues).to_have_count(1)
    issues.first.locator(".spelling-ignore").click()
    expect(agent.page.locator(".spelling-panel")).to_contain_text("Nothing else to check.")
    assert agent.errors == []


def test_admins_switch_a_feature_off_and_see_the_usage(open_ui, llm):
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/admin/ai")
    admin.wait_ready(".ai-kill-switch")
    admin.page.locator("button.ai-check-health").click()
    expect(admin.page.locator(".ai-health")).to_have_text("Answering")
    rewrite_switch = admin.page.locator("[data-feature=rewrite] .ai-feature-switch")
    expect(rewrite_switch).to_have_attribute("data-state", "checked")
    rewrite_switch.click()
    expect(rewrite_switch).to_have_attribute("data-state", "unchecked")
    admin.shoot("admin-ai")
    try:
        agent = open_ui()  # another person's tab: the switch holds for everyone at once
        _open_first_ticket(agent)
        agent.page.locator(".composer-mode").wait_for()
        expect(agent.page.locator("button.rewrite-menu")).to_have_count(0)
    finally:
        rewrite_switch.click()
        expect(rewrite_switch).to_have_attribute("data-state", "checked")
    assert admin.page.locator(".ai-usage-row").filter(visible=True).count() == 5
    quality = admin.page.locator(".ai-quality-row").filter(visible=True)
    measured = json.loads((ROOT / "autocrm" / "seed_data" / "ai_quality.json").read_text())[
        "rows"
    ]  # what bench/ai_eval.py measured
    assert quality.count() == len(measured) and "BANKING77" in quality.first.inner_text()
    assert admin.errors == []


DRAFTED = "Hi, I am sorry about your card: a new one is on its way to you."


def test_an_agent_sends_an_edited_suggested_reply(open_ui, llm):
    llm.reply = lambda body: DRAFTED if body["messages"][0]["content"].startswith("You draft") else _answers(body)
    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    agent.page.fill("#queue-search", "transfer pending")
    agent.page.press("#queue-search", "Enter")
    agent.page.locator(".queue-row").filter(has_text="pending").first.wait_for()
    agent.page.locator(".queue-row .ticket-subject").filter(visible=True).filter(has_text="pending").first.click()
    agent.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    agent.wait_ready(".timeline")
    agent.page.locator("button.suggest-reply").click()
    body = agent.page.locator("#composer-body")
    expect_editor_text(
        agent.page, "composer-body", DRAFTED, timeout=20_000
    )  # the first search loads the embedding model
    notice = agent.page.locator(".suggestion-notice")
    expect(notice).to_contain_text("Drafted by the AI from these sources")
    assert notice.locator(".suggestion-source").count() >= 1
    agent.shoot("agent-ticket-suggested-reply")
    body.fill(DRAFTED + " Best regards, Maya")
    agent.page.locator("button.composer-submit").click()
    agent.toast("sent")
    expect(agent.page.locator(".timeline")).to_contain_text("Best regards, Maya")
    expect(agent.page.locator(".suggestion-notice")).to_have_count(0)
    assert agent.errors == []


# An agent no other browser test signs in as: the view saved here would change the sidebar those tests count.
VIEW_SAVER = "ethan.brooks@demo.autocrm.dev"


def test_an_agent_saves_a_recommended_filter_as_a_view(open_ui):
    agent = open_ui()
    agent.login(VIEW_SAVER, expect="/agent")
    agent.wait_ready(".queue-row")
    agent.goto("/agent/stats")
    agent.wait_ready(".stat-card")
    recommended = agent.page.locator(".recommended-filter")
    recommended.first.wait_for()
    label = recommended.first.locator("p").first.inner_text()
    assert " of your " in recommended.first.inner_text()  # the figures it stands on
    agent.shoot("agent-stats-recommended")
    recommended.first.locator("button.save-recommended").click()
    agent.toast("Saved as a view")
    expect(agent.page.locator("nav, aside, div").get_by_role("link", name=label).first).to_be_visible()
    expect(agent.page.locator(".recommended-filter").filter(has_text=label)).to_have_count(0)
    assert agent.errors == []
