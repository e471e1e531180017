"""The routing rules admin as a state (handlers called as methods, no browser) and its pure parts: the rule
sentences in the reader's language and the editor's form → the service's `RuleCreate`. SQLite only: the
service tests cover both databases."""

from __future__ import annotations

import pytest

from autocrm.core import i18n
from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import routing, rule_conditions
from autocrm.services.actor import Actor
from autocrm.services.errors import ValidationFailed
from autocrm.services.routing import RuleActions, RuleCreate
from autocrm.state.routing import (
    SUGGESTED,
    AdminRoutingState,
    Names,
    conditions_of,
    rows_of,
    rule_input,
    rule_sentences,
    triage_text,
)
from tests.factories import make_team
from tests.state.test_states import _signed_in

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NAMES = Names(teams={7: "Cards"}, staff={3: "Ana Agent"}, priorities={"high": "High", "urgent": "Urgent"})


def test_a_rule_reads_as_a_sentence_in_the_readers_language():
    conditions = {
        "any": [
            {"field": "priority", "op": "at_least", "value": "high"},
            {"field": "text", "op": "contains_any", "value": ["card", "atm"]},
            {"field": "triage.team_id", "op": "is", "value": 7, "min_confidence": 0.7},
        ]
    }
    actions = {"team_id": 7, "assignee_id": 3, "add_tags": ["cards"]}
    with i18n.using_locale("en"):
        when, then = rule_sentences(conditions, actions, NAMES)
    assert when == (
        "Priority is at least High or Subject or message contains any of “card”, “atm” "
        "or Triage: team is Cards (confidence at least 70%)"
    )
    assert then == "Send to Cards, assign to Ana Agent, add the tag cards"
    with i18n.using_locale("de"):
        german_when, german_then = rule_sentences(conditions, actions, NAMES)
    assert german_when.startswith("Priorität ist mindestens ") and " oder " in german_when
    assert "Cards" in german_then and german_then != then
    suggested = routing.TrialTriage(
        category=None, category_confidence=0, team_id=7, team_confidence=0.82, priority="high", priority_confidence=0.5
    )
    with i18n.using_locale("en"):
        assert triage_text(suggested, NAMES) == "Triage suggests: team Cards (82%), priority High (50%)"
    with i18n.using_locale("de"), pytest.raises(ValidationFailed) as refused:  # the editor shows it by the row
        rule_conditions.parse(conditions_of("all", [{"field": "subject", "op": "contains", "value": ""}]))
    assert refused.value.details == {"conditions.all[0]": "contains braucht einen Wert"}


def test_the_editor_form_becomes_the_services_input():
    rows = [
        {"field": "priority", "op": "in", "value": "high, urgent", "confidence": ""},
        {"field": "triage.team_id", "op": "is", "value": "7", "confidence": "0.8"},
        {"field": "business_hours", "op": "is", "value": "false", "confidence": ""},
        {"field": "custom_fields.plan", "op": "is_set", "value": "ignored", "confidence": ""},
    ]
    data = rule_input(
        name="VIP",
        enabled=False,
        match="any",
        rows=rows,
        raw_conditions={},
        team="7",
        assignee="none",
        priority="urgent",
        policy="none",
        add_tags="vip, , fast",
        remove_tags="",
        skills=[{"skill_id": "2", "level": "4"}],
        on_updates=True,
        continue_after=False,
    )
    assert data.conditions == {
        "any": [
            {"field": "priority", "op": "in", "value": ["high", "urgent"]},
            {"field": "triage.team_id", "op": "is", "value": 7, "min_confidence": 0.8},
            {"field": "business_hours", "op": "is", "value": False},
            {"field": "custom_fields.plan", "op": "is_set"},
        ]
    }
    assert data.actions.team_id == 7 and data.actions.assignee_id is None and data.actions.priority == "urgent"
    assert data.actions.add_tags == ["vip", "fast"] and data.actions.required_skills[0].level == 4
    assert (data.enabled, data.triggers) == (False, ["ticket.created", "ticket.updated"])
    assert rows_of(data.conditions) == (
        "any",
        [
            {"field": "priority", "op": "in", "value": "high, urgent", "confidence": ""},
            {"field": "triage.team_id", "op": "is", "value": "7", "confidence": "0.8"},
            {"field": "business_hours", "op": "is", "value": "false", "confidence": ""},
            {"field": "custom_fields.plan", "op": "is_set", "value": "", "confidence": ""},
        ],
    )
    assert rows_of({"not": {"field": "tags", "op": "has", "value": "x"}}) is None  # nested: kept as it is
    assert conditions_of("all", []) == {"all": []}


