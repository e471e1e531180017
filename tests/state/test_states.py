"""The Reflex states as thin adapters: handlers called as methods on a real state tree, no browser."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import reflex as rx
from reflex.istate.data import RouterData

from autocrm.core.db import write_session
from autocrm.events import runner
from autocrm.events.feed import Change
from autocrm.models import Role
from autocrm.services import auth, inbox, tickets
from autocrm.services.actor import Actor
from autocrm.state import format as fmt
from autocrm.state import live
from autocrm.state.admin import AdminUsersState
from autocrm.state.auth import LoginState, SignupState
from autocrm.state.portal import NewTicketState, PortalState, PortalTicketState
from autocrm.state.queue import QueueState
from autocrm.state.session import SessionState, id_from_path, safe_next
from autocrm.state.ticket import AgentTicketState
from tests.factories import make_ticket, run_coroutine


def _state(cls):
    root = rx.State(_reflex_internal_init=True)
    return root.get_substate(cls.get_full_name().split(".")[1:])


def _root(state):
    while state.parent_state is not None:
        state = state.parent_state
    return state


def _with_cookie(state, token: str = "", path: str = "/"):
    """What the page's websocket handshake would bring: the HttpOnly session cookie, the server's host."""
    headers = {"host": "localhost:3000", "origin": "http://localhost:3000"}
    if token:
        headers["cookie"] = f"theme=dark; autocrm_session={token}"
    _root(state).router = RouterData.from_router_data({"headers": headers, "asPath": path})
    return state


def _signed_in(cls, user, path: str = "/"):
    with write_session() as session:
        token = auth.start_login_session(session, user=user)
    return _with_cookie(_state(cls), token, path)


def _navigation_target(event) -> str:
    """The URL a `go_to` event sends the browser to."""
    script = str(event.args[0][1]._var_value if hasattr(event.args[0][1], "_var_value") else event.args[0][1])
    start = script.index("window.location.replace(") + len("window.location.replace(")
    return json.loads(script[start : script.rindex(")")])


def test_relative_and_exact_times():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert fmt.relative_time(now - timedelta(seconds=10), now=now) == "just now"
    assert fmt.relative_time(now - timedelta(minutes=5), now=now) == "5 min. ago"
    assert fmt.relative_time((now - timedelta(hours=3)).isoformat(), now=now) == "3 hr. ago"
    assert fmt.relative_time(now - timedelta(days=1, hours=2), now=now) == "yesterday"
    assert fmt.relative_time(now - timedelta(days=4), now=now) == "4 days ago"
    assert fmt.relative_time(now - timedelta(days=30), now=now) == "Oct 27"
    assert fmt.relative_time(datetime(2024, 3, 5, tzinfo=UTC), now=now) == "Mar 5, 2024"
    assert fmt.exact_time("2026-11-26T09:05:00Z") == "Thu, Nov 26, 2026, 9:05\u202fAM (UTC)"
    assert fmt.relative_time(None) == "" and fmt.exact_time(None) == ""


def test_small_helpers():
    assert fmt.initials("Maya Okafor") == "MO" and fmt.initials("cher") == "CH" and fmt.initials("") == "?"
    assert safe_next("/agent/tickets/4") == "/agent/tickets/4"
    for unsafe in ("//evil.example", "https://evil.example", "/login?next=/x", "\\\\evil", ""):
        assert safe_next(unsafe) == ""
    assert id_from_path("/agent/tickets/42/") == 42 and id_from_path("/agent/tickets/abc") is None


def test_login_shows_the_service_message_and_starts_a_session(people):
    agent = people.make(Role.agent, name="Ada Agent")
    state = _with_cookie(_state(LoginState))

    state.submit({"email": "", "password": ""})
    assert set(state.errors) == {"email", "password"}

    state.submit({"email": agent.email, "password": "wrong password"})
    assert state.form_error == "That e-mail and password do not match an account."

    result = state.submit({"email": agent.email, "password": "correct horse"})
    assert state.form_error == ""
    assert state.user["name"] == "Ada Agent" and state.user["role"] == "agent"
    assert _root(state).get_substate(SessionState.get_full_name().split(".")[1:]).user["role"] == "agent"
    # The browser is sent to the server's claim route, which sets the HttpOnly cookie and goes on to the queue.
    claim_url = _navigation_target(result)
    assert claim_url.startswith("http://localhost:3000/api/session/claim?code=")
    assert "next=%2Fagent" in claim_url and "origin=http%3A%2F%2Flocalhost%3A3000" in claim_url


def test_signup_reports_errors_next_to_the_field(people):
    state = _with_cookie(_state(SignupState))
    state.submit({"name": "Sam", "email": "not-an-email", "password": "long enough"})
    assert state.errors == {"email": "Enter a valid e-mail address, like name@example.com."}
    state.submit({"name": "Sam", "email": "sam@example.com", "password": "short"})
    assert state.errors == {"password": "Use at least 8 characters."}
    state.submit({"name": "Sam", "email": "sam@example.com", "password": "long enough"})
    assert state.errors == {} and state.sent_to == "sam@example.com" and state.user == {}  # signed in only later


def test_queue_refuses_customers_and_lists_tickets_for_agents(people):
    customer = people.make(Role.customer, name="Cory Customer")
    agent = people.make(Role.agent, name="Ada Agent")
    make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")

    refused = _signed_in(QueueState, customer)
    result = refused.load()
    assert result and refused.rows == []
    assert refused.user["role"] == "customer"

    anonymous = _state(QueueState)
    assert anonymous.load() and anonymous.user == {}

    queue = _signed_in(QueueState, agent)
    queue.load()  # its answer keeps the URL in step and installs the shortcuts: no redirect
    assert queue.loaded
    assert queue.total == 1 and queue.rows[0]["subject"] == "Card stuck in ATM"
    assert queue.rows[0]["requester_name"] == "Cory Customer" and queue.rows[0]["updated_rel"] == "just now"
    assert queue.view_counts["unsolved"] == "1" and queue.current_view == "unsolved"

    queue.search({"q": "nothing like this"})
    assert queue.total == 0 and queue.filtered
    queue.clear_filters()
    queue.set_assignee("me")
    assert queue.total == 0 and queue.current_view == "mine"


def test_queue_paging_labels_say_when_a_total_is_an_estimate():
    queue = _state(QueueState)
    queue.total, queue.total_is_estimate, queue.total_label, queue.rows = 130, False, "130", [{}] * 25
    assert (queue.range_label, queue.page_count, queue.has_next) == ("1–25 of 130", "6", True)
    queue.total, queue.total_is_estimate, queue.total_label = tickets.TOTAL_CAP, True, "1,000+"
    queue.page = 40
    assert (queue.range_label, queue.page_count, queue.has_next) == ("976–1000 of 1,000+", "40+", True)
    queue.total, queue.total_label, queue.page = 51_400, "about 51,400", 1
    assert (queue.range_label, queue.page_count) == ("1–25 of about 51,400", "about 2,056")


def test_signup_shows_every_field_error_at_once(people):
    state = _with_cookie(_state(SignupState))
    state.submit({"name": " ", "email": "not-an-email", "password": "short"})
    assert state.errors == {
        "name": "Enter your name.",
        "email": "Enter a valid e-mail address, like name@example.com.",
        "password": f"Use at least {auth.MIN_PASSWORD_LENGTH} characters.",
    }
    assert state.user == {}


def test_password_hints_follow_the_service_policy(monkeypatch):
    from autocrm.pages import auth as auth_pages

    monkeypatch.setattr(auth, "MIN_PASSWORD_LENGTH", 12)
    for form in (auth_pages.signup(), auth_pages.reset_password()):
        assert '"At least {n} characters."' in str(form) and '.replaceAll("{n}", "12")' in str(form)


def test_refused_writes_land_next_to_the_form_field_or_in_a_toast(people):
    customer = people.make(Role.customer, name="Cory Customer")
    agent = people.make(Role.agent, name="Ada Agent")

    new_request = _signed_in(NewTicketState, customer, "/portal/new")
    new_request.load()
    assert new_request.submit({"subject": "x" * 300, "body": "Help"}) is None
    assert new_request.errors == {"subject": "Keep the subject under 250 characters."}
    assert new_request.form_error == ""

    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    path = f"/agent/tickets/{ticket.id}"
    agent_view = _signed_in(AgentTicketState, agent, path)
    agent_view.load()
    agent_view.set_status("closed")
    assert agent_view.ticket["is_closed"]
    # A change made without a form (the status select) says why it was refused in an error toast.
    refused = agent_view._update("Subject changed.", subject="")
    assert refused and "toast" in str(refused[0]).lower() and agent_view.composer_error == ""

    portal_view = _signed_in(PortalTicketState, customer, f"/portal/tickets/{ticket.id}")
    portal_view.load()
    assert portal_view.reply({"body": "Still broken"}) is None
    assert "closed" in portal_view.reply_error
    assert [m["body_text"] for m in portal_view.messages] == ["Help"]


def test_people_admin_confirms_role_and_access_changes_first(people):
    admin = people.make(Role.admin, name="Ann Admin")
    robin = people.make(Role.agent, name="Robin Newhire")
    state = _signed_in(AdminUsersState, admin, "/admin/users")
    state.load()

    state.ask_role(robin.id, "admin")
    assert state.pending["title"] == "Make Robin Newhire an admin?"
    assert [row["role"] for row in state.rows if row["id"] == robin.id] == ["agent"]  # nothing changed yet
    state.cancel_pending(False)
    assert state.pending == {}

    state.ask_role(robin.id, "admin")
    events = state.confirm_change()
    assert "Robin Newhire is now an admin." in str(events)
    assert [row["role"] for row in state.rows if row["id"] == robin.id] == ["admin"]

    state.ask_access(robin.id, False)
    assert state.pending["title"] == "Deactivate Robin Newhire?" and state.pending["danger"]
    state.confirm_change()
    assert [row["is_active"] for row in state.rows if row["id"] == robin.id] == [False]
    assert state.pending == {}


def test_a_closed_ticket_is_followed_up_from_its_composer(people):
    customer = people.make(Role.customer, name="Cory Customer")
    agent = people.make(Role.agent, name="Ada Agent")
    original = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    state = _signed_in(AgentTicketState, agent, f"/agent/tickets/{original.id}")
    state.load()
    state.start_follow_up()
    assert not state.following_up  # an open ticket takes replies: nothing to follow up
    state.set_status("closed")
    state.start_follow_up()
    assert state.following_up

    assert state.open_follow_up({"subject": " ", "body": ""}) is None
    assert set(state.follow_up_errors) == {"subject", "body"}
    events = state.open_follow_up({"subject": "Card stuck again", "body": "Calling back."})
    assert "Follow-up #" in str(events) and not state.following_up
    with write_session() as session:
        page = tickets.list_tickets(session, actor=people.actor(agent), filters=tickets.TicketFilter(q="again"))
    follow_up = page.items[0]
    assert follow_up.follow_up_of.id == original.id and follow_up.requester.id == customer.id

    new_request = _signed_in(NewTicketState, customer, f"/portal/new?follow_up={original.id}")
    new_request.load()
    assert new_request.follow_up == {"id": original.id, "number": original.number, "subject": "Card stuck in ATM"}


def test_the_portal_says_it_reopened_a_request_only_when_the_reply_did(people):
    """The page may be stale: an agent changes the status after the customer opened it. The toast follows what the
    reply did, not what the page showed."""
    customer, agent = people.make(Role.customer), people.make(Role.agent)
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    view = _signed_in(PortalTicketState, customer, f"/portal/tickets/{ticket.id}")

    def set_status(status: str) -> None:
        with write_session() as session:
            tickets.update_ticket(
                session, actor=Actor.for_user(agent), ticket_id=ticket.id, data=tickets.TicketUpdate(status=status)
            )

    def reply_seen_as(shown: str, actual: str) -> str:
        set_status(shown)
        view.load()
        set_status(actual)
        return " ".join(str(event) for event in view.reply({"body": f"Reply while {actual}"}))

    assert "We reopened your request." in reply_seen_as("pending", "solved")
    toast = reply_seen_as("solved", "pending")
    assert "Message sent." in toast and "reopened" not in toast


def test_the_portal_holds_no_staff_field_in_its_state(people):
    """Reflex sends every state var to the browser: the portal's must hold the customer shapes only."""
    customer, agent = people.make(Role.customer), people.make(Role.agent)
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    with write_session() as session:
        tickets.update_ticket(
            session,
            actor=Actor.for_user(agent),
            ticket_id=ticket.id,
            data=tickets.TicketUpdate(assignee_id=agent.id, priority="urgent", tags=["atm-fault"]),
        )
        tickets.add_message(
            session,
            actor=Actor.for_user(agent),
            ticket_id=ticket.id,
            data=tickets.MessageCreate(body="Known fault at this ATM", internal=True),
        )
    listing = _signed_in(PortalState, customer, "/portal")
    listing.load()
    view = _signed_in(PortalTicketState, customer, f"/portal/tickets/{ticket.id}")
    view.load()
    sent = json.dumps([listing.open_rows, listing.done_rows, view.ticket, view.messages])
    for staff_only in ('"tags"', '"priority', '"assignee', '"team', '"custom_fields"', '"due_at"', '"requester'):
        assert staff_only not in sent, staff_only
    assert "atm-fault" not in sent and "Known fault" not in sent and agent.name not in sent
    assert [row["subject"] for row in listing.open_rows] == ["Card stuck in ATM"]


