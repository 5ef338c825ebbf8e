"""Which charging sessions a period holds: one rule for the dashboard, reports and invoices.

A session belongs to the period in which it ended (its `stopped_at`). An open session
belongs to no period until it ends. Why: a session's energy is known only once it has
ended, a session is then counted exactly once however periods are cut (a session across
midnight or across a report's end is never split or counted twice), and a report or
invoice for a closed period does not change later, except for the rare session that a
station reports only after the period (an unmatched stop), which lands where it ended.

Periods are whole local days in an IANA time zone: FROM's midnight up to the midnight
after TO, so DST changes give 23- or 25-hour days as a wall clock does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_

from laturi.models import Transaction


@dataclass(frozen=True)
class Period:
    """Local days `first`..`last` (both included) in `time_zone`."""

    first: date
    last: date
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after the day it starts")

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return _midnight(self.first, self.time_zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (exclusive)."""
        return _midnight(self.last + timedelta(days=1), self.time_zone)

    def holds(self, stopped_at: datetime | None) -> bool:
        """Whether a session that ended at `stopped_at` belongs to this period."""
        return stopped_at is not None and self.start <= stopped_at < self.end

    def condition(self) -> ColumnElement[bool]:
        """The same rule as a SQL condition on transactions."""
        return and_(Transaction.stopped_at >= self.start, Transaction.stopped_at < self.end)


def _midnight(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)