def test_the_editor_offers_the_suggested_agent_and_the_sentence_reads_it():
    data = rule_input(
        name="Refunds",
        enabled=True,
        match="all",
        rows=[{"field": "text", "op": "contains_any", "value": "refund", "confidence": ""}],
        raw_conditions={},
        team="7",
        assignee=SUGGESTED,
        priority="none",
        policy="none",
        add_tags="",
        remove_tags="",
        skills=[],
        on_updates=False,
        continue_after=False,
    )
    assert data.actions.assign_suggested is True and data.actions.assignee_id is None
    with i18n.using_locale("en"):
        _when, then = rule_sentences(data.conditions, {"team_id": 7, "assign_suggested": True}, NAMES)
    assert then == "Send to Cards, assign the suggested agent"
    with i18n.using_locale("es"):
        _when, spanish = rule_sentences(data.conditions, {"assign_suggested": True}, NAMES)
    assert spanish == "Asignar el agente sugerido"


@SQLITE
def test_the_routing_admin_writes_rules_through_the_service(people):
    admin = people.make(Role.admin)
    cards = make_team(name="Cards")
    state = _signed_in(AdminRoutingState, admin)
    state.load()
    assert state.loaded and not state.has_rules
    assert {"value": str(cards.id), "label": "Cards"} in state.team_options

    state.open_new()
    state.set_ed_name("Cards to Cards")
    state.set_row(0, "field", "subject")
    state.set_row(0, "op", "contains")  # no value yet: the service's parser refuses, next to the row
    state.set_ed_pick("team", str(cards.id))
    state.save()
    assert state.editor_open and state.row_errors == {"0": "contains needs one value"}
    assert state.ed_name == "Cards to Cards" and state.ed_team == str(cards.id)  # nothing lost
    state.set_row(0, "value", "card")
    state.save()
    assert not state.editor_open and state.row_errors == {}
    state.open_new()
    state.set_ed_name("Urgent is urgent")
    state.set_row(0, "field", "priority")
    state.set_row(0, "op", "in")
    state.toggle_choice(0, "urgent")
    state.save()  # no action: the service says so at the form
    assert state.editor_open and state.editor_errors == {"actions": "A rule needs at least one action."}
    state.set_ed_text("add_tags", "urgent")
    state.save()
    first, second = state.rows
    assert (first["name"], first["when"], first["then"]) == (
        "Cards to Cards",
        "Subject contains “card”",
        "Send to Cards",
    )
    assert second["when"] == "Priority is one of Urgent" and second["last"] and first["first"]

    state.move(second["id"], -1)
    assert [r["name"] for r in state.rows] == ["Urgent is urgent", "Cards to Cards"]
    state.start_drag(second["id"])
    state.drag_enter(first["id"])
    state.drop_on(first["id"])  # dragged back on top
    assert [r["name"] for r in state.rows] == ["Cards to Cards", "Urgent is urgent"]
    state.set_enabled(second["id"], False)
    assert not state.rows[1]["enabled"]

    state.open_edit(first["id"])
    assert (state.ed_name, state.ed_rows[0]["value"], state.ed_team) == ("Cards to Cards", "card", str(cards.id))
    state.set_ed_name("Card trouble")
    state.save()
    assert state.rows[0]["name"] == "Card trouble"

    state.set_trial("subject", "My card is stuck")
    state.run_trial()
    assert state.trial["matched"] and state.trial["rule"] == "Card trouble"
    assert state.trial["lines"] == [{"label": "Team", "value": "Cards"}]
    state.set_trial("subject", "Hello")
    state.run_trial()
    assert state.trial["matched"] is False
    state.set_trial("subject", "")
    state.run_trial()
    assert state.trial_error and not state.has_trial

    state.ask_delete(second["id"])
    assert state.confirming
    state.confirm_delete()
    with read_session() as session:
        assert [r.name for r in routing.list_rules(session, actor=Actor.for_user(admin))] == ["Card trouble"]


@SQLITE
def test_only_admins_open_the_routing_rules(people):
    state = _signed_in(AdminRoutingState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded and state.rules == []


@SQLITE
def test_a_rule_with_nested_conditions_keeps_them_when_edited(people):
    admin = people.make(Role.admin)
    nested = {
        "all": [
            {"not": {"field": "tags", "op": "has", "value": "spam"}},
            {"field": "channel", "op": "is", "value": "email"},
        ]
    }
    with write_session() as session:
        rule = routing.create_rule(
            session,
            actor=Actor.for_user(admin),
            data=RuleCreate(name="API rule", conditions=nested, actions=RuleActions(add_tags=["mail"])),
        )
    state = _signed_in(AdminRoutingState, admin)
    state.load()
    assert state.rows[0]["when"] == "Not (Tags include “spam”) and Channel is E-mail"
    state.open_edit(rule.id)
    assert not state.ed_rows_editable and "Channel is E-mail" in state.ed_fixed_conditions
    state.set_ed_text("add_tags", "mail, api")
    state.save()
    assert state.rules[0]["conditions"] == nested and state.rules[0]["actions"]["add_tags"] == ["api", "mail"]
