"""The admins' routing rules page end to end in chromium: two rules made in the editor (a bad condition refused next
to its row first), reordered by dragging and with the arrows, one switched off, a ticket tested against them and
the rules deleted; an agent cannot open the page. Screenshots of the list, the editor and the test panel at
1366x768 and 390x844.

The rules match only this test's own word, so the session app's other tests never meet them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT, DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


def _pick(ui, trigger: str, option: str) -> None:
    ui.page.locator(trigger).first.click()
    ui.page.get_by_role("option", name=option, exact=True).click()


def _new_rule(ui, name: str, word: str, *, team: str = "", priority: str = "", tags: str = "") -> None:
    ui.page.locator("button.new-rule").first.click()
    ui.page.fill("#rule-name", name)
    row = ui.page.locator(".condition-row").first
    row.locator("input").first.fill(word)
    if team:
        _pick(ui, ".rule-team", team)
    if priority:
        _pick(ui, ".rule-priority", priority)
    if tags:
        ui.page.fill("#rule-add-tags", tags)


def _shoot(ui, name: str) -> None:
    """A screenshot without the toasts of the steps before it over the page."""
    hidden = ui.page.add_style_tag(content="[data-sonner-toaster] { visibility: hidden !important; }")
    ui.shoot(name)
    hidden.evaluate("element => element.remove()")


def test_an_admin_builds_orders_and_tries_routing_rules(open_ui, unique):
    word = f"zq{unique}"
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.page.locator(".sidebar").get_by_text("Routing").click()
    admin.page.wait_for_url("**/admin/routing")
    admin.wait_ready("button.new-rule")
    if admin.page.locator(".rule-row").count() == 0:
        admin.page.locator(".empty-state").wait_for()
        admin.shoot("admin-routing-empty", phone=False)

    # A condition without its value: the service's parser refuses it next to the row, nothing typed is lost.
    _new_rule(admin, f"Cards {unique}", "", team="Cards & Payments")
    admin.page.click("button.rule-save")
    admin.page.locator(".rule-editor .field-error").filter(has_text="needs one value").wait_for()
    expect(admin.page.locator("#rule-name")).to_have_value(f"Cards {unique}")
    admin.page.locator(".condition-row input").first.fill(word)
    admin.page.click("button.rule-save")
    admin.toast("Rule created")

    _new_rule(admin, f"VIP {unique}", word, priority="Urgent", tags="vip")
    admin.page.locator("button.condition-add").click()
    second = admin.page.locator(".condition-row").nth(1)
    second.locator(".condition-field").click()
    admin.page.get_by_role("option", name="Triage: category", exact=True).click()
    expect(second.locator("input[type=number]")).to_have_value("0.6")  # triage tests take a confidence
    second.locator(".condition-field").click()
    admin.page.get_by_role("option", name="Channel", exact=True).click()
    second.locator(".condition-op").click()
    admin.page.get_by_role("option", name="is one of", exact=True).click()
    second.get_by_role("button", name="Web").click()
    second.get_by_role("button", name="E-mail").click()
    _shoot(admin, "admin-routing-editor")
    admin.page.click("button.rule-save")
    admin.toast("Rule created")

    rows = admin.page.locator(".rule-row").filter(has_text=unique)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"Cards {unique}")
    expect(rows.nth(0)).to_contain_text(f"Subject or message contains “{word}”")
    expect(rows.nth(0)).to_contain_text("Send to Cards & Payments")
    expect(rows.nth(1)).to_contain_text(f"Subject or message contains “{word}” and Channel is one of Web, E-mail")
    expect(rows.nth(1)).to_contain_text("Set the priority to Urgent, add the tag vip")

    # Drag the second rule onto the first: it goes on top; the arrows put it back.
    rows.nth(1).drag_to(rows.nth(0))
    admin.toast("Order saved")
    expect(rows.nth(0)).to_contain_text(f"VIP {unique}")
    rows.nth(0).locator("button.rule-down").click()
    expect(rows.nth(0)).to_contain_text(f"Cards {unique}")

    rows.nth(0).locator("button.rule-enabled").click()
    admin.toast("Rule turned off")
    expect(rows.nth(0).get_by_text("Off", exact=True)).to_be_visible()
    _shoot(admin, "admin-routing")

    admin.page.fill("#trial-subject", f"Please help, {word}")
    admin.page.click("button.trial-run")
    result = admin.page.locator(".trial-matched")
    expect(result).to_contain_text(f"Matches “VIP {unique}”")  # the first rule is off
    expect(result).to_contain_text("Urgent")
    expect(result).to_contain_text("vip")
    result.scroll_into_view_if_needed()
    _shoot(admin, "admin-routing-trial")
    admin.page.set_viewport_size(PHONE)  # the answer itself on a phone, below the form
    hidden = admin.page.add_style_tag(content="[data-sonner-toaster] { visibility: hidden !important; }")
    result.scroll_into_view_if_needed()
    admin.page.wait_for_timeout(300)
    admin.page.screenshot(path=str(SCREENSHOTS / "admin-routing-trial-result-390x844.png"))
    hidden.evaluate("element => element.remove()")
    admin.page.set_viewport_size(DESKTOP)
    admin.page.fill("#trial-subject", "Nothing to see here")
    admin.page.click("button.trial-run")
    admin.page.locator(".trial-none").wait_for()

    german = open_ui("de-DE")
    german.login(ADMIN, expect="/agent")
    german.goto("/admin/routing")
    german.wait_ready("button.new-rule")
    expect(german.page.locator(".rule-row").filter(has_text=unique).nth(1)).to_contain_text(
        "Die Priorität auf Dringend setzen"
    )
    german.shoot("admin-routing-de", phone=False)

    for _ in range(2):
        rows.first.locator("button.rule-delete").click()
        admin.page.click("button.confirm-delete-rule")
        admin.toast("Rule deleted")
    expect(rows).to_have_count(0)

    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    assert agent.page.locator(".sidebar").get_by_text("Routing").count() == 0
    agent.goto("/admin/routing")
    agent.page.wait_for_url(re.compile(r".*/agent/?$"))
