"""Invoice periods in whole days: full months for the monthly price, and the default period."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def full_months(first: date, last: date) -> int:
    """Months whose last day the period reaches (the manual: 1.3.-29.4. is one, 1.3.-30.4. two)."""
    count = 0
    year, month = first.year, first.month
    while last_day(year, month) <= last:
        count += 1
        year, month = _shift(year, month, 1)
    return count


def cutoff(year: int, month: int, day: int) -> date:
    """The cutoff day in a month; past the month's end it is the last day (31 = every last day)."""
    end = last_day(year, month)
    return end if day >= end.day else date(year, month, day)


def default_period(today: date, cutoff_day: int, period_months: int) -> tuple[date, date]:
    """TO = the cutoff day of last month; FROM = the day after the cutoff INVOICE PERIOD before."""
    year, month = _shift(today.year, today.month, -1)
    to = cutoff(year, month, cutoff_day)
    back_year, back_month = _shift(year, month, -period_months)
    return cutoff(back_year, back_month, cutoff_day) + timedelta(days=1), to
