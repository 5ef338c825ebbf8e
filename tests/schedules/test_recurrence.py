"""Next run times of each schedule type (dateutil rrule underneath), in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from laturi.schedules.recurrence import Rule, Schedule, due_between, next_after, upcoming


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


class TestDaily:
    def test_later_today_then_tomorrow(self) -> None:
        rule = Rule(Schedule.DAILY, 1, 0)
        assert upcoming(rule, at(2027, 3, 1, 0, 30), 2) == [
            at(2027, 3, 1, 1, 0),
            at(2027, 3, 2, 1, 0),
        ]

    def test_exactly_at_the_time_means_the_next_day(self) -> None:
        assert next_after(Rule(Schedule.DAILY, 6, 0), at(2027, 3, 1, 6, 0)) == at(2027, 3, 2, 6, 0)

    def test_across_the_year_end(self) -> None:
        assert next_after(Rule(Schedule.DAILY, 23, 59), at(2027, 12, 31, 23, 59, 30)) == at(
            2028, 1, 1, 23, 59
        )


class TestWeekly:
    def test_monday_and_friday_across_weeks(self) -> None:
        rule = Rule(Schedule.WEEKLY, 23, 59, weekdays=(0, 4))
        # 2027-03-05 is a Friday.
        assert upcoming(rule, at(2027, 3, 5, 23, 59), 4) == [
            at(2027, 3, 8, 23, 59),
            at(2027, 3, 12, 23, 59),
            at(2027, 3, 15, 23, 59),
            at(2027, 3, 19, 23, 59),
        ]

    def test_only_monday_skips_a_whole_week(self) -> None:
        rule = Rule(Schedule.WEEKLY, 0, 0, weekdays=(0,))
        assert upcoming(rule, at(2027, 3, 1, 0, 1), 2) == [at(2027, 3, 8), at(2027, 3, 15)]


class TestMonthly:
    def test_fifteenth(self) -> None:
        rule = Rule(Schedule.MONTHLY, 0, 0, day_of_month=15)
        assert upcoming(rule, at(2027, 1, 20), 2) == [at(2027, 2, 15), at(2027, 3, 15)]

    def test_31_is_the_last_day_of_every_month(self) -> None:
        rule = Rule(Schedule.MONTHLY, 1, 0, day_of_month=31)
        assert upcoming(rule, at(2027, 1, 1), 5) == [
            at(2027, 1, 31, 1),
            at(2027, 2, 28, 1),
            at(2027, 3, 31, 1),
            at(2027, 4, 30, 1),
            at(2027, 5, 31, 1),
        ]

    @pytest.mark.parametrize(
        ("day", "year", "expected"),
        [(29, 2027, 28), (29, 2028, 29), (30, 2028, 29), (30, 2027, 28), (31, 2028, 29)],
    )
    def test_february_and_the_leap_day(self, day: int, year: int, expected: int) -> None:
        rule = Rule(Schedule.MONTHLY, 12, 0, day_of_month=day)
        assert next_after(rule, at(year, 2, 1)) == at(year, 2, expected, 12)

    def test_30_runs_on_the_30th_of_long_months(self) -> None:
        rule = Rule(Schedule.MONTHLY, 12, 0, day_of_month=30)
        assert upcoming(rule, at(2027, 3, 1), 2) == [at(2027, 3, 30, 12), at(2027, 4, 30, 12)]


class TestOneShot:
    def test_once_then_never(self) -> None:
        rule = Rule(Schedule.ONCE, run_at=at(2027, 5, 1, 6, 0))
        assert next_after(rule, at(2027, 4, 1)) == at(2027, 5, 1, 6, 0)
        assert next_after(rule, at(2027, 5, 1, 6, 0)) is None
        assert upcoming(rule, at(2027, 4, 1), 3) == [at(2027, 5, 1, 6, 0)]


class TestDueBetween:
    def test_the_runs_in_a_gap_newest_last_and_capped(self) -> None:
        rule = Rule(Schedule.DAILY, 1, 0)
        found = due_between(rule, at(2027, 3, 1, 1), at(2027, 3, 20, 1), 3)
        assert found == [at(2027, 3, 18, 1), at(2027, 3, 19, 1), at(2027, 3, 20, 1)]