def test_the_agent_ticket_page_shows_changes_in_the_timeline_and_who_the_requester_is(people):
    from autocrm.services import users

    customer = people.make(Role.customer, name="Lucía Cliente")
    agent = people.make(Role.agent, name="Ada Agent")
    with write_session() as session:
        users.set_own_preferences(session, actor=people.actor(customer), time_zone="Europe/Madrid")
    earlier = make_ticket(by=customer, subject="Card declined", body="Declined at the shop", body_format="text")
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    with write_session() as session:
        tickets.update_ticket(
            session,
            actor=people.actor(agent),
            ticket_id=ticket.id,
            data=tickets.TicketUpdate(status="pending", tags=["atm", "card"], assignee_id=agent.id),
        )
        tickets.add_message(
            session,
            actor=people.actor(agent),
            ticket_id=ticket.id,
            data=tickets.MessageCreate(body="Checking with the bank", body_format="text", internal=True),
        )

    state = _signed_in(AgentTicketState, agent, f"/agent/tickets/{ticket.id}")
    state.load()
    kinds = [entry["kind"] for entry in state.entries]
    assert kinds == ["reply", "change", "note"]
    change = state.entries[1]
    assert change["actor_name"] == "Ada Agent"
    assert set(change["lines"]) == {
        "Status: New → Waiting on customer",
        "Assignee set to Ada Agent",
        "Tags added: atm, card",
    }
    state.show_kind("changes")
    assert [entry["kind"] for entry in state.shown_entries] == ["change"]
    state.show_kind("notes")
    assert [entry["message"]["body_text"] for entry in state.shown_entries] == ["Checking with the bank"]
    state.show_kind("no such kind")
    assert len(state.shown_entries) == 3 and state.change_count == 1

    requester = state.requester
    assert requester["name"] == "Lucía Cliente" and requester["email"] == customer.email
    assert requester["time_zone"] == "Europe/Madrid" and requester["local_time"]
    assert requester["open_tickets"] == "2 open tickets"
    assert [(row["number"], row["subject"]) for row in requester["previous"]] == [(earlier.number, "Card declined")]
    assert state.messages[0]["body_text"] == "Help"  # the conversation's rows stay for the composer and counts


