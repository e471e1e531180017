"""Rule conditions as data: parsing with clear errors, evaluation by hand-made cases, and the algebra of
groups as properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocrm.services import rule_conditions as rc
from autocrm.services.errors import ValidationFailed
from autocrm.services.rule_conditions import Facts, Suggested

RANKS = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


def facts(**overrides) -> Facts:
    base = {
        "priority": "high",
        "priority_ranks": RANKS,
        "tags": frozenset({"billing", "vip"}),
        "channel": "email",
        "language": "es",
        "organization_id": 7,
        "requester_email": "ana@acme.example",
        "subject": "Refund for my card",
        "body": "The ATM kept my card. Please help.",
        "custom_fields": {"plan": "Gold", "seats": 12},
        "in_business_hours": False,
    }
    return Facts(**{**base, **overrides})


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "priority", "op": "at_least", "value": "high"}, True),
        ({"field": "priority", "op": "at_most", "value": "normal"}, False),
        ({"field": "priority", "op": "in", "value": ["urgent", "HIGH"]}, True),
        ({"field": "tags", "op": "has", "value": "VIP"}, True),
        ({"field": "tags", "op": "all_of", "value": ["vip", "billing"]}, True),
        ({"field": "tags", "op": "none_of", "value": ["spam"]}, True),
        ({"field": "tags", "op": "lacks", "value": "billing"}, False),
        ({"field": "channel", "op": "is_not", "value": "web"}, True),
        ({"field": "requester_email", "op": "ends_with", "value": "@acme.example"}, True),
        ({"field": "text", "op": "contains_any", "value": ["atm", "chargeback"]}, True),
        ({"field": "subject", "op": "not_contains", "value": "refund"}, False),
        ({"field": "custom_fields.seats", "op": "gt", "value": 10}, True),
        ({"field": "custom_fields.plan", "op": "is", "value": "gold"}, True),
        ({"field": "custom_fields.region", "op": "is_not_set"}, True),
        ({"field": "custom_fields.region", "op": "is", "value": "EU"}, False),
        ({"field": "language", "op": "in", "value": ["es", "de"]}, True),
        ({"field": "business_hours", "op": "is", "value": False}, True),
        (
            {
                "all": [
                    {"field": "priority", "op": "at_least", "value": "high"},
                    {
                        "any": [
                            {"field": "tags", "op": "has", "value": "vip"},
                            {"field": "channel", "op": "is", "value": "chat"},
                        ]
                    },
                    {"not": {"field": "language", "op": "is", "value": "en"}},
                ]
            },
            True,
        ),
    ],
)
def test_hand_made_cases(condition, expected):
    assert rc.matches(rc.parse(condition), facts()) is expected


@pytest.mark.parametrize(
    ("condition", "where"),
    [
        ({"field": "shoe_size", "op": "is", "value": 1}, "conditions"),
        ({"field": "priority", "op": "gt", "value": "high"}, "conditions"),
        ({"field": "tags", "op": "any_of", "value": []}, "conditions"),
        ({"field": "priority", "op": "is"}, "conditions"),
        ({"all": []}, "conditions.all"),
        ({"all": [{"field": "channel", "op": "is", "value": "web"}], "any": []}, "conditions"),
        ({"any": [{"field": "channel", "op": "is", "value": "web", "extra": 1}]}, "conditions.any[0]"),
        ({"field": "business_hours", "op": "is", "value": "yes"}, "conditions"),
        ("priority is high", "conditions"),
        ({"any": [{"field": "triage.team", "op": "is", "value": 1}]}, "conditions.any[0]"),
    ],
)
def test_bad_conditions_say_where(condition, where):
    with pytest.raises(ValidationFailed) as error:
        rc.parse(condition)
    assert where in error.value.details


# ---- triage ---------------------------------------------------------------------------------------------

TRIAGED = {
    "category": Suggested("card_arrival", 0.82),
    "team_id": Suggested(4, 0.55),
    "priority": Suggested("high", 0.9),
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "triage.category", "op": "is", "value": "Card_Arrival"}, True),  # sure enough at the default 0.6
        ({"field": "triage.category", "op": "is", "value": "card_arrival", "min_confidence": 0.9}, False),
        ({"field": "triage.category", "op": "is_not", "value": "lost_card"}, True),
        ({"field": "triage.category", "op": "is_not", "value": "card_arrival"}, False),
        ({"field": "triage.category", "op": "in", "value": ["lost_card", "card_arrival"]}, True),
        ({"field": "triage.team_id", "op": "is", "value": 4}, False),  # 0.55: not sure enough by default
        ({"field": "triage.team_id", "op": "is", "value": 4, "min_confidence": 0.5}, True),
        ({"field": "triage.priority", "op": "is_not", "value": "low", "min_confidence": 0.95}, False),
        ({"field": "triage.priority", "op": "in", "value": ["high", "urgent"], "min_confidence": 0}, True),
    ],
)
def test_triage_tests_hold_only_when_triage_is_sure_enough(condition, expected):
    assert rc.matches(rc.parse(condition), facts(triage=lambda: TRIAGED)) is expected


def test_triage_that_suggests_nothing_makes_every_triage_test_false():
    nothing = facts()  # no triage: switched off, or no resolved tickets
    unsure = facts(triage=lambda: {"category": Suggested(None, 0.0), "team_id": Suggested(4, 0.2)})
    for ticket in (nothing, unsure):
        for op, value in (("is", "card_arrival"), ("is_not", "card_arrival"), ("in", ["card_arrival"])):
            test = {"field": "triage.category", "op": op, "value": value}
            assert rc.matches(rc.parse(test), ticket) is False
            assert rc.matches(rc.parse({"not": test}), ticket) is True
        assert rc.matches(rc.parse({"field": "triage.team_id", "op": "is_not", "value": 9}), ticket) is False


def test_triage_is_asked_only_by_a_triage_test():
    asked: list[int] = []

    def triaged():
        asked.append(1)
        return TRIAGED

    ticket = facts(triage=triaged)
    plain = {
        "all": [{"field": "channel", "op": "is", "value": "email"}, {"field": "tags", "op": "has", "value": "vip"}]
    }
    assert rc.matches(rc.parse(plain), ticket) and asked == []
    # A triage test behind a failing one is not reached either.
    guarded = {
        "all": [
            {"field": "channel", "op": "is", "value": "chat"},
            {"field": "triage.priority", "op": "is", "value": "high"},
        ]
    }
    assert not rc.matches(rc.parse(guarded), ticket) and asked == []
    assert rc.matches(rc.parse({"field": "triage.priority", "op": "is", "value": "high"}), ticket) and asked == [1]


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ({"field": "triage.team", "op": "is", "value": 1}, "use one of triage.category, triage.team_id"),
        ({"field": "triage.category", "op": "contains", "value": "card"}, "triage.category takes in, is, is_not"),
        ({"field": "triage.category", "op": "is", "value": "x", "min_confidence": 1.5}, "from 0 to 1"),
        ({"field": "triage.category", "op": "is", "value": "x", "min_confidence": "high"}, "from 0 to 1"),
        ({"field": "triage.category", "op": "is", "value": "x", "min_confidence": True}, "from 0 to 1"),
        ({"field": "triage.category", "op": "is", "value": "x", "min_confidence": float("nan")}, "from 0 to 1"),
        ({"field": "triage.category", "op": "is", "value": ["x"]}, "is needs one value"),
        ({"field": "triage.category", "op": "in", "value": []}, "in needs a list of 1 to 100 values"),
        ({"field": "triage.category", "op": "is"}, "is needs one value"),
        ({"field": "triage.team_id", "op": "is", "value": "Cards"}, "team ids"),
        ({"field": "priority", "op": "is", "value": "high", "min_confidence": 0.5}, "triage fields only"),
    ],
)
def test_bad_triage_tests_say_what_is_wrong(condition, says):
    with pytest.raises(ValidationFailed) as error:
        rc.parse(condition)
    assert says in error.value.details["conditions"]


def test_describe_says_how_sure_triage_must_be():
    parsed = rc.parse({"field": "triage.category", "op": "is", "value": "card_arrival", "min_confidence": 0.7})
    assert rc.describe(parsed) == "triage.category is card_arrival (confidence at least 0.7)"
    assert rc.describe(rc.parse({"field": "triage.priority", "op": "in", "value": ["high"]})) == (
        "triage.priority in ['high'] (confidence at least 0.6)"
    )


def test_depth_and_size_are_bounded():
    deep: dict = {"field": "channel", "op": "is", "value": "web"}
    for _ in range(rc.MAX_DEPTH + 1):
        deep = {"not": deep}
    with pytest.raises(ValidationFailed):
        rc.parse(deep)
    with pytest.raises(ValidationFailed):
        rc.parse({"any": [{"field": "channel", "op": "is", "value": "web"}] * (rc.MAX_TESTS + 1)})


def test_describe_reads_like_the_rule():
    parsed = rc.parse(
        {
            "all": [
                {"field": "priority", "op": "at_least", "value": "high"},
                {"not": {"field": "tags", "op": "has", "value": "spam"}},
            ]
        }
    )
    assert rc.describe(parsed) == "(priority at least high and not (tags has spam))"


# ---- properties -----------------------------------------------------------------------------------------

TESTS = st.one_of(
    st.builds(lambda v: {"field": "priority", "op": "at_least", "value": v}, st.sampled_from(list(RANKS))),
    st.builds(lambda v: {"field": "tags", "op": "has", "value": v}, st.sampled_from(["vip", "billing", "spam"])),
    st.builds(lambda v: {"field": "channel", "op": "is", "value": v}, st.sampled_from(["web", "email", "chat"])),
    st.builds(lambda v: {"field": "text", "op": "contains", "value": v}, st.sampled_from(["card", "atm", "loan"])),
    st.builds(lambda v: {"field": "business_hours", "op": "is", "value": v}, st.booleans()),
)
CONDITIONS = st.recursive(
    TESTS,
    lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, children),
    ),
    max_leaves=8,
)
FACTS = st.builds(
    lambda priority, tags, channel, words, open_: facts(
        priority=priority,
        tags=frozenset(tags),
        channel=channel,
        subject=" ".join(words),
        body="",
        in_business_hours=open_,
    ),
    st.sampled_from(list(RANKS)),
    st.sets(st.sampled_from(["vip", "billing", "spam"])),
    st.sampled_from(["web", "email", "chat"]),
    st.lists(st.sampled_from(["card", "atm", "loan", "hello"]), max_size=3),
    st.booleans(),
)


def _depth_ok(condition: dict, depth: int) -> bool:
    """Whether `condition`, placed `depth` groups deep, stays within what `parse` accepts."""
    if depth > rc.MAX_DEPTH:
        return False
    if "field" in condition:
        return True
    children = [condition["not"]] if "not" in condition else next(iter(condition.values()))
    return all(_depth_ok(child, depth + 1) for child in children)


@settings(max_examples=300, deadline=None)
@given(st.lists(CONDITIONS, min_size=1, max_size=4), FACTS)
def test_groups_are_all_any_and_not(items, ticket):
    if not all(_depth_ok(item, 2) for item in items):
        return
    each = [rc.matches(rc.parse(item), ticket) for item in items]
    assert rc.matches(rc.parse({"all": items}), ticket) is all(each)
    assert rc.matches(rc.parse({"any": items}), ticket) is any(each)
    # De Morgan: not(all) == any(not)
    assert rc.matches(rc.parse({"not": {"all": items}}), ticket) is rc.matches(
        rc.parse({"any": [{"not": item} for item in items]}), ticket
    )


@settings(max_examples=200, deadline=None)
@given(CONDITIONS, FACTS)
def test_double_negation_and_order_do_not_matter(condition, ticket):
    if not _depth_ok(condition, 2):
        return
    once = rc.matches(rc.parse(condition), ticket)
    assert rc.matches(rc.parse({"not": {"not": condition}}), ticket) is once
    assert rc.matches(rc.parse({"all": [condition, condition]}), ticket) is once
