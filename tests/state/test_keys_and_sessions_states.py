"""The API keys admin and the sessions page as states: handlers called as methods, no browser."""

from __future__ import annotations

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import api_keys, auth
from autocrm.state.account import AccountSessionsState
from autocrm.state.api_keys import AdminApiKeysState
from tests.state.test_states import _signed_in


def test_the_keys_admin_makes_a_key_shows_its_secret_once_and_revokes_it(people):
    admin = people.make(Role.admin, name="Ada Admin")
    state = _signed_in(AdminApiKeysState, admin)
    state.load()
    assert state.loaded and state.rows == []
    state.open_create()
    state.toggle_scope("tickets:write", True)
    state.toggle_scope("no:such", True)
    state.set_create_expiry("nonsense")
    assert state.create_scopes == ["tickets:read", "tickets:write"] and state.create_expiry == "90"
    state.create({"name": " "})
    assert "name" in state.create_errors and not state.secret
    state.set_create_expiry("never")
    state.create({"name": "Zapier"})
    assert state.secret.startswith("acrm_") and state.secret_name == "Zapier"
    (row,) = state.rows
    assert (row["name"], row["creator"], row["expires"], row["state"]) == ("Zapier", "Ada Admin", "Never", "Active")
    assert row["scopes"] == ["tickets:read", "tickets:write"] and state.secret not in str(row)
    with read_session() as s:
        assert api_keys.api_key_actor(s, state.secret).role == Role.agent
    state.set_create_open(False)
    assert state.secret == ""  # closing the dialog forgets it

    state.ask_revoke(row["id"])
    assert state.confirming and "Zapier" in state.pending["title"]
    state.confirm_revoke()
    assert state.rows[0]["state"] == "Revoked" and not state.rows[0]["revocable"]
    state.ask_revoke(row["id"])  # nothing left to revoke: no question asked
    assert not state.confirming


def test_the_keys_admin_is_for_admins_only(people):
    state = _signed_in(AdminApiKeysState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded


def test_the_sessions_page_lists_this_device_first_and_ends_the_others(people):
    customer = people.make(Role.customer)
    with write_session() as s:
        others = [auth.start_login_session(s, user=customer) for _ in range(2)]
    state = _signed_in(AccountSessionsState, customer)
    state.load()
    assert state.loaded and state.is_customer and len(state.rows) == 3 and state.other_count == 2
    assert state.rows[0]["current"] and state.rows[0]["seen_rel"] == "now"
    assert state.rows[1]["device"] == "Unknown browser"
    state.end(state.rows[1]["id"])
    assert len(state.rows) == 2
    state.ask_end_others()
    assert state.confirming_others
    state.end_others()
    assert [row["current"] for row in state.rows] == [True] and not state.confirming_others
    with read_session() as s:
        assert all(auth.user_for_session_token(s, token) is None for token in others)


def test_staff_see_their_sessions_with_the_sidebar_counts(people):
    agent = people.make(Role.agent)
    state = _signed_in(AccountSessionsState, agent)
    state.load()
    assert not state.is_customer and state.view_counts and len(state.rows) == 1


def test_the_people_admin_ends_all_of_a_persons_sessions(people):
    from autocrm.state.admin import AdminUsersState

    admin, agent = people.make(Role.admin), people.make(Role.agent, name="Ben Agent")
    with write_session() as s:
        token = auth.start_login_session(s, user=agent)
    state = _signed_in(AdminUsersState, admin)
    state.load()
    state.ask_end_sessions(agent.id)
    assert state.pending["title"] == "Sign Ben Agent out everywhere?"
    events = state.confirm_change()
    assert "signed out of 1 session" in str(events)
    with read_session() as s:
        assert auth.user_for_session_token(s, token) is None
    state.ask_end_sessions(admin.id)  # not oneself: the sessions page does that
    assert not state.pending
