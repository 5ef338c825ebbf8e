"""Time in one place: the database holds aware UTC; the panel shows local time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and read back aware, also on SQLite, which drops the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_time_zone(name: str) -> bool:
    """Whether the name is an IANA time zone this machine knows."""
    return name in available_timezones()


def local_format(value: datetime | None, time_zone: str, *, with_time: bool = True) -> str:
    """Day-month-year as the manual writes it, in the operator's zone."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(time_zone))
    return local.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")