def test_timeline_change_lines_in_the_readers_language():
    from autocrm.core.i18n import using_locale

    with using_locale("es"):
        assert fmt.change_lines(
            {"field": "status", "before": "open", "after": "solved", "before_label": "Open", "after_label": "Solved"}
        ) == ["Estado: Abierto → Resuelto"]
        assert fmt.change_lines({"field": "tags", "before": ["a", "b"], "after": ["b"]}) == ["Etiquetas quitadas: a"]
    assert fmt.change_lines(
        {"field": "assignee", "before": 3, "after": None, "before_label": "Ada", "after_label": "none"}
    ) == ["Unassigned (was Ada)"]
    assert fmt.change_lines(
        {"field": "subject", "before": "Old", "after": "New", "before_label": "Old", "after_label": "New"}
    ) == ["Subject: Old → New"]


def test_a_macro_fills_the_composer_says_what_it_changes_and_applies_only_on_send(people):
    from autocrm.services import macros

    customer = people.make(Role.customer, name="Lucía Cliente")
    agent = people.make(Role.agent, name="Ada Agent")
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    with write_session() as session:
        macro = macros.create_macro(
            session,
            actor=people.actor(agent),
            data=macros.MacroCreate(
                name="Card retained",
                body="<p>Hi {{customer.first_name}}, your card is on its way back.</p>",
                actions=macros.MacroActions(status="pending", add_tags=["atm"]),
            ),
        )
    state = _signed_in(AgentTicketState, agent, f"/agent/tickets/{ticket.id}")
    state.load()
    assert state.macro_options == [{"value": str(macro.id), "label": "Card retained"}]

    filled = state.choose_macro(str(macro.id))
    assert "Hi Lucía, your card is on its way back." in str(filled)  # into the composer, to edit
    assert state.macro["name"] == "Card retained"
    assert state.macro["lines"] == ["Status: New → Waiting on customer", "Tags added: atm"]
    with write_session() as session:  # nothing written yet
        assert tickets.get_ticket(session, actor=people.actor(agent), ticket_id=ticket.id).status == "new"

    events = state.send({"body": "Hi Lucía, your card is on its way back by post."})
    assert "Macro “Card retained” applied and the reply sent to the customer." in str(events)
    assert state.macro == {} and state.ticket["status"] == "pending" and state.ticket["tags"] == ["atm"]
    assert state.messages[-1]["body_text"] == "Hi Lucía, your card is on its way back by post."

    state.choose_macro(str(macro.id))
    state.drop_macro()
    state.send({"body": "Just a reply."})
    assert state.ticket["tags"] == ["atm"] and state.messages[-1]["body_text"] == "Just a reply."
    assert state.choose_macro("999999") is not None and state.macro == {}  # an unknown macro: a toast


