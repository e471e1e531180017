"""The portal's chatbot in chromium, the session app's LLM being the local test server (`browser_llm`): an
answer written by the model appears as it is written, its source link shown from the start and the vote once it
is whole; a stream cut short gives the quoted answer instead; two answers marked unhelpful hand the
conversation to a person, and the request opened carries the transcript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WRITTEN = "In the app, open Cards, pick the new card and tap Activate; confirm with the last four digits on it."


@pytest.fixture
def llm(browser_llm):
    browser_llm.reset()
    browser_llm.reply = lambda body: WRITTEN
    yield browser_llm
    browser_llm.reset()


def test_the_chatbot_streams_an_answer_with_its_source_then_hands_over_with_the_transcript(open_ui, unique, llm):
    customer = open_ui()
    customer.signup(f"Chloe Chat {unique}", f"chloe.{unique}@example.com")
    customer.page.locator("a.chat-link").filter(visible=True).first.click()
    customer.page.wait_for_url("**/portal/chat")
    customer.page.wait_for_selector("button.chat-ask:not([disabled])")

    llm.piece_delay_seconds = 0.25  # a model writing at its own pace: the answer grows on the screen
    customer.page.fill("#chat-question", "How do I activate my new card?")
    customer.page.click("button.chat-ask")
    writing = customer.page.locator(".chat-reply")
    expect(writing.locator(".chat-source")).to_contain_text("Activate your new card")
    expect(writing.locator(".chat-reply-text")).to_contain_text("In the app, open")
    assert writing.locator("button.chat-helpful").count() == 0  # no vote on half an answer
    customer.shoot("portal-chat-writing")
    answer = customer.page.locator(".chat-bot").first
    expect(answer).to_contain_text(WRITTEN, timeout=20_000)
    expect(answer).to_contain_text("Written by AI from:")
    assert "/help/articles/" in (answer.locator(".chat-source").first.get_attribute("href") or "")
    expect(writing).to_have_count(0)
    customer.shoot("portal-chat-answer")
    asked = llm.requests[-1]["messages"][1]["content"]
    assert "How do I activate my new card?" in asked and "Activate it in the app" in asked  # the passages
    answer.locator("button.chat-unhelpful").click()
    expect(answer.locator(".chat-voted")).to_contain_text("Thanks for telling us")

    llm.piece_delay_seconds, llm.break_stream_after = 0.0, 4  # the stream breaks off: the quoted answer instead
    customer.page.fill("#chat-question", "How can I activate the new card I got?")
    customer.page.click("button.chat-ask")
    second = customer.page.locator(".chat-bot").nth(1)
    expect(second).to_contain_text("printed on the card")
    expect(second).to_contain_text("Source:")
    assert "In the app, open Cards" not in second.inner_text()
    second.locator("button.chat-unhelpful").click()  # the second unhelpful answer: a person takes over
    handed = customer.page.locator(".chat-handed-over")
    expect(handed).to_be_visible()
    customer.shoot("portal-chat-handed-over")
    handed.get_by_role("link").click()
    customer.page.wait_for_url(re.compile(r".*/portal/tickets/\d+"))
    conversation = customer.page.locator(".timeline")
    expect(conversation).to_contain_text("How do I activate my new card?")
    expect(conversation).to_contain_text(WRITTEN)
    expect(conversation).to_contain_text("How can I activate the new card I got?")
    expect(conversation).to_contain_text("Activate your new card")  # the sources, linked
    assert customer.errors == []
