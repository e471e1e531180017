"""Business-hour maths against hand-computed cases (time zones, DST changes, holidays, pauses) and as
properties (hypothesis): `add` and `between` agree, are monotonic and additive."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocrm.services import business_hours as bh
from autocrm.services.business_hours import Calendar

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE_BERLIN = Calendar.office("Europe/Berlin", time(9), time(17))
OFFICE_BERLIN_DE = Calendar.office("Europe/Berlin", time(9), time(17), country="DE")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def test_friday_afternoon_plus_four_hours_is_monday_noon():
    due = bh.add(OFFICE_BERLIN, local(BERLIN, 2026, 11, 27, 16), timedelta(hours=4))  # Friday 16:00
    assert due == local(BERLIN, 2026, 11, 30, 12)  # Monday 12:00


def test_the_spring_forward_weekend_counts_by_the_wall_clock():
    # Clocks go forward on Sunday 29 March 2026 in Berlin: Friday 16:00 CET + 4 h is Monday 12:00 CEST (10:00 UTC)
    due = bh.add(OFFICE_BERLIN, local(BERLIN, 2026, 3, 27, 16), timedelta(hours=4))
    assert due == datetime(2026, 3, 30, 10, tzinfo=UTC)
    # and round the clock, the skipped hour is not worked: Saturday 12:00 CET + 24 h = Sunday 13:00 CEST
    assert bh.add(Calendar.always(), local(BERLIN, 2026, 3, 28, 12), timedelta(hours=24)) == local(
        BERLIN, 2026, 3, 29, 13
    )


def test_a_window_that_starts_in_the_skipped_hour_starts_at_the_jump():
    night = Calendar(time_zone="Europe/Berlin", weekly={6: ((time(2, 30), time(4)),)})  # Sundays 02:30-04:00
    windows = night.windows_on(date(2026, 3, 29))
    assert windows == [(datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 2, tzinfo=UTC))]  # 03:00-04:00 CEST


def test_fall_back_day_works_its_wall_clock_window():
    # 1 November 2026, New York falls back at 02:00: a 00:00-06:00 window is 7 real hours that day
    night = Calendar(time_zone="America/New_York", weekly={6: ((time(0), time(6)),)})
    begin, end = night.windows_on(date(2026, 11, 1))[0]
    assert end - begin == timedelta(hours=7)


def test_public_and_own_holidays_are_skipped():
    # 1 May 2026 is a Friday and a public holiday in Germany
    start = local(BERLIN, 2026, 4, 30, 16)
    assert bh.add(OFFICE_BERLIN_DE, start, timedelta(hours=4)) == local(BERLIN, 2026, 5, 4, 12)
    assert bh.add(OFFICE_BERLIN, start, timedelta(hours=4)) == local(BERLIN, 2026, 5, 1, 12)
    own = Calendar.office("Europe/Berlin", time(9), time(17), extra_holidays=frozenset({date(2026, 5, 4)}))
    assert bh.add(own, local(BERLIN, 2026, 5, 1, 16), timedelta(hours=2)) == local(BERLIN, 2026, 5, 5, 10)
    bavaria = Calendar.office("Europe/Berlin", time(9), time(17), country="DE", subdivision="BY")
    assert bavaria.is_holiday(date(2026, 1, 6)) and not OFFICE_BERLIN_DE.is_holiday(date(2026, 1, 6))


def test_time_zones_of_the_calendar_not_of_the_ticket():
    ny = Calendar.office("America/New_York", time(9), time(17))
    start = datetime(2026, 12, 1, 13, tzinfo=UTC)  # 08:00 in New York: opens in an hour
    assert bh.add(ny, start, timedelta(hours=1)) == local(NEW_YORK, 2026, 12, 1, 10)
    assert bh.between(ny, start, start + timedelta(hours=5)) == timedelta(hours=4)


def test_pauses_stop_the_clock():
    start = local(BERLIN, 2026, 11, 30, 9)  # Monday 09:00
    waiting = [(local(BERLIN, 2026, 11, 30, 10), local(BERLIN, 2026, 12, 1, 10))]  # pending Mon 10:00 - Tue 10:00
    assert bh.add(OFFICE_BERLIN, start, timedelta(hours=2), pauses=waiting) == local(BERLIN, 2026, 12, 1, 11)
    assert bh.between(OFFICE_BERLIN, start, local(BERLIN, 2026, 12, 1, 11), pauses=waiting) == timedelta(hours=2)


def test_split_windows_and_no_working_time():
    lunch = Calendar(time_zone="UTC", weekly={0: ((time(9), time(12)), (time(13), time(17)))})
    assert bh.add(lunch, datetime(2026, 11, 30, 11, tzinfo=UTC), timedelta(hours=2)) == datetime(
        2026, 11, 30, 14, tzinfo=UTC
    )
    with pytest.raises(bh.NoWorkingTime):
        bh.add(Calendar(), datetime(2026, 1, 1, tzinfo=UTC), timedelta(minutes=1))
    with pytest.raises(ValueError):
        bh.between(OFFICE_BERLIN, datetime(2026, 1, 1), datetime(2026, 1, 2))


CALENDARS = st.sampled_from(
    [
        OFFICE_BERLIN_DE,
        Calendar.office("America/New_York", time(8, 30), time(17, 30), country="US"),
        Calendar(time_zone="Asia/Kolkata", weekly={d: ((time(9), time(13)), (time(14), time(18))) for d in range(6)}),
        Calendar.always(),
    ]
)
INSTANTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
DURATIONS = st.integers(min_value=1, max_value=60 * 24 * 20).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS)
def test_add_then_between_gives_the_duration_back(calendar, start, duration):
    due = bh.add(calendar, start, duration)
    assert due > start
    assert bh.between(calendar, start, due) == duration
    assert calendar.is_open(due - timedelta(microseconds=1))


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_between_is_additive_and_never_more_than_the_wall_time(calendar, start, first, second):
    middle, end = start + first, start + first + second
    whole = bh.between(calendar, start, end)
    assert whole == bh.between(calendar, start, middle) + bh.between(calendar, middle, end)
    assert whole <= end - start


@settings(max_examples=100, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_add_is_monotonic(calendar, start, first, second):
    shorter, longer = sorted([first, second])
    assert bh.add(calendar, start, shorter) <= bh.add(calendar, start, longer)