def test_logging_a_call_checks_its_length_and_puts_it_in_the_timeline(people):
    customer = people.make(Role.customer, name="Lucía Cliente")
    agent = people.make(Role.agent, name="Ada Agent")
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    state = _signed_in(AgentTicketState, agent, f"/agent/tickets/{ticket.id}")
    state.load()
    state.open_call(True)
    assert state.log_call({"direction": "outbound", "minutes": "four", "summary": "x"}) is None
    assert state.call_errors == {"duration_seconds": "Give the length in minutes, such as 4 or 2.5."}
    assert state.log_call({"direction": "outbound", "minutes": "3", "summary": "  "}) is None
    assert set(state.call_errors) == {"summary"} and state.call_open
    events = state.log_call({"direction": "outbound", "minutes": "2,5", "summary": "Told her the card is kept."})
    assert "Call logged." in str(events) and not state.call_open
    call = state.entries[-1]
    assert call["kind"] == "call" and call["call_label"] == "Outgoing call · 2 minutes"
    assert call["message"]["body_text"] == "Told her the card is kept."
    state.show_kind("calls")
    assert [entry["kind"] for entry in state.shown_entries] == ["call"]


def test_attachments_become_download_links_and_image_previews():
    from autocrm.core.i18n import using_locale

    rows = fmt.attachment_rows(
        [
            {"id": 7, "filename": "shot.png", "content_type": "image/png", "size": 48_300},
            {"id": 8, "filename": "statement.pdf", "content_type": "application/pdf", "size": 3_400_000},
        ]
    )
    assert [(r["href"], r["preview"], r["size"]) for r in rows] == [
        ("/api/files/7", True, "47 KB"),
        ("/api/files/8", False, "3.2 MB"),
    ]
    assert rows[0]["preview_href"] == "/api/files/7?preview=true"
    with using_locale("fr"):
        assert fmt.file_size(3_400_000) == "3,2 Mo" and fmt.file_size(12) == "12 o"


