"""The knowledge base in the browser: articles imported with `autocrm kb import` into the served desk; a
customer browses a topic, searches (the words marked in the snippet), reads an article at its readable URL
and rates it, on a laptop and a phone; a Spanish reader gets the Spanish translation, or the English article
with a notice; staff find internal articles in the workspace, customers never do."""

from __future__ import annotations

import re
import subprocess
import textwrap

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT, DEMO_PASSWORD, PHONE, ROOT, _project_env

pytestmark = pytest.mark.browser

CUSTOMER = "olivia.customer@example.com"
ARTICLES = {
    "reset.md": """\
        ---
        title: Reset your password
        category: Account > Signing in
        tags: [password, login]
        ---
        Forgot your password? You can choose a new one in a minute.

        ## On the website

        1. Open the sign-in page and choose **Forgot password**.
        2. Enter your e-mail address; we send you a link that works for one hour.
        3. Follow the link and pick a new password of at least 8 characters.

        ## In the mobile app

        Open *Settings*, then *Security*, and tap **Change password**.
        """,
    "reset-es.md": """\
        ---
        title: Restablecer la contraseña
        locale: es
        translation_of: reset-your-password
        category: Account > Signing in
        ---
        ¿Has olvidado tu contraseña? Abre la página de acceso y elige **He olvidado mi contraseña**.
        """,
    "refunds.md": """\
        ---
        title: How refunds work
        category: Billing
        ---
        We refund card payments within 14 days of a cancelled order. The money reaches your account in 3 to 5
        working days, depending on your bank.
        """,
    "escalation.md": """\
        ---
        title: Password reset escalations for VIP customers
        visibility: internal
        category: Account
        ---
        Internal only: reset the password of a VIP customer from the admin console after a call-back check.
        """,
}


@pytest.fixture(scope="module")
def articles(served, tmp_path_factory) -> None:
    """The articles, imported into the served desk the way an admin would: with the command line."""
    folder = tmp_path_factory.mktemp("kb-articles")
    for name, text in ARTICLES.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    data_dir = served[1].parent
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "autocrm"), "kb", "import", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 created" in result.stdout


def _search(ui, words: str) -> None:
    box = ui.page.locator("#help-search-q, #article-search-q").filter(visible=True).first
    box.fill(words)
    box.press("Enter")


def test_a_customer_browses_searches_reads_and_rates_an_article(open_ui, articles):
    ui = open_ui(locale="en-US")
    ui.login(CUSTOMER, DEMO_PASSWORD, expect="/portal")
    ui.page.locator(".help-centre-link").filter(visible=True).first.click()
    ui.page.wait_for_url("**/help")
    ui.wait_ready(".kb-category")
    topics = ui.page.locator(".kb-category")  # the demo desk's own topics beside the imported ones
    expect(topics.filter(has_text="Account")).to_have_count(1)
    expect(topics.filter(has_text="Billing")).to_have_count(1)
    expect(topics.filter(has_text="Signing in")).to_have_count(0)  # inside Account
    expect(ui.page.get_by_text("VIP customers")).to_have_count(0)  # internal: never shown to customers
    ui.shoot("kb-help-home")

    ui.page.locator(".kb-category").filter(has_text="Account").click()
    ui.page.wait_for_url("**/help/categories/account")
    ui.wait_ready(".kb-category")  # its sub-topic
    ui.page.locator(".kb-category").filter(has_text="Signing in").click()
    ui.wait_ready(".kb-article-link")
    expect(ui.page.locator(".kb-article-link")).to_have_text(re.compile("Reset your password"))
    ui.shoot("kb-help-category")

    ui.goto("/help")
    ui.wait_ready("#help-search-q")
    _search(ui, "forgot password app")
    ui.page.wait_for_url("**/help?q=forgot%20password%20app")
    ui.wait_ready(".kb-hit")
    first = ui.page.locator(".kb-hit").first
    expect(first.locator(".kb-hit-title")).to_have_text("Reset your password")
    expect(first.locator("mark").first).to_have_text(re.compile("forgot|password|app", re.IGNORECASE))
    assert "VIP" not in ui.page.locator(".kb-results").inner_text()
    ui.shoot("kb-help-search")

    first.click()
    ui.page.wait_for_url(re.compile(r".*/help/articles/\d+-reset-your-password$"))
    ui.wait_ready(".kb-body h2")
    expect(ui.page.locator(".kb-title")).to_have_text("Reset your password")
    expect(ui.page.locator(".kb-body ol li")).to_have_count(3)
    expect(ui.page.locator(".kb-fallback")).to_have_count(0)
    expect(ui.page.locator(".kb-crumbs")).to_have_text(re.compile("Help centre.*Account.*Signing in"))
    ui.shoot("kb-help-article")

    ui.page.locator(".kb-vote-no").click()
    ui.page.fill("#kb-feedback-comment", "The link expired before I could use it.")
    ui.shoot("kb-help-feedback")
    ui.page.locator(".kb-feedback-send").click()
    ui.wait_ready(".kb-feedback-thanks")
    ui.toast("Thank you for your feedback!")

    # The same on a phone, from a search to the article.
    ui.page.set_viewport_size(PHONE)
    ui.goto("/help?q=refund")
    ui.wait_ready(".kb-hit")
    expect(ui.page.locator(".kb-hit").first).to_contain_text("How refunds work")
    ui.page.locator(".kb-hit").first.click()
    ui.wait_ready(".kb-body")
    ui.page.locator(".kb-vote-yes").click()
    ui.page.locator(".kb-feedback-send").click()
    ui.wait_ready(".kb-feedback-thanks")


