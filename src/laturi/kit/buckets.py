"""Local-time buckets (days, hours) of a UTC timestamp column, on SQLite and PostgreSQL.

PostgreSQL converts with the IANA zone itself. SQLite knows no zones: the zone's UTC offsets
within the queried window are worked out here and the column is shifted by the one in force
at each instant (a CASE over the window's DST changes, usually none or one), so a 23- or
25-hour day is bucketed as a wall clock shows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, literal

from laturi.kit.time import UTCDateTime

STEP = timedelta(minutes=15)  # every zone's offsets and changes fall on quarter hours


class Unit(StrEnum):
    DAY = "day"
    HOUR = "hour"


FORMATS = {
    "postgresql": {Unit.DAY: "YYYY-MM-DD", Unit.HOUR: "YYYY-MM-DD HH24"},
    "sqlite": {Unit.DAY: "%Y-%m-%d", Unit.HOUR: "%Y-%m-%d %H"},
}


def bucket(
    column: Any, unit: Unit, time_zone: str, window: tuple[datetime, datetime], dialect: str
) -> ColumnElement[str]:
    """The local day ('2026-03-29') or hour ('2026-03-29 02') of `column` as text."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(time_zone, column), FORMATS[dialect][unit])
    changes = offsets(time_zone, *window)
    shift: Any = _modifier(changes[0][1])
    if len(changes) > 1:
        whens = [
            (column < literal(at, UTCDateTime()), _modifier(offset))
            for (_, offset), (at, _) in pairwise(changes)
        ]
        shift = case(*whens, else_=_modifier(changes[-1][1]))
    return func.strftime(FORMATS["sqlite"][unit], column, shift)


def label(value: datetime, unit: Unit, time_zone: str) -> str:
    """The bucket text `bucket` gives for an instant, computed in Python (for empty buckets)."""
    local = value.astimezone(ZoneInfo(time_zone))
    return local.strftime("%Y-%m-%d" if unit is Unit.DAY else "%Y-%m-%d %H")


def offsets(time_zone: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """(from when, UTC offset in minutes) for each offset in force within [start, end)."""
    zone = ZoneInfo(time_zone)
    found = [(start, _offset(start, zone))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if _offset(following, zone) != found[-1][1]:
            found += _changes_within(day, following, zone, found[-1][1])
        day = following
    return found


def _changes_within(
    start: datetime, end: datetime, zone: ZoneInfo, current: int
) -> list[tuple[datetime, int]]:
    changes = []
    at = start
    while at < end:
        now = _offset(at, zone)
        if now != current:
            changes.append((at, now))
            current = now
        at += STEP
    return changes


def _offset(at: datetime, zone: ZoneInfo) -> int:
    delta = at.astimezone(zone).utcoffset()
    return int(delta.total_seconds() // 60) if delta else 0


def _modifier(minutes: int) -> str:
    return f"{minutes:+d} minutes"
