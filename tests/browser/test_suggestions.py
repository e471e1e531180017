"""Article suggestions in the browser, on the demo desk (its help articles) with one internal article imported:
a customer writing a request sees matching articles as they type and says one answered it (nothing filed, the
article's count goes up for editors), and finds articles picked from their own requests on the portal home (a
newcomer the help centre's own); an agent sees suggestions beside a ticket, inserts a public article's link
into the reply and is told an internal one is not for customers, and the suggestions follow the customer's next
message without a reload. Laptop and phone screenshots."""

from __future__ import annotations

import re
import subprocess
import textwrap
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN,
    AGENT,
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    ROOT,
    SCREENSHOTS,
    _project_env,
    editor_text,
)

pytestmark = pytest.mark.browser

CUSTOMER = "olivia.customer@example.com"
CARD_ARTICLE = "Activate your new card"
INTERNAL = """\
    ---
    title: Reissuing a card that never arrived
    visibility: internal
    category: Cards
    ---
    When a customer's new card has not arrived after 10 working days, check the courier's tracking first, then
    freeze the lost card and reissue it free of charge.
    """


@pytest.fixture(scope="module")
def internal_article(served, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("suggest-articles")
    (folder / "reissue.md").write_text(textwrap.dedent(INTERNAL), encoding="utf-8")
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(served[1].parent)}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "autocrm"), "kb", "import", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _new_request(ui) -> None:
    ui.goto("/portal/new")
    ui.wait_ready("#new-request-form button.submit:not([disabled])")


def test_a_customer_sees_articles_while_typing_and_one_answers_the_question(open_ui, internal_article):
    ui = open_ui(locale="en-US")
    ui.login(CUSTOMER, DEMO_PASSWORD, expect="/portal")
    _new_request(ui)
    ui.page.fill("#subject", "Hi")
    ui.page.wait_for_timeout(1200)
    expect(ui.page.locator(".request-suggestions")).to_have_count(0)  # too little to mean anything

    ui.page.fill("#subject", "My new card has not arrived")
    ui.page.locator("#body").press_sequentially("I ordered it two weeks ago.", delay=20)
    panel = ui.page.locator(".request-suggestions")
    panel.wait_for(state="visible")
    expect(panel).to_contain_text("These articles may answer your question")
    suggestion = panel.locator(".suggested-article").filter(has_text=CARD_ARTICLE).first
    link = suggestion.locator("a.suggested-title")
    expect(link).to_have_attribute("target", "_blank")
    href = link.get_attribute("href") or ""
    assert re.fullmatch(r"/help/articles/\d+-activate-your-new-card", href), href
    expect(panel).not_to_contain_text("Reissuing")  # internal: never shown to customers
    assert len(panel.locator(".suggested-article").all()) <= 3
    ui.shoot("suggest-portal-typing")

    suggestion.locator("button.answered").click()
    ui.wait_ready(".deflected-notice")
    ui.toast("Glad it helped!")
    expect(ui.page.locator("#subject")).to_have_value("")
    expect(ui.page.locator("#body")).to_have_text("")
    expect(ui.page.locator(".request-suggestions")).to_have_count(0)
    ui.shoot("suggest-portal-deflected")
    ui.goto("/portal")
    ui.wait_ready("h1, h2")
    expect(ui.page.get_by_text("I ordered it two weeks ago.")).to_have_count(0)  # nothing was filed

    # The home's articles: picked from Olivia's own requests, each saying which, linking to the help centre.
    section = ui.page.locator(".articles-for-me")
    section.wait_for(state="visible")
    expect(section).to_contain_text("Articles for you")
    expect(section).not_to_contain_text("Reissuing")  # internal
    cards = section.locator("a.article-for-me")
    assert 1 <= cards.count() <= 4
    expect(cards.first.locator(".article-for-me-why")).to_contain_text(re.compile(r"Because of your request #\d+"))
    ui.shoot("portal-home-articles")
    ui.page.set_viewport_size(PHONE)  # on a phone they follow the open requests
    section.scroll_into_view_if_needed()
    ui.page.screenshot(path=str(SCREENSHOTS / "portal-home-articles-scrolled-390x844.png"))
    ui.page.set_viewport_size(DESKTOP)
    title = cards.first.locator(".article-for-me-title").inner_text()
    cards.first.click()
    ui.page.wait_for_url(re.compile(r".*/help/articles/\d+-[a-z0-9-]+$"))
    expect(ui.page.get_by_role("heading", name=title)).to_be_visible()

    # An editor sees the article counted.
    ui.page.context.clear_cookies()
    ui.login(ADMIN, DEMO_PASSWORD, expect="/agent")
    article_id = href.rsplit("/", 1)[-1].split("-", 1)[0]
    ui.goto(f"/agent/kb/articles/{article_id}")
    ui.wait_ready(".kb-deflections")
    expect(ui.page.locator(".kb-deflections")).to_have_text("1")
    ui.shoot("suggest-kb-article-deflections")

    # Someone new, with no requests: the help centre's own picks, not called theirs.
    ui.page.context.clear_cookies()
    ui.signup("Nadia Newcomer", f"nadia.{uuid.uuid4().hex[:8]}@example.com")
    section.wait_for(state="visible")
    expect(section).to_contain_text("From our help centre")
    expect(section.locator(".article-for-me-why").first).to_have_text(
        re.compile(r"^(Among the most read|Latest) in the help centre$")
    )
    ui.shoot("portal-home-articles-newcomer")


