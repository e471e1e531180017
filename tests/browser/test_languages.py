"""The language follows the browser, then the switch: live on the queue, a ticket and the portal, no reload;
screenshots of the queue and the portal in every language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT

pytestmark = pytest.mark.browser

# A text each screen shows, per language (from the catalogs): the proof a switch reached the page.
QUEUE_VIEW = {"en": "Unsolved", "es": "Sin resolver", "de": "Ungelöst", "fr": "Non résolus"}
SORT_HEADER = {"en": "Requester", "es": "Solicitante", "de": "Anfragende", "fr": "Demandeur"}
TICKET_TAB = {"en": "Public reply", "es": "Respuesta pública", "de": "Öffentliche Antwort", "fr": "Réponse publique"}
PORTAL_TITLE = {"en": "My requests", "es": "Mis solicitudes", "de": "Meine Anfragen", "fr": "Mes demandes"}
NAMES = {"en": "English", "es": "Español", "de": "Deutsch", "fr": "Français"}
# The browser tab's title follows the language too.
QUEUE_TAB = {"en": "Queue · AutoCRM", "es": "Cola · AutoCRM", "de": "Warteschlange · AutoCRM", "fr": "File · AutoCRM"}


def _switch(ui, locale: str) -> None:
    ui.page.locator(".language-switch").filter(visible=True).first.click()
    ui.page.locator(f".language-{locale}").click()


def _mark_page(ui) -> None:
    """A flag on the window: a reload would drop it, so it proves a switch applied without one."""
    ui.page.evaluate("window.__no_reload = true")


def _not_reloaded(ui) -> None:
    assert ui.page.evaluate("window.__no_reload === true")


def test_the_agent_switches_language_live_on_the_queue_and_a_ticket(open_ui):
    agent = open_ui(locale="de-DE")
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    # Maya chose no language: the browser's German applies, before any switch.
    expect(agent.page.locator(".page-title").filter(visible=True)).to_have_text(QUEUE_VIEW["de"])
    _mark_page(agent)
    try:
        for locale in ("fr", "es", "en", "de"):
            _switch(agent, locale)
            expect(agent.page.locator(".page-title").filter(visible=True)).to_have_text(QUEUE_VIEW[locale])
            expect(agent.page.locator("th").filter(has_text=SORT_HEADER[locale]).first).to_be_visible()
            expect(agent.page.locator("html")).to_have_attribute("lang", locale)
            expect(agent.page).to_have_title(QUEUE_TAB[locale])
            agent.shoot(f"i18n-queue-{locale}")
        _not_reloaded(agent)

        agent.page.locator(".queue-row .ticket-subject").first.click()
        agent.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
        agent.wait_ready(".timeline")
        expect(agent.page.get_by_text(TICKET_TAB["de"]).first).to_be_visible()
        _mark_page(agent)
        _switch(agent, "fr")
        expect(agent.page.get_by_text(TICKET_TAB["fr"]).first).to_be_visible()
        # Times are words too: the conversation's come again in French ("il y a 10 h"), not German.
        expect(agent.page.locator(".timeline")).to_contain_text("il y a")
        expect(agent.page.locator(".timeline")).not_to_contain_text("vor ")
        _not_reloaded(agent)
        agent.shoot("i18n-ticket-fr")

        # Saved on her profile: a new browser in English still shows French once she signs in.
        other = open_ui(locale="en-US")
        other.login(AGENT, expect="/agent")
        other.wait_ready(".queue-row")
        expect(other.page.locator(".page-title").filter(visible=True)).to_have_text(QUEUE_VIEW["fr"])
    finally:
        _switch(agent, "en")  # the other tests of this session expect Maya's English
        expect(agent.page.get_by_text(TICKET_TAB["en"]).first).to_be_visible()


def test_a_customer_switches_the_portal_live(open_ui, unique):
    customer = open_ui(locale="es-ES")
    customer.signup(f"Lucía Prueba {unique}", f"lucia.{unique}@example.com")
    expect(customer.page.get_by_role("heading", name=PORTAL_TITLE["es"])).to_be_visible()
    customer.wait_ready("text=Aún no hay solicitudes")
    # From the first load on, before any switch: the document's language and the tab's title are Spanish.
    expect(customer.page.locator("html")).to_have_attribute("lang", "es")
    expect(customer.page).to_have_title(re.compile(r"^Mis solicitudes · "))
    _mark_page(customer)
    for locale in ("de", "fr", "en", "es"):
        _switch(customer, locale)
        expect(customer.page.get_by_role("heading", name=PORTAL_TITLE[locale])).to_be_visible()
        customer.shoot(f"i18n-portal-{locale}")
    _not_reloaded(customer)


def test_the_german_queue_with_a_views_chips_and_the_bulk_bar(open_ui):
    """The texts merged after the first translation pass (chips, quick filters, the bulk bar, the view menu)
    in German, at desktop and phone widths: nothing English, nothing cut off."""
    agent = open_ui(locale="de-DE")
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    _switch(agent, "de")
    try:
        filters = '{"priority":["high"],"status_category":["new","open","pending","on_hold"]}'
        agent.goto(f"/agent?view=unsolved&f={filters}&quick=unassigned")
        agent.wait_ready(".filter-chip")
        expect(agent.page.locator(".page-title").filter(visible=True)).to_have_text("Ungelöst (geändert)")
        chips = agent.page.locator(".filter-chip")
        expect(chips.filter(has_text="Priorität: Hoch")).to_have_count(1)
        expect(chips.filter(has_text="Status: ungelöst")).to_have_count(1)
        expect(agent.page.locator(".quick-filter[aria-pressed='true']")).to_have_text(["Nicht zugewiesen"])
        expect(agent.page.locator(".quick-filter").filter(has_text="In der letzten Stunde aktualisiert")).to_have_count(
            1
        )
        rows = agent.page.locator(".queue-row .row-select")
        if rows.count() < 2:  # the demo's high, unassigned ones may be few: any two tickets show the bar
            agent.goto("/agent?view=all&quick=high_priority")
            agent.wait_ready(".queue-row")
        agent.page.locator(".queue-row .row-select").nth(0).click()
        agent.page.locator(".queue-row .row-select").nth(1).click()
        bar = agent.page.locator(".bulk-bar")
        expect(bar.locator(".selection-label")).to_have_text("2 Tickets ausgewählt")
        expect(bar).to_contain_text("Status setzen")
        expect(bar.locator(".bulk-apply")).to_have_text("Anwenden…")
        expect(agent.page.locator("html")).to_have_attribute("lang", "de")
        agent.shoot("i18n-queue-de-chips-bulk-bar")
        agent.page.locator(".bulk-bar button[role=combobox]").first.click()
        agent.page.get_by_role("option", name="Priorität setzen", exact=True).click()
        agent.page.locator(".bulk-bar button[role=combobox]").nth(1).click()
        agent.page.get_by_role("option", name="Dringend", exact=True).click()
        agent.page.locator(".bulk-apply").click()
        dialog = agent.page.locator(".confirm-dialog")
        expect(dialog).to_contain_text("2 Tickets ändern?")
        expect(dialog).to_contain_text("Bei diesen 2 Tickets: Priorität auf Dringend setzen.")
        agent.shoot("i18n-queue-de-bulk-confirmation", phone=False)
        dialog.get_by_role("button", name="Abbrechen").click()
        agent.page.locator(".view-menu").click()
        expect(agent.page.locator(".view-save-new")).to_have_text("Als neue Ansicht speichern…")
        agent.page.locator(".view-save-new").click()
        view_dialog = agent.page.locator(".view-dialog")
        expect(view_dialog).to_contain_text("Als neue Ansicht speichern")
        expect(agent.page.locator("#view-name")).to_have_attribute("placeholder", "z. B. Dringende Karten")
        agent.shoot("i18n-queue-de-save-view")
        agent.page.keyboard.press("Escape")
        agent.page.locator(".shortcuts-button").click()
        shortcuts = agent.page.locator(".shortcuts-dialog")
        expect(shortcuts).to_contain_text("Nächstes / vorheriges Ticket der Warteschlange")
        expect(shortcuts).to_contain_text("Sie wirken nicht, während Sie in ein Feld tippen.")
        agent.shoot("i18n-queue-de-shortcuts", phone=False)
        agent.page.keyboard.press("Escape")
    finally:
        _switch(agent, "en")


def test_the_admin_pages_merged_later_in_french(open_ui):
    """E-mail, API keys (each scope's hint) and webhooks (each event's hint) in French, with their tab titles."""
    admin = open_ui(locale="fr-FR")
    admin.login(ADMIN, expect="/agent")
    admin.wait_ready(".queue-row")
    _switch(admin, "fr")
    try:
        admin.goto("/admin/mailboxes")
        admin.wait_ready("button.new-mailbox")
        expect(admin.page).to_have_title("E-mail · AutoCRM")
        expect(admin.page.locator("html")).to_have_attribute("lang", "fr")
        expect(admin.page.get_by_role("heading", name="E-mails en échec")).to_be_visible()
        admin.page.locator("button.new-mailbox").click()
        dialog = admin.page.locator(".mailbox-dialog")
        expect(dialog).to_contain_text("Nouvelle boîte")
        expect(dialog).to_contain_text("Déplacer les e-mails traités vers")
        admin.shoot("i18n-mailboxes-fr")
        admin.page.keyboard.press("Escape")

        admin.goto("/admin/api-keys")
        admin.wait_ready("button.new-key")
        expect(admin.page).to_have_title("Clés d'API · AutoCRM")
        admin.page.locator("button.new-key").first.click()
        expect(admin.page.get_by_text("Lire les tickets, leurs conversations et leur historique")).to_be_visible()
        admin.shoot("i18n-api-keys-fr")
        admin.page.keyboard.press("Escape")

        admin.goto("/admin/webhooks")
        admin.wait_ready("button.new-hook")
        expect(admin.page).to_have_title("Webhooks · AutoCRM")
        admin.page.locator("button.new-hook").first.click()
        expect(
            admin.page.get_by_text("Un ticket est ouvert, par n’importe qui, sur n’importe quel canal")
        ).to_be_visible()
        admin.shoot("i18n-webhooks-fr")
        admin.page.keyboard.press("Escape")
    finally:
        _switch(admin, "en")


def _direction(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


def test_arabic_content_reads_right_to_left_in_an_english_ui(open_ui, unique):
    """The UI stays in its four languages; a customer's Arabic subject and message lay out right to left
    wherever they are shown (the request list, the conversation, the staff's queue), English beside them."""
    subject = f"استرداد مبلغ مدفوع مرتين {unique}"
    customer = open_ui()
    customer.signup(f"Layla Test {unique}", f"layla.{unique}@example.com")
    customer.wait_ready("text=No requests yet")
    customer.page.locator("a.new-request").click()
    customer.page.wait_for_url("**/portal/new")
    customer.page.wait_for_selector("button.submit:not([disabled])")
    customer.page.fill("#subject", subject)
    customer.page.fill("#body", "تم خصم المبلغ مرتين من بطاقتي يوم الاثنين. أرجو استرداد أحدهما.")
    customer.page.click("button.submit")
    customer.page.wait_for_url(re.compile(r".*/portal/tickets/\d+"))
    body = customer.page.locator(".message-body").first
    expect(body).to_contain_text("أرجو استرداد")
    assert _direction(body) == "rtl"
    assert _direction(customer.page.locator("h1").filter(has_text=subject)) == "rtl"
    assert _direction(customer.page.locator("body")) == "ltr"  # the page around it stays left to right
    customer.shoot("rtl-portal-ticket")
    customer.goto("/portal")
    row_subject = customer.page.locator(".ticket-subject").filter(has_text=subject)
    expect(row_subject).to_be_visible()
    assert _direction(row_subject) == "rtl"

    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.wait_ready(".queue-row")
    admin.page.fill("#queue-search", unique)
    admin.page.press("#queue-search", "Enter")
    queue_subject = admin.page.locator(".queue-row .ticket-subject").filter(visible=True).filter(has_text=subject)
    expect(queue_subject).to_have_count(1)
    assert _direction(queue_subject) == "rtl"
    assert _direction(admin.page.locator(".page-title").filter(visible=True)) == "ltr"
    admin.shoot("rtl-queue")