def test_files_picked_in_a_composer_are_checked_at_once_and_go_onto_the_sent_message(people):
    import io
    from pathlib import Path

    from tests.api.support import PNG_BYTES

    def upload(name: str, data: bytes) -> rx.UploadFile:
        return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))

    customer = people.make(Role.customer, name="Lucía Cliente")
    agent = people.make(Role.agent, name="Ada Agent")
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    state = _signed_in(AgentTicketState, agent, f"/agent/tickets/{ticket.id}")
    state.load()
    run_coroutine(state.stage_files([upload("atm.png", PNG_BYTES), upload("virus.exe", b"MZ\x90\x00" + b"\x00" * 60)]))
    assert [f["filename"] for f in state.staged_files] == ["atm.png"]
    assert state.staged_error.startswith("virus.exe: Files of type")
    run_coroutine(state.stage_files([upload("notes.txt", b"serial 123")]))
    state.unstage(1)
    assert [f["filename"] for f in state.staged_files] == ["atm.png"] and state.staged_error == ""

    state.send({"body": "Here is the photo of the ATM screen."})
    sent = state.messages[-1]
    assert [(a["filename"], a["preview"]) for a in sent["attachments"]] == [("atm.png", True)]
    assert state.staged_files == [] and state._staged == []

    portal = _signed_in(PortalTicketState, customer, f"/portal/tickets/{ticket.id}")
    portal.load()
    run_coroutine(portal.stage_files([upload("receipt.txt", b"paid 12.40")]))
    portal.reply({"body": "And the receipt."})
    assert [a["filename"] for a in portal.messages[-1]["attachments"]] == ["receipt.txt"]


