"""The admin's Teams page end to end in chromium: the demo desk's teams, a new team, a member added and the
hand-out mode chosen, the admin's own availability switched; screenshots at 1366x768 and 390x844, in English and German."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, UI, served_app

pytestmark = pytest.mark.browser


def test_admin_makes_a_team_adds_a_member_and_chooses_round_robin(browser, unique):
    with served_app(own_build=True) as base:  # a second app beside the session one: its own frontend build
        admin = UI(browser, base)
        try:
            admin.login(ADMIN, expect="/agent")
            admin.goto("/admin/teams")
            admin.wait_ready("button.new-team")
            admin.page.locator(".sidebar").get_by_text("Teams").wait_for()
            admin.shoot("admin-teams")

            admin.page.locator("button.new-team").first.click()
            admin.page.fill("#team-name", f"Network {unique}")
            admin.page.fill("#team-description", "VPN and Wi-Fi")
            admin.page.fill("#team-time-zone", "Mars/Base")
            admin.page.click("button.team-submit")  # refused next to its field
            admin.page.locator(".field-error").first.wait_for()
            admin.page.fill("#team-time-zone", "Europe/Madrid")
            admin.page.click("button.team-submit")
            admin.toast("Team created")
            panel = admin.page.locator(".team-panel").filter(has_text=f"Network {unique}")
            panel.locator(".team-add-member").click()
            admin.page.get_by_role("option").first.click()
            admin.toast("Member added")
            expect(panel.locator(".team-member")).to_have_count(1)
            panel.locator(".team-balancing").click()
            admin.page.get_by_role("option", name="Round robin").click()
            admin.toast("Ticket hand-out changed")
            expect(panel.locator(".team-ready")).to_contain_text("1 of 1")
            panel.locator("button.team-add-shift").click()
            admin.page.fill("#shift-name", "Early")
            admin.page.fill("#shift-start", "06:00")
            admin.page.fill("#shift-end", "14:00")
            admin.shoot("admin-teams-shift-dialog")
            admin.page.click("button.shift-submit")
            admin.toast("Shift added")
            expect(panel.locator(".team-shift")).to_contain_text("Mon, Tue, Wed, Thu, Fri 06:00–14:00")
            panel.scroll_into_view_if_needed()
            admin.shoot("admin-teams-new")

            # A skill for the desk, then the member's level in it and a capacity, from the member's row.
            skill = f"Spanish {unique}"
            admin.page.fill("#new-skill", skill)
            admin.page.locator("button.add-skill").click()
            admin.toast("Skill added")
            expect(admin.page.locator(".skill-badge").filter(has_text=skill)).to_have_count(1)
            panel.locator(".member-edit").first.click()
            dialog = admin.page.locator(".agent-dialog")
            admin.page.fill("#agent-capacity", "many")
            dialog.locator("button.agent-save").click()  # refused next to its field, the dialog stays
            expect(dialog.locator(".field-error")).to_contain_text("whole number")
            admin.page.fill("#agent-capacity", "6")
            dialog.locator(".agent-skill").filter(has_text=skill).locator("button[role=combobox]").click()
            admin.page.get_by_role("option", name="4", exact=True).click()
            admin.shoot("admin-teams-agent-dialog")
            dialog.locator("button.agent-save").click()
            admin.toast("skills and capacity")
            expect(panel.locator(".member-skills")).to_have_text(f"{skill} 4")
            expect(panel.locator(".member-load")).to_have_text(re.compile(r"^\d+ / 6$"))  # the demo agent's load

            admin.page.locator("button.availability-switch").click()
            admin.page.locator(".availability-away").click()
            admin.toast("You are now away")
            expect(admin.page.locator("button.availability-switch")).to_contain_text("Away")
        finally:
            admin.close()
        german = UI(browser, base, locale="de-DE")
        try:
            german.login(ADMIN, expect="/agent")
            german.goto("/admin/teams")
            german.wait_ready("button.new-team")
            german.page.get_by_text("Neues Team").first.wait_for()
            german.shoot("admin-teams-de")
        finally:
            german.close()
