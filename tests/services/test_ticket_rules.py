"""The pure ticket rules: status timestamps, first response, and what a message does to the status."""

from datetime import UTC, datetime, timedelta

import pytest

from autocrm.models import StatusCategory
from autocrm.services.ticket_rules import (
    AuthorKind,
    StatusTimes,
    category_after_message,
    counts_as_first_response,
    first_response_after,
    takes_messages,
    times_on_entering,
)

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)
T1 = T0 + timedelta(days=2)
UNSOLVED = [StatusCategory.new, StatusCategory.open, StatusCategory.pending, StatusCategory.on_hold]


def test_solving_stamps_solved_at_once_and_keeps_a_closed_time():
    assert times_on_entering(StatusCategory.solved, StatusTimes(), at=T0) == StatusTimes(solved_at=T0)
    assert times_on_entering(StatusCategory.solved, StatusTimes(solved_at=T0), at=T1) == StatusTimes(solved_at=T0)
    reopened_from_closed = StatusTimes(solved_at=T0, closed_at=T0)
    assert times_on_entering(StatusCategory.solved, reopened_from_closed, at=T1) == reopened_from_closed


def test_closing_stamps_closed_at_every_time_and_solved_at_if_never_solved():
    assert times_on_entering(StatusCategory.closed, StatusTimes(), at=T0) == StatusTimes(solved_at=T0, closed_at=T0)
    assert times_on_entering(StatusCategory.closed, StatusTimes(solved_at=T0), at=T1) == StatusTimes(T0, T1)
    assert times_on_entering(StatusCategory.closed, StatusTimes(T0, T0), at=T1) == StatusTimes(T0, T1)


@pytest.mark.parametrize("category", UNSOLVED)
def test_an_unsolved_status_clears_both_times(category):
    assert times_on_entering(category, StatusTimes(solved_at=T0, closed_at=T1), at=T1) == StatusTimes()


def test_only_a_public_staff_message_is_a_first_response():
    assert counts_as_first_response(AuthorKind.staff, internal=False)
    assert not counts_as_first_response(AuthorKind.staff, internal=True)
    assert not counts_as_first_response(AuthorKind.customer, internal=False)
    assert first_response_after(None, AuthorKind.staff, internal=False, at=T1) == T1
    assert first_response_after(T0, AuthorKind.staff, internal=False, at=T1) == T0  # the first one stays
    assert first_response_after(None, AuthorKind.staff, internal=True, at=T1) is None
    assert first_response_after(None, AuthorKind.customer, internal=False, at=T1) is None


def test_closed_tickets_take_no_messages():
    assert not takes_messages(StatusCategory.closed)
    assert all(takes_messages(category) for category in [*UNSOLVED, StatusCategory.solved])


@pytest.mark.parametrize(
    ("category", "author", "internal", "moves_to"),
    [
        (StatusCategory.new, AuthorKind.staff, False, StatusCategory.open),
        (StatusCategory.new, AuthorKind.staff, True, None),
        (StatusCategory.new, AuthorKind.customer, False, None),
        (StatusCategory.open, AuthorKind.customer, False, None),
        (StatusCategory.pending, AuthorKind.customer, False, StatusCategory.open),
        (StatusCategory.solved, AuthorKind.customer, False, StatusCategory.open),
        (StatusCategory.on_hold, AuthorKind.customer, False, None),
        (StatusCategory.pending, AuthorKind.staff, False, None),
        (StatusCategory.solved, AuthorKind.staff, False, None),
        (StatusCategory.solved, AuthorKind.customer, True, None),
    ],
)
def test_what_a_message_does_to_the_status(category, author, internal, moves_to):
    assert category_after_message(category, author, internal=internal) is moves_to
