"""The portal's chatbot in chromium: an answer quoted from the demo help centre with its source link, two
answers marked unhelpful hand the conversation to a person, and the request opened carries the transcript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_chatbot_answers_with_a_source_then_hands_over_with_the_transcript(open_ui, unique):
    customer = open_ui()
    customer.signup(f"Chloe Chat {unique}", f"chloe.{unique}@example.com")
    customer.page.locator("a.chat-link").filter(visible=True).first.click()
    customer.page.wait_for_url("**/portal/chat")
    customer.page.wait_for_selector("button.chat-ask:not([disabled])")

    customer.page.fill("#chat-question", "How do I activate my new card?")
    customer.page.click("button.chat-ask")
    answer = customer.page.locator(".chat-bot").first
    expect(answer.locator(".chat-source")).to_contain_text("Activate your new card")
    assert "/help/articles/" in (answer.locator(".chat-source").first.get_attribute("href") or "")
    customer.shoot("portal-chat-answer")
    answer.locator("button.chat-unhelpful").click()
    expect(answer.locator(".chat-voted")).to_contain_text("Thanks for telling us")

    customer.page.fill("#chat-question", "How can I activate the new card I got?")
    customer.page.click("button.chat-ask")
    second = customer.page.locator(".chat-bot").nth(1)
    second.locator("button.chat-unhelpful").click()  # the second unhelpful answer: a person takes over
    handed = customer.page.locator(".chat-handed-over")
    expect(handed).to_be_visible()
    customer.shoot("portal-chat-handed-over")
    handed.get_by_role("link").click()
    customer.page.wait_for_url(re.compile(r".*/portal/tickets/\d+"))
    conversation = customer.page.locator(".timeline")
    expect(conversation).to_contain_text("How do I activate my new card?")
    expect(conversation).to_contain_text("How can I activate the new card I got?")
    expect(conversation).to_contain_text("Activate your new card")  # the sources, linked
    assert customer.errors == []