def test_an_agent_inserts_a_suggested_article_link_into_a_reply(open_ui, internal_article):
    customer = open_ui(locale="en-US")
    customer.login(CUSTOMER, DEMO_PASSWORD, expect="/portal")
    _new_request(customer)
    customer.page.fill("#subject", "Card still not here")
    customer.page.fill("#body", "My new card has not arrived and I need it for a trip next week.")
    customer.page.click("#new-request-form button.submit")
    customer.page.wait_for_url(re.compile(r".*/portal/tickets/\d+$"))
    ticket_id = customer.page.url.rsplit("/", 1)[-1]

    ui = open_ui(locale="en-US")
    ui.login(AGENT, DEMO_PASSWORD, expect="/agent")
    ui.goto(f"/agent/tickets/{ticket_id}")
    ui.wait_ready(".ticket-suggestions")
    panel = ui.page.locator(".ticket-suggestions")
    public = panel.locator(".suggested-article").filter(has_text=CARD_ARTICLE).first
    public.wait_for(state="visible")
    internal = panel.locator(".suggested-article").filter(has_text="Reissuing a card that never arrived").first
    expect(internal.locator(".suggested-internal")).to_have_text("Internal: not for customers")
    expect(internal.locator("button.insert-article")).to_have_count(0)

    ui.page.fill("#composer-body", "Sorry to hear that. This should help:")
    public.locator("button.insert-article").click()
    ui.toast("Link added to your reply.")
    value = editor_text(ui.page, "composer-body")
    assert re.search(r"This should help:\n\nActivate your new card: http://localhost:\d+/help/articles/\d+-", value), (
        value
    )
    panel.scroll_into_view_if_needed()
    ui.shoot("suggest-agent-ticket")
    ui.page.set_viewport_size(PHONE)
    panel.scroll_into_view_if_needed()
    ui.page.wait_for_timeout(300)
    ui.page.screenshot(path=str(SCREENSHOTS / "suggest-agent-panel-390x844.png"))
    ui.page.set_viewport_size(DESKTOP)

    ui.page.click("#composer-form button.composer-submit")
    ui.toast("Reply sent to the customer.")
    customer.goto(f"/portal/tickets/{ticket_id}")
    customer.wait_ready(".message-body")
    sent = customer.page.locator(".message-body").filter(has_text=re.compile(r"Activate your new card: http://"))
    expect(sent).to_have_count(1)

    # The customer writes about something else: the agent's open page follows the newest customer message.
    expect(panel).not_to_contain_text("Why is my transfer still pending?")
    customer.page.fill("#reply-body", "Thanks. And why is my bank transfer still pending since Monday?")
    customer.page.click("#reply-form button.send-reply")
    customer.toast("Message sent")
    expect(panel.locator(".suggested-article").first).to_contain_text("Why is my transfer still pending?")
