"""Conditions of routing rules (and later of views, SLAs and automations), kept as data and evaluated here.

A condition is JSON: a group `{"all": [...]}`, `{"any": [...]}` or `{"not": {...}}`, or a test
`{"field": "priority", "op": "at_least", "value": "high"}`. `parse` checks a stored or submitted condition
against the vocabulary below and gives clear errors; `matches` evaluates a parsed one against the facts of
a ticket. Pure: no database, so the rule engine, the "test a ticket" panel and the property tests share it.

| field | ops |
|---|---|
| `priority` | `is`, `is_not`, `in`, `at_least`, `at_most` (by the priorities' rank) |
| `tags` | `has`, `lacks`, `any_of`, `all_of`, `none_of` |
| `channel`, `language`, `organization_id`, `requester_email` | `is`, `is_not`, `in`; `requester_email` also `ends_with` (a domain) |
| `subject`, `body`, `text` (both) | `contains`, `not_contains`, `contains_any` (words, case-insensitive) |
| `custom_fields.<key>` | `is`, `is_not`, `in`, `contains`, `gt`, `lt`, `is_set`, `is_not_set` |
| `business_hours` | `is` true or false: whether the ticket arrived inside the desk's hours |
| `triage.category`, `triage.team_id`, `triage.priority` | `is`, `is_not`, `in`; optional `min_confidence` (0 to 1, default 0.6) |

A triage test asks what `services/ai/triage` suggests for the ticket from the desk's resolved tickets:
`{"field": "triage.category", "op": "is", "value": "card_arrival", "min_confidence": 0.7}` holds when triage
suggests the category `card_arrival` with a confidence of 0.7 or more. Triage that suggests nothing for that
field, or nothing that sure, makes every triage test false, `is_not` too ("triage is sure it is something
else"); wrap a test in `not` for "unless triage is sure". The suggestions are computed only when a test
reads them (`Facts.triage` is a callable), so rules that test no triage field cost nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autocrm.core.i18n import t
from autocrm.services.errors import ValidationFailed

MAX_DEPTH = 5
MAX_TESTS = 50

_EQUALITY = frozenset({"is", "is_not", "in"})
OPS: dict[str, frozenset[str]] = {
    "priority": _EQUALITY | {"at_least", "at_most"},
    "tags": frozenset({"has", "lacks", "any_of", "all_of", "none_of"}),
    "channel": _EQUALITY,
    "language": _EQUALITY,
    "organization_id": _EQUALITY,
    "requester_email": _EQUALITY | {"ends_with"},
    "subject": frozenset({"contains", "not_contains", "contains_any"}),
    "body": frozenset({"contains", "not_contains", "contains_any"}),
    "text": frozenset({"contains", "not_contains", "contains_any"}),
    "business_hours": frozenset({"is"}),
}
CUSTOM_FIELD_OPS = _EQUALITY | {"contains", "gt", "lt", "is_set", "is_not_set"}
# What triage suggests (`services/ai/triage.TriageResult`), by the name a test gives after "triage.".
TRIAGE_FIELDS = ("category", "team_id", "priority")
TRIAGE_OPS = _EQUALITY
DEFAULT_MIN_CONFIDENCE = 0.6
_LIST_OPS = frozenset({"in", "any_of", "all_of", "none_of", "contains_any"})
_NO_VALUE_OPS = frozenset({"is_set", "is_not_set"})


@dataclass(frozen=True)
class Suggested:
    """One of triage's suggestions for the ticket, with its confidence in [0, 1]."""

    value: Any
    confidence: float


def no_triage() -> Mapping[str, Suggested]:
    return {}


@dataclass(frozen=True)
class Facts:
    """What a condition can see of a ticket."""

    priority: str = "normal"
    priority_ranks: Mapping[str, int] = field(default_factory=dict)  # key -> rank (higher is more urgent)
    tags: frozenset[str] = frozenset()
    channel: str = "web"
    language: str | None = None
    organization_id: int | None = None
    requester_email: str = ""
    subject: str = ""
    body: str = ""
    custom_fields: Mapping[str, Any] = field(default_factory=dict)
    in_business_hours: bool = True
    # Triage's suggestions by field ("category", "team_id", "priority"); called only by a triage test, so the
    # caller passes a memoized callable and pays for triage only when a rule asks.
    triage: Callable[[], Mapping[str, Suggested]] = no_triage


@dataclass(frozen=True)
class Test:
    field: str
    op: str
    value: Any = None
    min_confidence: float | None = None  # triage tests only


