"""The period rule: a session belongs to the local-day period in which it ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from laturi.sessions.periods import Period


class TestPeriodBounds:
    def test_helsinki_winter_days_start_at_local_midnight(self) -> None:
        period = Period(date(2026, 1, 1), date(2026, 1, 31), "Europe/Helsinki")
        assert period.start == datetime(2025, 12, 31, 22, 0, tzinfo=UTC)
        assert period.end == datetime(2026, 1, 31, 22, 0, tzinfo=UTC)

    def test_spring_forward_day_has_23_hours(self) -> None:
        day = Period(date(2026, 3, 29), date(2026, 3, 29), "Europe/Helsinki")
        assert day.end - day.start == timedelta(hours=23)

    def test_fall_back_day_has_25_hours(self) -> None:
        day = Period(date(2026, 10, 25), date(2026, 10, 25), "Europe/Helsinki")
        assert day.end - day.start == timedelta(hours=25)

    def test_backwards_period_is_refused(self) -> None:
        with pytest.raises(ValueError, match="ends on or after"):
            Period(date(2026, 2, 1), date(2026, 1, 31))


class TestWhichSessionsBelong:
    period = Period(date(2026, 1, 1), date(2026, 1, 31), "Europe/Helsinki")

    def test_session_across_the_start_belongs_where_it_ended(self) -> None:
        # Started on New Year's Eve, ended ten minutes after local midnight.
        assert self.period.holds(datetime(2025, 12, 31, 22, 10, tzinfo=UTC))

    def test_session_ending_at_the_last_local_minute_belongs(self) -> None:
        assert self.period.holds(datetime(2026, 1, 31, 21, 59, 59, tzinfo=UTC))

    def test_session_ending_at_the_next_local_midnight_does_not(self) -> None:
        assert not self.period.holds(datetime(2026, 1, 31, 22, 0, tzinfo=UTC))

    def test_open_session_belongs_to_no_period(self) -> None:
        assert not self.period.holds(None)
