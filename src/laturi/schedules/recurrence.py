"""When a task runs: the manual's Daily, Weekly, Monthly and One shot schedules, in UTC.

The occurrences come from dateutil's rrule. A Monthly day of 29, 30 or 31 means that day, or
the month's last day when the month is shorter (31 is the last day of every month), as the
manual's invoice cutoff day does: asking rrule for the last of the days 28..N that the month
has (bysetpos=-1) gives exactly that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from dateutil import rrule


class Schedule(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ONCE = "once"


LABELS = {
    Schedule.DAILY: "Daily",
    Schedule.WEEKLY: "Weekly",
    Schedule.MONTHLY: "Monthly",
    Schedule.ONCE: "One shot",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT_MONTH_RULE = (
    "Days 29-31 run on the month's last day when the month is shorter "
    "(31 means the last day of every month)."
)


@dataclass(frozen=True)
class Rule:
    """A schedule as the form gives it; `weekdays` are 0 (Monday) .. 6 (Sunday)."""

    schedule: Schedule
    hour: int = 0
    minute: int = 0
    weekdays: tuple[int, ...] = ()
    day_of_month: int | None = None
    run_at: datetime | None = None


def next_after(rule: Rule, after: datetime) -> datetime | None:
    """The first run strictly after `after`; None when a one-shot time has passed."""
    if rule.schedule is Schedule.ONCE:
        if rule.run_at is None:
            return None
        at = rule.run_at.astimezone(UTC).replace(second=0, microsecond=0)
        return at if at > after else None
    found: datetime | None = _recurring(rule, after).after(after, inc=False)
    return found


def upcoming(rule: Rule, after: datetime, count: int) -> list[datetime]:
    """The next `count` runs after `after` (fewer for a one shot)."""
    return list(_take(rule, after, count))


def due_between(rule: Rule, start: datetime, end: datetime, limit: int) -> list[datetime]:
    """Runs in (start, end], at most the last `limit` of them."""
    if rule.schedule is Schedule.ONCE:
        at = next_after(rule, start)
        return [at] if at is not None and at <= end else []
    found: list[datetime] = _recurring(rule, start).between(start, end, inc=True)
    return [at for at in found if at > start][-limit:]


def _take(rule: Rule, after: datetime, count: int) -> Iterator[datetime]:
    at = after
    for _ in range(count):
        found = next_after(rule, at)
        if found is None:
            return
        yield found
        at = found


def _recurring(rule: Rule, after: datetime) -> rrule.rrule:
    # Start a month back at midnight so that no candidate near `after` is cut off by dtstart.
    start = (after.astimezone(UTC) - timedelta(days=32)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    hour, minute = rule.hour, rule.minute
    if rule.schedule is Schedule.DAILY:
        return rrule.rrule(rrule.DAILY, dtstart=start, byhour=hour, byminute=minute, bysecond=0)
    if rule.schedule is Schedule.WEEKLY:
        return rrule.rrule(
            rrule.WEEKLY,
            dtstart=start,
            byweekday=rule.weekdays,
            byhour=hour,
            byminute=minute,
            bysecond=0,
        )
    day = rule.day_of_month or 1
    days = (day,) if day <= 28 else tuple(range(28, day + 1))
    return rrule.rrule(
        rrule.MONTHLY,
        dtstart=start,
        bymonthday=days,
        bysetpos=-1,
        byhour=hour,
        byminute=minute,
        bysecond=0,
    )