@dataclass(frozen=True)
class Group:
    kind: str  # "all" | "any" | "not"
    items: tuple[Condition, ...]


Condition = Test | Group


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(t("{path}: {message}", path=path, message=message), {path: message})


def parse(raw: Any, *, path: str = "conditions", depth: int = 0, counted: list[int] | None = None) -> Condition:
    """A condition from its JSON, or a `ValidationFailed` naming where it is wrong."""
    counted = counted if counted is not None else [0]
    if depth > MAX_DEPTH:
        raise _fail(path, t("nest groups at most {depth} deep", depth=MAX_DEPTH))
    if not isinstance(raw, Mapping):
        raise _fail(path, t("must be an object"))
    groups = [key for key in ("all", "any", "not") if key in raw]
    if groups:
        if len(raw) != 1:
            raise _fail(path, t("a group has exactly one key: all, any or not"))
        kind = groups[0]
        if kind == "not":
            return Group("not", (parse(raw["not"], path=f"{path}.not", depth=depth + 1, counted=counted),))
        items = raw[kind]
        if not isinstance(items, list) or not items:
            raise _fail(f"{path}.{kind}", t("must be a non-empty list of conditions"))
        return Group(
            kind,
            tuple(
                parse(item, path=f"{path}.{kind}[{i}]", depth=depth + 1, counted=counted)
                for i, item in enumerate(items)
            ),
        )
    counted[0] += 1
    if counted[0] > MAX_TESTS:
        raise _fail(path, t("a rule takes at most {count} tests", count=MAX_TESTS))
    name, op = raw.get("field"), raw.get("op")
    is_triage = isinstance(name, str) and name.startswith("triage.")
    unknown_keys = set(raw) - {"field", "op", "value"} - ({"min_confidence"} if is_triage else set())
    if unknown_keys:
        key = sorted(unknown_keys)[0]
        if key == "min_confidence":
            raise _fail(path, t("min_confidence goes with triage fields only"))
        raise _fail(path, t("unknown key {key}", key=repr(key)))
    if not isinstance(name, str) or not isinstance(op, str):
        raise _fail(path, t("a test needs a field and an op"))
    if is_triage:
        return _parse_triage(raw, name, op, path)
    if name.startswith("custom_fields."):
        allowed = CUSTOM_FIELD_OPS
        if not name.removeprefix("custom_fields."):
            raise _fail(path, t("name the custom field: custom_fields.<key>"))
    elif name in OPS:
        allowed = OPS[name]
    else:
        raise _fail(
            path,
            t(
                "unknown field {name}; use one of {fields}, custom_fields.<key> or triage.<field>",
                name=repr(name),
                fields=", ".join(OPS),
            ),
        )
    if op not in allowed:
        raise _fail(path, t("{field} takes {ops}, not {op}", field=name, ops=", ".join(sorted(allowed)), op=repr(op)))
    value = raw.get("value")
    if op in _NO_VALUE_OPS:
        return Test(name, op)
    if op in _LIST_OPS:
        if not isinstance(value, list) or not value or len(value) > 100:
            raise _fail(path, t("{op} needs a list of 1 to 100 values", op=op))
        return Test(name, op, tuple(value))
    if value is None or isinstance(value, list | dict):
        raise _fail(path, t("{op} needs one value", op=op))
    if name == "business_hours" and not isinstance(value, bool):
        raise _fail(path, t("business_hours is true or false"))
    return Test(name, op, value)


def _parse_triage(raw: Mapping[str, Any], name: str, op: str, path: str) -> Test:
    suggested = name.removeprefix("triage.")
    if suggested not in TRIAGE_FIELDS:
        known = ", ".join(f"triage.{known}" for known in TRIAGE_FIELDS)
        raise _fail(path, t("unknown triage field {name}; use one of {known}", name=repr(name), known=known))
    if op not in TRIAGE_OPS:
        raise _fail(
            path, t("{field} takes {ops}, not {op}", field=name, ops=", ".join(sorted(TRIAGE_OPS)), op=repr(op))
        )
    confidence = raw.get("min_confidence", DEFAULT_MIN_CONFIDENCE)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not math.isfinite(confidence)
        or not 0 <= confidence <= 1
    ):
        raise _fail(path, t("min_confidence is a number from 0 to 1, such as 0.7"))
    value = raw.get("value")
    if op == "in" and (not isinstance(value, list) or not value or len(value) > 100):
        raise _fail(path, t("{op} needs a list of 1 to 100 values", op="in"))
    if op != "in" and isinstance(value, list | dict):
        raise _fail(path, t("{op} needs one value", op=op))
    values: list[Any] = value if isinstance(value, list) else [value]
    for item in values:
        if item is None or isinstance(item, list | dict | bool):
            raise _fail(path, t("in needs a list of plain values") if op == "in" else t("{op} needs one value", op=op))
        if suggested == "team_id" and not isinstance(item, int):
            raise _fail(path, t("triage.team_id takes team ids (whole numbers)"))
    return Test(name, op, tuple(values) if op == "in" else value, min_confidence=float(confidence))


