"""The UTC offsets SQLite's local-day buckets shift by, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime

from laturi.kit.buckets import Unit, label, offsets


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_a_winter_month_has_one_offset() -> None:
    assert offsets("Europe/Helsinki", utc(2026, 1, 1), utc(2026, 2, 1)) == [(utc(2026, 1, 1), 120)]


def test_a_year_has_both_changes_at_their_instants() -> None:
    found = offsets("Europe/Helsinki", utc(2026, 1, 1), utc(2027, 1, 1))
    assert found == [
        (utc(2026, 1, 1), 120),
        (utc(2026, 3, 29, 1), 180),
        (utc(2026, 10, 25, 1), 120),
    ]


def test_half_hour_dst_of_lord_howe_and_quarter_hour_nepal() -> None:
    found = offsets("Australia/Lord_Howe", utc(2026, 1, 1), utc(2027, 1, 1))
    assert [o for _, o in found] == [660, 630, 660]
    assert offsets("Asia/Kathmandu", utc(2026, 1, 1), utc(2026, 1, 2)) == [(utc(2026, 1, 1), 345)]


def test_labels_are_local() -> None:
    assert label(utc(2026, 3, 28, 22, 30), Unit.DAY, "Europe/Helsinki") == "2026-03-29"
    assert label(utc(2026, 3, 29, 1, 30), Unit.HOUR, "Europe/Helsinki") == "2026-03-29 04"
