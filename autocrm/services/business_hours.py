"""Business hours: when the desk works, and how much working time lies between two instants.

A `Calendar` is a weekly pattern of working windows in one time zone (for example Monday to Friday
09:00-17:00 in Europe/Berlin), minus holidays: a country's (and region's) public holidays from the `holidays`
package, plus the desk's own days. SLA targets are counted in this time (`add`: when is 4 working hours after
this instant; `between`: how much working time passed), and the clock can be paused (a ticket waiting on the
customer) by giving the paused intervals.

Windows are wall-clock times in the calendar's zone, turned into absolute instants per day by `zoneinfo`, so a
day on which the clocks change still works its windows by the wall clock; a window's start that falls in the
skipped hour of a spring-forward night begins when the clock shows the next valid time.

Pure functions, no database: SLA policies, routing ("inside business hours") and shifts all use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

# How far ahead `add` looks for working time before it gives up (a calendar with no working day at all).
MAX_DAYS = 3 * 366
Interval = tuple[datetime, datetime]


class NoWorkingTime(ValueError):
    """The calendar has no working window within `MAX_DAYS`: nothing could ever be due."""


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "UTC"
    # weekday (0 = Monday) -> its working windows, wall clock, each (start, end) with start < end;
    # an end of time(0) means midnight at the end of the day.
    weekly: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    country: str | None = None  # ISO 3166 code for public holidays, e.g. "DE"
    subdivision: str | None = None  # e.g. "BY" for Bavaria
    extra_holidays: frozenset[date] = frozenset()

    @classmethod
    def always(cls) -> Calendar:
        """Round the clock, every day: SLA targets in plain hours."""
        every_day = ((time(0), time(0)),)
        return cls(weekly=dict.fromkeys(range(7), every_day))

    @classmethod
    def office(
        cls, time_zone: str, start: time, end: time, *, days: Iterable[int] = range(5), **extra: object
    ) -> Calendar:
        return cls(time_zone=time_zone, weekly={day: ((start, end),) for day in days}, **extra)  # type: ignore[arg-type]

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def _public(self) -> holiday_calendars.HolidayBase | None:
        if not self.country:
            return None
        return holiday_calendars.country_holidays(self.country, subdiv=self.subdivision)

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or (self._public is not None and day in self._public)

    def windows_on(self, day: date) -> list[Interval]:
        """The day's working windows as absolute UTC instants (none on a holiday)."""
        if self.is_holiday(day):
            return []
        out = []
        for start, end in self.weekly.get(day.weekday(), ()):
            begin = _instant(day, start, self.zone)
            finish = (
                _instant(day + timedelta(days=1), time(0), self.zone)
                if end == time(0)
                else _instant(day, end, self.zone)
            )
            if begin < finish:
                out.append((begin, finish))
        return out

    def windows(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """Working windows overlapping [start, end), clipped to it, in order."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            for begin, finish in self.windows_on(day):
                clipped = (max(begin, start), min(finish, end))
                if clipped[0] < clipped[1]:
                    yield clipped
            day += timedelta(days=1)

    def is_open(self, moment: datetime) -> bool:
        return any(True for _ in self.windows(moment, moment + timedelta(microseconds=1)))


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The absolute instant the wall clock shows `wall` on `day`; a wall time the clocks skip (spring forward)
    is the jump itself, when the clock next shows a valid time."""
    local = datetime.combine(day, wall, tzinfo=zone)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return as_utc
    # Skipped: the jump lies between the reading with the later offset and the one with the earlier offset.
    # Find it to the second (transitions fall on whole seconds).
    low = int(local.replace(fold=1).astimezone(UTC).timestamp())
    high = int(as_utc.timestamp())
    after = as_utc.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _subtract(window: Interval, pauses: list[Interval]) -> list[Interval]:
    parts = [window]
    for pause_start, pause_end in pauses:
        next_parts = []
        for begin, finish in parts:
            if pause_end <= begin or pause_start >= finish:
                next_parts.append((begin, finish))
                continue
            if begin < pause_start:
                next_parts.append((begin, pause_start))
            if pause_end < finish:
                next_parts.append((pause_end, finish))
        parts = next_parts
    return parts


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Business-hour maths needs aware datetimes.")
    return moment.astimezone(UTC)


def between(calendar: Calendar, start: datetime, end: datetime, *, pauses: Iterable[Interval] = ()) -> timedelta:
    """Working time in [start, end), not counting the paused intervals."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return timedelta(0)
    paused = sorted((_aware(a), _aware(b)) for a, b in pauses)
    total = timedelta(0)
    for window in calendar.windows(start, end):
        for begin, finish in _subtract(window, paused):
            total += finish - begin
    return total


def add(calendar: Calendar, start: datetime, duration: timedelta, *, pauses: Iterable[Interval] = ()) -> datetime:
    """The instant at which `duration` of working time after `start` has passed (skipping paused intervals)."""
    start = _aware(start)
    if duration <= timedelta(0):
        return start
    paused = sorted((_aware(a), _aware(b)) for a, b in pauses)
    remaining = duration
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        for begin, finish in calendar.windows_on(day):
            if finish <= start:
                continue
            for part_start, part_end in _subtract((max(begin, start), finish), paused):
                length = part_end - part_start
                if remaining <= length:
                    return part_start + remaining
                remaining -= length
        day += timedelta(days=1)
    raise NoWorkingTime(f"No working time within {MAX_DAYS} days: check the calendar's hours and holidays.")
