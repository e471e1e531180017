"""The macro library end to end in chromium: an agent of their own writes a shared macro (a refused placeholder
first, then one from the helper), saves a second version, reads the diff and submits it; they see no approval
queue. The admin approves it from the queue with a comment, and the agent then finds it in a ticket's macro menu.
Screenshots of the list, the editor, the diff and the queue at 1366x768 and 390x844."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, DESKTOP, PHONE, ROOT, SCREENSHOTS, _project_env
from tests.browser.test_ui import _new_customer_ticket

pytestmark = pytest.mark.browser
PASSWORD = "macro-writer-9"


def _agent(served, unique: str) -> str:
    """An agent of this test's own (the demo agents' views are counted by other tests)."""
    email = f"wren.{unique}@demo.autocrm.dev"
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(served[1].parent)}
    command = [str(ROOT / ".venv" / "bin" / "autocrm"), "create-user", "--email", email, "--name", "Wren Writer"]
    command += ["--role", "agent", "--password", PASSWORD]
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
    return email


def test_an_agent_writes_a_shared_macro_a_reviewer_approves_it_and_it_is_applied(served, open_ui, unique):
    name = f"Refund sent {unique}"
    writer = open_ui()
    writer.login(_agent(served, unique), PASSWORD, expect="/agent")
    writer.wait_ready(".sidebar")
    writer.page.locator(".sidebar .nav-item").filter(has_text="Macros").click()
    writer.page.wait_for_url("**/agent/macros")
    writer.wait_ready("button.new-macro")
    expect(writer.page.locator(".queue-tab")).to_have_count(0)  # an agent who cannot review sees no queue

    writer.page.locator("button.new-macro").filter(visible=True).first.click()
    writer.page.fill("#macro-name", name)
    writer.page.fill("#macro-body", "Hi {{customer.shoe_size}},")
    writer.page.locator(".ed-status").click()
    writer.page.get_by_role("option", name="Solved").click()
    writer.page.fill("#macro-add-tags", "refund")
    writer.page.click("button.save-macro")
    writer.page.locator(".field-error").filter(has_text="customer.shoe_size").wait_for()
    # Nothing typed is lost on a refusal.
    expect(writer.page.locator("#macro-name")).to_have_value(name)
    expect(writer.page.locator(".ed-status")).to_contain_text("Solved")
    writer.shoot("macros-editor-error", phone=False)
    writer.page.fill("#macro-body", "Hi ")
    writer.page.locator("#macro-body").press("End")
    writer.page.click("button.placeholder-menu")
    writer.page.locator(".placeholder-option").filter(has_text="Customer's first name").click()
    expect(writer.page.locator("#macro-body")).to_have_value("Hi {{customer.first_name}}")
    expect(writer.page.locator("#macro-body")).to_be_focused()  # the cursor is back in the text, after it
    writer.page.keyboard.type(",\n\nYour refund is on its way.")
    expect(writer.page.locator("#macro-body")).to_have_value(
        "Hi {{customer.first_name}},\n\nYour refund is on its way."
    )
    writer.page.evaluate("window.scrollTo(0, 0)")
    writer.shoot("macros-editor")
    writer.page.click("button.save-macro")
    writer.toast("Saved as draft version 1")
    writer.page.fill("#macro-body", "Hi {{customer.first_name}},\n\nYour refund is on its way: 3 to 5 working days.")
    writer.page.click("button.save-macro")
    writer.toast("Saved as draft version 2")
    expect(writer.page.locator(".editor-status")).to_contain_text("Version 2")
    writer.page.locator("button.submit-macro").scroll_into_view_if_needed()
    writer.shoot("macros-editor-saved", phone=False)
    writer.page.set_viewport_size(PHONE)  # the phone's view of the same buttons, stacked below the form
    expect(writer.page.locator("[data-sonner-toast]")).to_have_count(0, timeout=20_000)  # the toasts hide them
    writer.page.locator("button.submit-macro").scroll_into_view_if_needed()
    writer.page.screenshot(path=str(SCREENSHOTS / "macros-editor-saved-390x844.png"))
    writer.page.set_viewport_size(DESKTOP)

    writer.page.get_by_role("radio", name="History").click()
    diff = writer.page.locator(".macro-diff")
    expect(diff.locator(".diff-removed")).to_contain_text("Your refund is on its way.")
    expect(diff.locator(".diff-added")).to_contain_text("3 to 5 working days")
    expect(writer.page.locator(".macro-version")).to_have_count(2)
    writer.shoot("macros-diff")
    writer.page.get_by_role("radio", name="Edit").click()
    writer.page.click("button.submit-macro")
    writer.toast("Submitted")
    writer.page.click("button.back-to-macros")
    row = writer.page.locator(".macro-row").filter(visible=True).filter(has_text=name)
    expect(row.locator(".macro-state")).to_have_text("Pending approval")
    writer.page.fill("#macro-search", unique)
    expect(writer.page.locator(".macro-row").filter(visible=True)).to_have_count(1)
    writer.page.fill("#macro-search", "")
    expect(writer.page.locator(".macro-row").filter(visible=True)).not_to_have_count(1)  # the demo's macros too
    writer.shoot("macros-list")

    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/agent/macros")
    admin.wait_ready("button.new-macro")
    admin.page.locator(".queue-tab").click()
    entry = admin.page.locator(".queue-entry").filter(has_text=name)
    expect(entry.locator(".diff-added").first).to_be_visible()
    admin.page.evaluate("document.activeElement?.blur()")  # the page at rest, not the clicked tab's focus ring
    admin.shoot("macros-queue")
    entry.locator(".review-comment textarea").fill("Clear and kind, thank you.")
    entry.locator("button.approve-macro").click()
    admin.toast("Approved: agents now use version 2")
    expect(admin.page.locator(".queue-entry").filter(has_text=name)).to_have_count(0)

    _subject, portal_path = _new_customer_ticket(open_ui(), unique)
    writer.goto("/agent/tickets/" + portal_path.rstrip("/").rsplit("/", 1)[-1])
    writer.wait_ready(".ticket-properties")
    writer.page.click("button.macro-menu")
    writer.page.locator(".macro-option").filter(has_text=name).click()
    expect(writer.page.locator(".macro-notice")).to_contain_text(name)

    writer.goto("/agent/macros")
    writer.wait_ready("button.new-macro")
    writer.page.locator("button.language-switch").click()
    writer.page.locator(".language-de").click()
    expect(writer.page.locator(".macro-row").filter(visible=True).filter(has_text=name)).to_contain_text("Freigegeben")
    writer.page.locator(".macro-row").filter(visible=True).filter(has_text=name).locator(".macro-history").click()
    writer.page.get_by_text("Version 2", exact=False).first.wait_for()
    writer.shoot("macros-history-de")
