"""Macros: placeholders, actions, versions and their diff, and the approval rules. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, EventRecord, Role
from autocrm.services import desk, macros, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.macros import MacroActions, MacroCreate, MacroUpdate
from tests.factories import make_team, make_ticket

BODY = "<p>Hi {{customer.first_name}}, ticket #{{ticket.number}} is with {{agent.name}}.</p>"


def _create(actor: Actor, **fields) -> macros.MacroPublic:
    with write_session() as s:
        return macros.create_macro(s, actor=actor, data=MacroCreate(**{"name": "Thanks", "body": BODY, **fields}))


def _update(actor: Actor, macro_id: int, **fields) -> macros.MacroPublic:
    with write_session() as s:
        return macros.update_macro(s, actor=actor, macro_id=macro_id, data=MacroUpdate(**fields))


def _review(actor: Actor, macro_id: int, approve: bool = True, comment: str = "") -> macros.MacroPublic:
    with write_session() as s:
        return macros.review_macro(s, actor=actor, macro_id=macro_id, approve=approve, comment=comment)


def _submit(actor: Actor, macro_id: int) -> macros.MacroPublic:
    with write_session() as s:
        return macros.submit_macro(s, actor=actor, macro_id=macro_id)


def _lead(people) -> tuple[Actor, object]:
    lead = people.make(Role.agent, name="Lena Lead")
    team = make_team(member_ids=[lead.id])
    with write_session() as s:
        users.set_team_lead(s, actor=Actor.system("tests"), team_id=team.id, user_id=lead.id, lead=True)
    return people.actor(lead), team


def test_placeholders_render_escaped_for_the_ticket_and_its_agent(people):
    agent_user = people.make(Role.agent, name="Maya Agent")
    agent = people.actor(agent_user)
    customer = people.make(Role.customer, name="Olivia <b>Banks</b>")
    ticket = make_ticket(requester=customer, by=agent_user, subject="Card declined")
    macro = _create(agent, body=BODY + "<p>{{customer.email}} / {{ticket.subject}} / {{ticket.priority}}</p>")
    assert macro.scope == "personal" and macro.usable and macro.approved_version == 1
    with read_session() as s:
        preview = macros.preview_macro(s, actor=agent, ticket_id=ticket.id, macro_id=macro.id)
    assert f"Hi Olivia, ticket #{ticket.number} is with Maya Agent." in preview.body
    assert customer.email in preview.body and "Card declined" in preview.body
    # a name is text: its markup arrives escaped, never as markup
    other = people.make(Role.customer, name="<script>x</script> Eve")
    ticket2 = make_ticket(requester=other, by=agent_user)
    macro2 = _create(agent, name="Hello", body="<p>{{customer.name}}</p>")
    with read_session() as s:
        rendered = macros.preview_macro(s, actor=agent, ticket_id=ticket2.id, macro_id=macro2.id).body
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered


def test_unknown_placeholders_and_bad_actions_are_refused_and_nothing_is_saved(people):
    agent = people.actor(people.make(Role.agent))
    with pytest.raises(ValidationFailed) as error:
        _create(agent, body="<p>{{customer.shoe_size}}</p>")
    assert "customer.shoe_size" in error.value.message and "body" in error.value.details
    with pytest.raises(ValidationFailed):
        _create(agent, actions=MacroActions(status="no-such-status"))
    with pytest.raises(ValidationFailed):
        _create(agent, actions=MacroActions(add_tags=["vip"], remove_tags=["vip"]))
    with pytest.raises(ValidationFailed):
        _create(agent, body="", actions=MacroActions())
    with read_session() as s:
        assert macros.list_macros(s, actor=agent) == []
    with write_session() as s:
        desk.create_custom_field(s, actor=Actor.system("tests"), key="order_id", label="Order", field_type="text")
    assert _create(agent, body="<p>Order {{ticket.custom_fields.order_id}}</p>").usable


def test_applying_previews_first_then_sends_the_edited_body_and_makes_the_changes(people):
    agent_user = people.make(Role.agent, name="Maya Agent")
    agent = people.actor(agent_user)
    ticket = make_ticket(requester=people.make(Role.customer), by=agent_user, tags=["billing"])
    macro = _create(
        agent,
        actions=MacroActions(
            status="pending", priority="high", assignee_id="me", add_tags=["refund"], remove_tags=["billing"]
        ),
    )
    with read_session() as s:
        preview = macros.preview_macro(s, actor=agent, ticket_id=ticket.id, macro_id=macro.id)
        unchanged = tickets.get_ticket(s, actor=agent, ticket_id=ticket.id)
    assert {c.field: c.after for c in preview.changes} == {
        "status": "pending",
        "priority": "high",
        "assignee_id": agent_user.id,
        "tags": ["refund"],
    }
    assert unchanged.status != "pending" and unchanged.tags == ["billing"]  # a preview writes nothing
    with write_session() as s:
        applied = macros.apply_macro(
            s, actor=agent, ticket_id=ticket.id, macro_id=macro.id, body="<p>Edited before sending.</p>"
        )
    assert applied.applied and applied.message_id is not None
    with read_session() as s:
        after = tickets.get_ticket(s, actor=agent, ticket_id=ticket.id)
        conversation = tickets.list_messages(s, actor=agent, ticket_id=ticket.id)
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.object_id == ticket.id))]
        types = [e.type for e in s.exec(select(EventRecord).where(EventRecord.ticket_id == ticket.id))]
    assert (after.status, after.priority, after.tags) == ("pending", "high", ["refund"])
    assert after.assignee is not None and after.assignee.id == agent_user.id
    assert "Edited before sending." in conversation[-1].body_html
    assert "macro.applied" in actions and "ticket.update" in actions
    assert "ticket.updated" in types and "message.created" in types


def test_a_shared_macro_is_usable_only_once_a_lead_approved_it(people):
    author = people.actor(people.make(Role.agent, name="Alex Author"))
    other_agent = people.actor(people.make(Role.agent))
    lead, _team = _lead(people)
    ticket = make_ticket(requester=people.make(Role.customer), by=people.make(Role.agent))
    macro = _create(author, scope="shared")
    assert macro.latest.state == "draft" and not macro.usable
    with pytest.raises(Conflict), read_session() as s:
        macros.preview_macro(s, actor=other_agent, ticket_id=ticket.id, macro_id=macro.id)
    with pytest.raises(Conflict):
        _review(lead, macro.id)  # not submitted yet
    _submit(author, macro.id)
    with read_session() as s:
        queue = macros.list_macros(s, actor=lead, pending_only=True)
    assert [m.id for m in queue] == [macro.id]
    with pytest.raises(PermissionDenied):
        _review(other_agent, macro.id)  # an agent cannot approve
    with pytest.raises(ValidationFailed):
        _review(lead, macro.id, approve=False)  # sending back needs a reason
    rejected = _review(lead, macro.id, approve=False, comment="Say sorry first.")
    assert rejected.latest.state == "rejected" and rejected.latest.review_comment == "Say sorry first."
    _update(author, macro.id, body="<p>Sorry, {{customer.first_name}}!</p>")
    _submit(author, macro.id)
    approved = _review(lead, macro.id, comment="Good.")
    assert approved.usable and approved.approved_version == 2 and approved.latest.reviewer is not None
    with read_session() as s:
        assert "Sorry" in macros.preview_macro(s, actor=other_agent, ticket_id=ticket.id, macro_id=macro.id).body
    # an edit waiting for approval does not change what agents apply
    renamed = _update(author, macro.id, name="Unreviewed name", body="<p>Unreviewed text</p>")
    with read_session() as s:
        preview = macros.preview_macro(s, actor=other_agent, ticket_id=ticket.id, macro_id=macro.id)
    assert preview.version == 2 and "Unreviewed" not in preview.body
    # what agents pick from (the composer's menu) is named as what they will apply
    assert renamed.latest.name == "Unreviewed name" and renamed.approved_name == preview.name != "Unreviewed name"


def test_a_lead_cannot_approve_their_own_version_but_an_admin_can(people):
    lead, _team = _lead(people)
    admin = people.actor(people.make(Role.admin))
    mine = _create(lead, scope="shared")
    _submit(lead, mine.id)
    with pytest.raises(PermissionDenied):
        _review(lead, mine.id)
    own = _create(admin, scope="shared", name="Admin's")
    _submit(admin, own.id)
    assert _review(admin, own.id).usable


def test_versions_are_kept_with_authors_and_a_diff(people):
    agent = people.actor(people.make(Role.agent, name="Maya Agent"))
    macro = _create(agent, body="<p>Line one</p><p>Line two</p>")
    _update(agent, macro.id, name="Thanks!", body="<p>Line one</p><p>Line 2</p>", actions=MacroActions(priority="low"))
    unchanged = _update(agent, macro.id, name="Thanks!")  # the same text makes no version
    assert unchanged.latest.number == 2
    with read_session() as s:
        versions = macros.list_versions(s, actor=agent, macro_id=macro.id)
        diff = macros.version_diff(s, actor=agent, macro_id=macro.id, from_version=1, to_version=2)
    assert [v.number for v in versions] == [2, 1] and versions[0].author is not None
    assert versions[0].author.name == "Maya Agent"
    assert diff.fields == {"name": ["Thanks", "Thanks!"], "actions": [{}, {"priority": "low"}]}
    assert [(line.kind, line.text) for line in diff.body] == [
        ("same", "Line one"),
        ("removed", "Line two"),
        ("added", "Line 2"),
    ]


def test_personal_macros_are_their_owners_alone(people):
    owner = people.actor(people.make(Role.agent))
    other = people.actor(people.make(Role.agent))
    mine = _create(owner)
    shared = _create(owner, scope="shared", name="Shared")
    with read_session() as s:
        assert [m.id for m in macros.list_macros(s, actor=other)] == [shared.id]
        with pytest.raises(NotFound):
            macros.get_macro(s, actor=other, macro_id=mine.id)
    with pytest.raises(NotFound):
        _update(other, mine.id, body="<p>mine now</p>")
    customer = people.actor(people.make(Role.customer))
    with pytest.raises(PermissionDenied), read_session() as s:
        macros.list_macros(s, actor=customer)
    # an agent may propose a change to a shared macro (a draft), but not archive it
    _update(other, shared.id, body="<p>Proposal</p>")
    with pytest.raises(PermissionDenied):
        _update(other, shared.id, archived=True)
