"""The queue's state: a pasted URL restores view, filters, quick filters, words, sort and page; chips; saving
and deleting views; the sidebar's counts; a bulk change through the confirmation; matched words marked."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from autocrm.core.db import read_session
from autocrm.models import Role
from autocrm.services import tickets, views
from autocrm.services.actor import Actor
from autocrm.state.queue import QueueState, highlight, search_words
from tests.factories import make_ticket, make_user
from tests.state.test_states import _signed_in


def _url_of(queue: QueueState) -> dict[str, list[str]]:
    return parse_qs(urlparse(queue._url()).query)


def test_a_pasted_url_restores_the_screen(people):
    agent = people.make(Role.agent)
    opener = make_user(Role.agent)
    urgent = make_ticket(by=opener, requester=make_user(Role.customer), priority="urgent", subject="Card stolen")
    make_ticket(by=opener, requester=make_user(Role.customer), priority="low", subject="Card fee question")
    filters = json.dumps({"priority": ["urgent"], "status_category": ["new", "open", "pending", "on_hold"]})
    path = f"/agent?view=unsolved&f={filters}&quick=unassigned&q=card&sort=number&page=1"
    queue = _signed_in(QueueState, agent, path)
    queue.load()
    assert queue.loaded and queue.error == ""
    assert (queue.view_name, queue.quick, queue.q, queue.sort) == ("Unsolved", ["unassigned"], "card", "number")
    assert [row["id"] for row in queue.rows] == [urgent.id]
    assert queue.view_title == "Unsolved (changed)" and queue.modified
    assert {chip["key"] for chip in queue.chips} == {"priority", "status_category"}
    assert any(part["hit"] and part["text"] == "Card" for part in queue.rows[0]["subject_parts"])
    url = _url_of(queue)
    assert url["view"] == ["unsolved"] and json.loads(url["f"][0])["priority"] == ["urgent"]
    assert url["quick"] == ["unassigned"] and url["q"] == ["card"] and url["sort"] == ["number"]
    queue.remove_chip("priority")
    assert queue.filters == queue.view_filters and len(queue.rows) == 2
    assert "f" not in _url_of(queue)
    counts = {entry["name"]: entry["count"] for entry in queue.sidebar_views}
    assert counts == {"Unsolved": "2", "Assigned to me": "0", "Unassigned": "2", "All tickets": "2"}
    queue.toggle_sort("number")
    assert queue.sort == "-number"
    assert queue.toggle_sort("subject; DROP TABLE ticket") is None and queue.sort == "-number"  # not a sort


def test_saving_changing_and_deleting_a_view(people):
    agent = people.make(Role.agent)
    queue = _signed_in(QueueState, agent, "/agent")
    queue.load()
    queue.set_priority("high")
    queue.toggle_quick("overdue")
    queue.open_view_dialog("create")
    queue.save_view({"name": "Hot ones"})
    assert queue.view_dialog == "" and queue.view_name == "Hot ones" and queue.view_can_edit
    with read_session() as s:
        saved = views.get_view(s, actor=Actor.for_user(agent), view_id=queue.view_id)
    assert saved.filters["priority"] == ["high"] and saved.filters["quick"] == ["overdue"]
    assert saved.visibility == "personal"
    assert any(entry["name"] == "Hot ones" for entry in queue.sidebar_views)
    assert queue.current_view == str(saved.id)
    queue.ask_delete_view(saved.id)
    assert queue.confirming and queue.pending_label == "Delete view"
    queue.confirm()
    assert not any(entry["name"] == "Hot ones" for entry in queue.sidebar_views)
    assert queue.view_name == "Unsolved"


def test_a_bulk_change_goes_through_the_confirmation(people):
    agent = people.make(Role.agent)
    opener = make_user(Role.agent)
    made = [make_ticket(by=opener, requester=make_user(Role.customer), subject=f"T{n}") for n in range(3)]
    with read_session() as s:
        assert all(
            tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id).priority == "normal" for t in made
        )
    queue = _signed_in(QueueState, agent, "/agent?view=all")
    queue.load()
    queue.toggle_select(made[0].id)
    queue.toggle_select(made[1].id)
    assert queue.selection_label == "2 tickets selected"
    queue.set_bulk_field("priority")
    queue.set_bulk_value("urgent")
    queue.ask_bulk()
    assert queue.pending["title"] == "Change 2 tickets?"
    assert queue.pending_words == "Set the priority to Urgent on these 2 tickets."
    queue.confirm()
    assert queue.bulk_message == "Changed 2 tickets." and queue.selected_ids == []
    with read_session() as s:
        priorities = [tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id).priority for t in made]
    assert priorities == ["urgent", "urgent", "normal"]


def test_matched_words_are_marked():
    assert search_words("#1234 refund Card x") == ["refund", "card"]
    parts = highlight("Refund for my card, carded", ["card"])
    assert [p["text"] for p in parts if p["hit"]] == ["card", "carded"]
    assert highlight("nothing", []) == [{"text": "nothing", "hit": False}]


def test_a_dropped_view_takes_the_place_of_the_one_it_was_dropped_on_among_its_kind():
    from autocrm.state.staff import dropped_order

    def entry(view_id: int, *, personal: bool, can_edit: bool = True) -> dict:
        return {"id": view_id, "personal": personal, "can_edit": can_edit}

    shared = [entry(1, personal=False, can_edit=False), entry(2, personal=False, can_edit=False)]
    own = [entry(10, personal=True), entry(11, personal=True), entry(12, personal=True)]
    entries = shared + own
    assert dropped_order(entries, 12, 10) == [12, 10, 11]  # up: before the target
    assert dropped_order(entries, 10, 12) == [11, 12, 10]  # down: after it
    assert dropped_order(entries, 11, 11) is None
    assert dropped_order(entries, 10, 1) is None  # a shared view this agent may not move
    assert dropped_order(entries, 10, 99) is None
    admin_view = [entry(1, personal=False), entry(2, personal=False), *own]
    assert dropped_order(admin_view, 2, 1) == [2, 1]
    assert dropped_order(admin_view, 2, 10) is None  # shared and own views are ordered apart


def test_an_admin_shares_a_view_with_a_team_only_its_members_see(people):
    from autocrm.core.db import write_session
    from autocrm.services import teams

    admin, member, outsider = people.make(Role.admin), people.make(Role.agent), people.make(Role.agent)
    with write_session() as s:
        team = teams.create_team(s, actor=Actor.for_user(admin), name="Cards")
        teams.add_member(s, actor=Actor.for_user(admin), team_id=team.id, user_id=member.id)
    queue = _signed_in(QueueState, admin, "/agent")
    queue.load()
    queue.open_view_dialog("create")
    assert queue.view_form_team == str(team.id)  # the first team is picked when sharing with a team
    queue.set_view_form_visibility("team")
    queue.save_view({"name": "Cards queue"})
    with read_session() as s:
        saved = views.get_view(s, actor=Actor.for_user(admin), view_id=queue.view_id)
        assert (saved.visibility, saved.team_id) == ("team", team.id)
        assert "Cards queue" in [v.name for v in views.list_views(s, actor=Actor.for_user(member))]
        assert "Cards queue" not in [v.name for v in views.list_views(s, actor=Actor.for_user(outsider))]


def test_the_column_chooser_changes_the_table_and_saving_keeps_it(people):
    agent = people.make(Role.agent)
    make_ticket(by=make_user(Role.agent), requester=make_user(Role.customer), subject="Card stolen")
    queue = _signed_in(QueueState, agent, "/agent")
    queue.load()
    assert queue.columns == views.DEFAULT_COLUMNS and not queue.modified
    assert queue.rows[0]["channel_name"] == "Web" and "team_name" in queue.rows[0]
    queue.toggle_column("channel")
    queue.toggle_column("assignee")
    assert queue.columns == ["number", "subject", "requester", "status", "priority", "channel", "updated"]
    assert queue.modified and queue.view_title == "Unsolved (changed)"
    assert [c["key"] for c in queue.column_choices if c["shown"]] == queue.columns
    for key in list(queue.columns)[:-1]:
        queue.toggle_column(key)
    assert queue.toggle_column("updated") is not None and queue.columns == ["updated"]  # one column stays
    queue.toggle_column("bogus")
    assert queue.columns == ["updated"]
    queue.toggle_column("subject")
    queue.open_view_dialog("create")
    queue.save_view({"name": "Lean"})
    with read_session() as s:
        saved = views.get_view(s, actor=Actor.for_user(agent), view_id=queue.view_id)
    assert saved.columns == ["subject", "updated"] and not queue.modified
