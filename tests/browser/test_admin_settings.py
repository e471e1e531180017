"""The desk settings and the audit log end to end in chromium: the admin opens the audit log and filters it by a
person (the filter lands in the URL), adds a status (a duplicate refused next to its field first), adds and renames
a priority, adds a select custom field with options, sees their entries through the filtered link, and an agent
gets no access to either page. Screenshots of both pages at 1366x768 and 390x844.

Everything made carries this test's own word, and the field is optional, so the session app's other tests never
trip on it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT

pytestmark = pytest.mark.browser


def _pick(ui, trigger: str, option: str) -> None:
    ui.page.locator(trigger).filter(visible=True).first.click()
    ui.page.get_by_role("option", name=option, exact=True).click()


def _shoot(ui, name: str) -> None:
    """A screenshot without the toasts of the steps before it over the page."""
    hidden = ui.page.add_style_tag(content="[data-sonner-toaster] { visibility: hidden !important; }")
    ui.shoot(name)
    hidden.evaluate("element => element.remove()")


def test_an_admin_reads_the_audit_log_and_changes_the_desk_settings(open_ui, unique):
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.page.locator(".sidebar").get_by_text("Audit log").click()
    admin.page.wait_for_url("**/admin/audit")
    admin.wait_ready("button.audit-apply")
    admin.page.locator(".audit-row").first.wait_for()
    _pick(admin, ".audit-person", "Alex Admin")
    admin.page.click("button.audit-apply")
    admin.page.wait_for_url(re.compile(r".*/admin/audit\?person=\d+$"))
    filtered = admin.page.url
    expect(admin.page.locator("button.audit-clear")).to_be_visible()

    # Statuses: a duplicate name is refused next to the field, then a status of the test's own is added.
    admin.page.locator(".sidebar").get_by_text("Desk settings").click()
    admin.page.wait_for_url("**/admin/settings")
    admin.wait_ready("button.add-status")
    admin.page.fill("#new-status-name", "Open")
    admin.page.click("button.add-status")
    admin.page.locator(".field-error").filter(has_text="already called").wait_for()
    status = f"With supplier {unique}"
    admin.page.fill("#new-status-name", status)
    _pick(admin, ".new-category", "On hold")
    admin.page.click("button.add-status")
    row = admin.page.locator(".status-row").filter(has_text=status)
    expect(row).to_be_visible()
    expect(row).to_contain_text(f"with_supplier_{unique}")
    _shoot(admin, "admin-settings-statuses")

    # Priorities: one added, then renamed in its dialog.
    admin.page.locator(".priorities-tab").click()
    admin.page.wait_for_url("**/admin/settings?tab=priorities")
    admin.page.fill("#new-priority-name", f"Blocker {unique}")
    admin.page.click("button.add-priority")
    prow = admin.page.locator(".priority-row").filter(has_text=f"Blocker {unique}")
    expect(prow).to_be_visible()
    prow.locator("button.rename").click()
    admin.page.fill("#rename-name", f"Showstopper {unique}")
    admin.page.click("button.rename-submit")
    expect(admin.page.locator(".priority-row").filter(has_text=f"Showstopper {unique}")).to_be_visible()
    expect(admin.page.locator(".rename-dialog")).to_have_count(0)
    _shoot(admin, "admin-settings-priorities")

    # A select field without options is refused next to the options, then made with three.
    admin.page.locator(".fields-tab").click()
    admin.page.locator("button.add-field").filter(visible=True).first.click()
    admin.page.fill("#field-label", f"Plan {unique}")
    _pick(admin, ".field-type", "Select (a list of options)")
    admin.page.click("button.field-submit")
    admin.page.locator(".field-dialog .field-error").filter(has_text="at least one option").wait_for()
    admin.page.fill("#field-options", "Free\nPro\nTeam")
    admin.page.locator(".field-visible").click()
    _shoot(admin, "admin-settings-field-dialog")
    admin.page.click("button.field-submit")
    frow = admin.page.locator(".field-row").filter(has_text=f"Plan {unique}")
    expect(frow).to_contain_text("Free, Pro, Team")
    expect(frow).to_contain_text("Customers see it")
    _shoot(admin, "admin-settings-fields")
    admin.page.locator(".tags-tab").click()  # looked at, not changed: the demo desk's tags are other tests' data
    admin.page.locator(".tag-row").first.wait_for()
    _shoot(admin, "admin-settings-tags")

    # The filtered link restores the audit log, now with what the admin just did.
    admin.page.goto(filtered)
    admin.wait_ready("button.audit-apply")
    entry = admin.page.locator(".audit-row").filter(has_text="status.create").filter(has_text=status)
    expect(entry.first).to_be_visible()
    expect(admin.page.locator(".audit-row").filter(has_text="priority.update").first).to_contain_text(
        f"Showstopper {unique}"
    )
    expect(admin.page.locator(".audit-person").first).to_contain_text("Alex Admin")
    _shoot(admin, "admin-audit-log")

    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    for path in ("/admin/audit", "/admin/settings"):
        agent.goto(path)
        agent.page.wait_for_url(re.compile(r".*/agent/?$"))
        agent.toast("not available")
    expect(agent.page.locator(".sidebar").get_by_text("Audit log")).to_have_count(0)
