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

from sqlalchemy import ColumnElement, Date, case, cast, func, literal

from laturi.kit.time import UTCDateTime

STEP = timedelta(minutes=15)  # every zone's offsets and changes fall on quarter hours


class Unit(StrEnum):
    DAY = "day"
    HOUR = "hour"


FORMATS = {Unit.DAY: "%Y-%m-%d", Unit.HOUR: "%Y-%m-%d %H"}


def bucket(
    column: Any, unit: Unit, time_zone: str, window: tuple[datetime, datetime], dialect: str
) -> ColumnElement[Any]:
    """The local day or hour of `column`: text on SQLite, a date or timestamp on PostgreSQL."""
    if dialect == "postgresql":
        # A date (or an hour's timestamp) groups faster than text; `as_label` names it.
        local = func.timezone(time_zone, column)
        return cast(local, Date) if unit is Unit.DAY else func.date_trunc("hour", local)
    changes = offsets(time_zone, *window)
    shift: Any = _modifier(changes[0][1])
    if len(changes) > 1:
        whens = [
            (column < literal(at, UTCDateTime()), _modifier(offset))
            for (_, offset), (at, _) in pairwise(changes)
        ]
        shift = case(*whens, else_=_modifier(changes[-1][1]))
    return func.strftime(FORMATS[unit], column, shift)


def as_label(value: Any, unit: Unit) -> str:
    """A bucket as text, '2026-03-29' or '2026-03-29 02', whichever database made it."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime(FORMATS[unit])
    return str(value)


def label(value: datetime, unit: Unit, time_zone: str) -> str:
    """The bucket text `bucket` gives for an instant, computed in Python (for empty buckets)."""
    local = value.astimezone(ZoneInfo(time_zone))
    return local.strftime(FORMATS[unit])


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