def test_a_spanish_reader_gets_the_translation_or_the_english_article_with_a_notice(open_ui, articles):
    ui = open_ui(locale="es-ES")
    ui.goto("/help?q=contraseña")
    ui.wait_ready(".kb-hit")
    expect(ui.page.locator(".kb-hit-title").first).to_have_text("Restablecer la contraseña")
    ui.page.locator(".kb-hit").first.click()
    ui.wait_ready(".kb-body")
    expect(ui.page.locator(".kb-title")).to_have_text("Restablecer la contraseña")
    expect(ui.page.locator(".kb-fallback")).to_have_count(0)
    # A visitor reads without signing in, and is asked to sign in to rate.
    expect(ui.page.get_by_text("Inicia sesión para decírnoslo")).to_be_visible()
    # The language switch brings the article along, no reload.
    ui.page.locator(".language-switch").filter(visible=True).first.click()
    ui.page.locator(".language-en").click()
    expect(ui.page.locator(".kb-title")).to_have_text("Reset your password")
    expect(ui.page.get_by_text("Sign in to tell us")).to_be_visible()

    ui = open_ui(locale="es-ES")  # a new Spanish tab: this one's choice is English now
    ui.goto("/help?q=refund")
    ui.wait_ready(".kb-hit")
    ui.page.locator(".kb-hit").first.click()
    ui.wait_ready(".kb-fallback")
    expect(ui.page.locator(".kb-fallback")).to_contain_text("Español")
    expect(ui.page.locator(".kb-title")).to_have_text("How refunds work")
    ui.shoot("kb-help-fallback-es")


def test_staff_find_internal_articles_in_the_workspace(open_ui, articles):
    ui = open_ui(locale="en-US")
    ui.login(AGENT, DEMO_PASSWORD, expect="/agent")
    ui.page.locator(".nav-item").filter(has_text="Knowledge base").click()
    ui.page.wait_for_url("**/agent/kb")
    ui.wait_ready(".kb-staff-article")
    box = ui.page.locator("#agent-kb-search-q")
    box.fill("password reset")
    box.press("Enter")
    ui.wait_ready(".kb-hit")
    titles = ui.page.locator(".kb-hit-title").all_inner_texts()
    assert "Password reset escalations for VIP customers" in titles and "Reset your password" in titles
    ui.shoot("kb-agent-search")
    ui.page.locator(".kb-hit").filter(has_text="VIP customers").click()
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+$"))
    ui.wait_ready(".kb-body")
    expect(ui.page.get_by_text("Internal: staff only")).to_be_visible()
    ui.shoot("kb-agent-article")
    # The help centre never serves it, even at its own address.
    internal_path = ui.page.url.split("/agent/kb/articles/")[1]
    customer = open_ui(locale="en-US")
    customer.goto(f"/help/articles/{internal_path}")
    customer.wait_ready(".empty-state")
    expect(customer.page.get_by_text("Article not found")).to_be_visible()


def test_admins_see_views_and_helpfulness(open_ui, articles):
    ui = open_ui(locale="en-US")
    ui.login(ADMIN, DEMO_PASSWORD, expect="/agent")
    ui.goto("/agent/kb?q=reset%20password")
    ui.wait_ready(".kb-hit")
    ui.page.locator(".kb-hit").filter(has_text="Reset your password").first.click()
    ui.wait_ready(".kb-stats")
    assert int(ui.page.locator(".kb-views").inner_text()) >= 0
    ui.shoot("kb-agent-article-stats", phone=False)