def test_a_reply_waits_when_someone_else_wrote_since_the_agent_read_the_ticket(people):
    customer = people.make(Role.customer, name="Lucía Cliente")
    agent, colleague = people.make(Role.agent, name="Ada Agent"), people.make(Role.agent, name="Ben Agent")
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    state = _signed_in(AgentTicketState, agent, f"/agent/tickets/{ticket.id}")
    state.load()
    with write_session() as session:
        tickets.add_message(
            session,
            actor=people.actor(colleague),
            ticket_id=ticket.id,
            data=tickets.MessageCreate(body="I have ordered a new card.", body_format="text"),
        )
        tickets.add_message(  # a note is no collision: the customer never read it
            session,
            actor=people.actor(colleague),
            ticket_id=ticket.id,
            data=tickets.MessageCreate(body="FYI", body_format="text", internal=True),
        )
    assert state.send({"body": "I will order a new card."}) is None
    assert state.collision == "Ben Agent"
    assert [m["body_text"] for m in state.messages] == ["Help", "I have ordered a new card.", "FYI"]  # read now
    events = state.send({"body": "I will order a new card."})  # "Send anyway"
    assert "Reply sent to the customer." in str(events) and state.collision == ""
    assert state.send({"body": "Anything else?"}) is not None  # nothing new since: sent at once
    assert state.messages[-1]["body_text"] == "Anything else?"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the state's part: the database does not matter
def test_notes_offer_teammates_by_name_only_and_the_bell_opens_the_mention(db_url, people):
    maya, ana = people.make(Role.agent, name="Maya Writer"), people.make(Role.agent, name="Ana Reader")
    customer = people.make(Role.customer, name="Lucía Pérez")
    ticket = make_ticket(by=customer, subject="Card stuck in ATM", body="Help", body_format="text")
    writer = _signed_in(AgentTicketState, maya, f"/agent/tickets/{ticket.id}")
    writer.load()
    offered = {person["name"]: person for person in writer.mention_people}
    assert "Ana Reader" in offered and "Maya Writer" not in offered and "Lucía Pérez" not in offered
    assert all(set(person) == {"id", "name"} for person in writer.mention_people)  # no e-mail in the state
    assert writer.image_upload_url == f"/api/files/tickets/{ticket.id}/images"

    writer.set_mode("note")
    mention = f'<span data-type="mention" data-id="{ana.id}" data-label="Ana Reader">@Ana Reader</span>'
    writer.send({"body": f"<p>{mention} can you check the ATM log?</p>"})
    runner.run_pending_jobs()

    reader = _signed_in(QueueState, ana, "/agent")
    reader._load_counts(Actor.for_user(ana))
    assert reader.inbox_unread == 1
    item = reader.inbox_items[0]
    assert item["who"] == "Maya Writer" and "check the ATM log" in item["excerpt"]
    assert item["href"] == f"/agent/tickets/{ticket.id}"
    events = reader.open_notification(item["id"])
    assert reader.inbox_unread == 0 and f"/agent/tickets/{ticket.id}" in str(events[-1])  # read, and opened

    # A live push reads the bell again only when it brings a notification, not for every ticket change.
    writer.send({"body": f"<p>{mention} and the card reader too?</p>"})
    runner.run_pending_jobs()

    def push(kind: str) -> live.Batch:
        return live.Batch([Change(1, kind, ticket.id, maya.id, customer.id, internal=True)])

    reader._load_counts(Actor.for_user(ana), push("message.created"))
    assert reader.inbox_unread == 0
    reader._load_counts(Actor.for_user(ana), push(inbox.NOTIFICATION_CREATED))
    assert reader.inbox_unread == 1
