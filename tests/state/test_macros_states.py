"""The macro library as a state: the editor's saves and refusals, versions and their diff, and the approval
queue only for reviewers. SQLite only: the service tests cover both databases."""

from __future__ import annotations

import pytest

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import users
from autocrm.services.actor import Actor
from autocrm.services.macros import DiffLine, VersionDiff
from autocrm.state.macros import MacrosState, action_lines, diff_rows
from tests.factories import make_team
from tests.state.test_states import _signed_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
NAMES = {"status": {"solved": "Solved"}, "priority": {}, "agent": {"7": "Ana"}, "team": {"3": "Billing"}}


def test_a_diff_reads_as_lines_removed_and_added(db_url):
    diff = VersionDiff(
        macro_id=1,
        from_version=1,
        to_version=2,
        fields={
            "name": ["Thanks", "Thank you"],
            "actions": [{"status": "solved", "add_tags": ["vip"]}, {"status": "solved", "assignee_id": "7"}],
        },
        body=[
            DiffLine(kind="same", text="Hi {{customer.first_name}},"),
            DiffLine(kind="removed", text="Done."),
            DiffLine(kind="added", text="All done."),
            DiffLine(kind="same", text=""),
        ],
    )
    rows = [(row["kind"], row["text"]) for row in diff_rows(diff, NAMES)]
    assert [row["section"] for row in diff_rows(diff, NAMES)] == ["", "", "Actions", "", "", "Text", "", ""]
    assert rows == [
        ("removed", "Name: Thanks"),
        ("added", "Name: Thank you"),
        ("removed", "Add tags: vip"),
        ("same", "Status: Solved"),
        ("added", "Assign to: Ana"),
        ("same", "Hi {{customer.first_name}},"),
        ("removed", "Done."),
        ("added", "All done."),
    ]
    assert action_lines({"assignee_id": "me", "team_id": "none", "remove_tags": ["a", "b"]}, NAMES) == [
        "Assign to: whoever applies it",
        "Team: no team",
        "Remove tags: a, b",
    ]


def test_an_agent_writes_two_versions_submits_and_only_a_reviewer_sees_the_queue(people):
    writer = _signed_in(MacrosState, people.make(Role.agent, name="Wren Writer"))
    writer.load()
    assert writer.loaded and not writer.can_review and writer.queue == []
    writer.new_macro()
    writer.set_ed_status("solved")
    form = {"name": "Refund sent", "body": "Hi {{customer.shoe_size}}", "add_tags": "refund", "remove_tags": ""}
    writer.save(form)
    # Refused next to the text, and what was typed is still there.
    assert "customer.shoe_size" in writer.editor_errors["body"]
    assert writer.ed_body == "Hi {{customer.shoe_size}}" and writer.ed_status == "solved" and writer.macro_id == 0
    writer.save({**form, "body": "Hi {{customer.first_name}},\n\nYour refund is on its way."})
    assert writer.editor_errors == {} and writer.macro_id and writer.ed_state == "draft" and writer.can_submit
    writer.save({**form, "body": "Hi {{customer.first_name}},\n\nYour refund is on its way: 3 days."})
    assert [v["number"] for v in writer.versions] == [2, 1] and (writer.diff_from, writer.diff_to) == ("1", "2")
    assert ("removed", "Your refund is on its way.") in [(r["kind"], r["text"]) for r in writer.diff]
    assert ("added", "Your refund is on its way: 3 days.") in [(r["kind"], r["text"]) for r in writer.diff]
    writer.submit_for_approval()
    assert writer.ed_state == "pending" and not writer.can_submit
    (row,) = writer.rows
    assert (row["state"], row["scope"], row["changed_by"]) == ("pending", "shared", "Wren Writer")
    writer.set_tab("queue")
    assert writer.tab == "library"  # no queue for someone who cannot review

    admin = _signed_in(MacrosState, people.make(Role.admin, name="Ada Admin"))
    admin.load()
    (entry,) = admin.queue
    assert entry["against"] == 0 and ("added", "Status: Solved") in [(r["kind"], r["text"]) for r in entry["lines"]]
    admin.review(entry["id"], False)  # sending back needs a comment
    assert "comment" in admin.review_errors and admin.review_for == entry["id"] and admin.queue
    admin.set_review_comment(entry["id"], "Clear and kind.")
    admin.review(entry["id"], True)
    assert admin.queue == [] and admin.rows[0]["state"] == "approved" and admin.rows[0]["changed_by"] == "Ada Admin"
    writer.load()
    assert writer.rows[0]["state"] == "approved"


def test_a_team_lead_reviews_others_macros_but_not_their_own(people):
    lead_user = people.make(Role.agent, name="Lena Lead")
    team = make_team(member_ids=[lead_user.id])
    with write_session() as session:
        users.set_team_lead(session, actor=Actor.system("tests"), team_id=team.id, user_id=lead_user.id, lead=True)
    lead = _signed_in(MacrosState, lead_user)
    lead.load()
    assert lead.can_review
    lead.new_macro()
    lead.save({"name": "Welcome", "body": "Hello {{customer.name}}", "add_tags": "", "remove_tags": ""})
    lead.submit_for_approval()
    (entry,) = lead.queue
    assert entry["own"]
    refused = lead.review(entry["id"], True)
    assert "Someone else" in str(refused) and lead.queue  # the service refuses; nothing changed


def test_a_macro_opens_from_its_link_and_a_reviewer_archives_it_out_of_the_list(people):
    writer = _signed_in(MacrosState, people.make(Role.agent, name="Wren Writer"))
    writer.load()
    writer.new_macro()
    writer.save({"name": "Card sent", "body": "Your card is on its way.", "add_tags": "", "remove_tags": ""})
    macro_id = writer.macro_id
    assert not writer.ed_can_archive  # a shared macro: team leads and admins archive it

    admin = _signed_in(MacrosState, people.make(Role.admin, name="Ada Admin"), f"/agent/macros?macro={macro_id}")
    opened = admin.load()
    assert admin.editing and admin.macro_id == macro_id and admin.ed_name == "Card sent"
    assert f"?macro={macro_id}" in str(opened)  # the address keeps the open macro
    assert admin.ed_can_archive and not admin.ed_archived
    assert "no longer offered" in str(admin.toggle_archived())
    assert admin.ed_archived and [row["id"] for row in admin.shown_rows] == []
    admin.set_state_filter("archived")
    assert [(row["id"], row["state_label"]) for row in admin.shown_rows] == [(macro_id, "Archived")]
    admin.toggle_archived()
    assert not admin.ed_archived and admin.shown_rows == []
    admin.set_state_filter("all")
    assert [row["id"] for row in admin.shown_rows] == [macro_id]
    assert "macros" in str(admin.close_editor()) and not admin.editing