def _triage_holds(test: Test, facts: Facts) -> bool:
    said = facts.triage().get(test.field.removeprefix("triage."))
    threshold = DEFAULT_MIN_CONFIDENCE if test.min_confidence is None else test.min_confidence
    if said is None or said.value is None or said.confidence < threshold:
        return False
    actual = _text(said.value)
    if test.op == "in":
        return actual in {_text(v) for v in test.value}
    return (actual == _text(test.value)) is (test.op == "is")


def _text(value: Any) -> str:
    return str(value).casefold()


def _rank(facts: Facts, key: Any) -> int | None:
    return facts.priority_ranks.get(str(key))


def _value_of(facts: Facts, name: str) -> Any:
    if name.startswith("custom_fields."):
        return facts.custom_fields.get(name.removeprefix("custom_fields."))
    if name == "text":
        return f"{facts.subject}\n{facts.body}"
    return getattr(facts, name)


def _compare(test: Test, facts: Facts) -> bool:
    op, expected = test.op, test.value
    if test.field.startswith("triage."):
        return _triage_holds(test, facts)
    if test.field == "business_hours":
        return facts.in_business_hours is expected
    if test.field == "tags":
        tags = {_text(t) for t in facts.tags}
        wanted = {_text(v) for v in expected} if isinstance(expected, tuple) else {_text(expected)}
        return {
            "has": bool(wanted & tags),
            "lacks": not wanted & tags,
            "any_of": bool(wanted & tags),
            "all_of": wanted <= tags,
            "none_of": not wanted & tags,
        }[op]
    actual = _value_of(facts, test.field)
    if op == "is_set":
        return actual not in (None, "", [])
    if op == "is_not_set":
        return actual in (None, "", [])
    if actual is None:
        return op in ("is_not", "not_contains")
    if test.field == "priority" and op in ("at_least", "at_most"):
        have, bound = _rank(facts, actual), _rank(facts, expected)
        if have is None or bound is None:
            return False
        return have >= bound if op == "at_least" else have <= bound
    if op == "is":
        return _text(actual) == _text(expected)
    if op == "is_not":
        return _text(actual) != _text(expected)
    if op == "in":
        return _text(actual) in {_text(v) for v in expected}
    if op == "ends_with":
        return _text(actual).endswith(_text(expected))
    if op == "contains":
        return _text(expected) in _text(actual)
    if op == "not_contains":
        return _text(expected) not in _text(actual)
    if op == "contains_any":
        haystack = _text(actual)
        return any(_text(word) in haystack for word in expected)
    if op in ("gt", "lt"):
        try:
            left, right = float(actual), float(expected)
        except (TypeError, ValueError):
            return False
        return left > right if op == "gt" else left < right
    raise AssertionError(f"unhandled op {op}")  # pragma: no cover - parse admits no other op


def matches(condition: Condition, facts: Facts) -> bool:
    if isinstance(condition, Test):
        return _compare(condition, facts)
    if condition.kind == "all":
        return all(matches(item, facts) for item in condition.items)
    if condition.kind == "any":
        return any(matches(item, facts) for item in condition.items)
    return not matches(condition.items[0], facts)


def describe(condition: Condition) -> str:
    """A short human reading of a condition, for the "test a ticket" panel and the audit trail."""
    if isinstance(condition, Test):
        value = (
            ""
            if condition.value is None
            else f" {list(condition.value) if isinstance(condition.value, tuple) else condition.value}"
        )
        sure = "" if condition.min_confidence is None else f" (confidence at least {condition.min_confidence:g})"
        return f"{condition.field} {condition.op.replace('_', ' ')}{value}{sure}"
    if condition.kind == "not":
        return f"not ({describe(condition.items[0])})"
    joiner = " and " if condition.kind == "all" else " or "
    return "(" + joiner.join(describe(item) for item in condition.items) + ")"


def tests_of(condition: Condition) -> Sequence[Test]:
    if isinstance(condition, Test):
        return [condition]
    return [test for item in condition.items for test in tests_of(item)]
