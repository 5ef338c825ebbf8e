"""Token validity dates as people write them, turned into UTC moments in the operator's zone.

The manual's form asks for dates: "valid from" a day means from the start of that day,
"valid to" a day means to the very end of it, both in the operator's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from laturi.errors import ValidationFailed

DAY_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
LAST_MICROSECOND = timedelta(microseconds=1)


def day_start(day: date, time_zone: str) -> datetime:
    """The first moment of the day in the zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone))


def day_end(day: date, time_zone: str) -> datetime:
    """The last moment of the day in the zone (validity ends are inclusive)."""
    return day_start(day + timedelta(days=1), time_zone) - LAST_MICROSECOND


def local_day(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(ZoneInfo(time_zone)).date()


def parse_day(text: str) -> date | None:
    for pattern in DAY_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def parse_moment(text: str, time_zone: str, *, end: bool, field: str) -> datetime | None:
    """A day (start or end of it) or an ISO date and time; a time without offset is local."""
    text = text.strip()
    if not text:
        return None
    if (day := parse_day(text)) is not None:
        return day_end(day, time_zone) if end else day_start(day, time_zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"Invalid date: {text} (use YYYY-MM-DD, DD.MM.YYYY or an ISO date and time).",
            field=field,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(time_zone))
