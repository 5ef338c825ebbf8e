"""Reading the sessions' and reports' filters from a query string (panel and API alike).

Repeated parameters choose several: `?group=3&group=7&point=12:1&token=40`. A malformed
value is refused by name rather than ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from laturi.errors import ValidationFailed
from laturi.sessions.browse import Filters

GetList = Callable[[str], list[str]]
# query parameter -> the Filters field it fills and the error's field name
ID_PARAMS = {
    "group": "group_ids",
    "station": "station_ids",
    "user": "charging_user_ids",
    "user_group": "user_group_ids",
    "token": "token_ids",
}


def parse(get: GetList) -> Filters:
    """Filters from the query string's values (`get` returns every value of a name)."""
    ids = {field: _ids(get(name), field) for name, field in ID_PARAMS.items()}
    return Filters(
        first=_date(_one(get("from")), "from"),
        last=_date(_one(get("to")), "to"),
        points=tuple(_point(v) for v in get("point") if v.strip()),
        search=_one(get("q")).strip(),
        state=_one(get("state")).strip(),
        **ids,
    )


def _one(values: list[str]) -> str:
    return values[-1] if values else ""


def _ids(values: list[str], field: str) -> tuple[int, ...]:
    found = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 18:
            raise ValidationFailed("Not a valid choice.", field=field)
        found.append(int(text))
    return tuple(dict.fromkeys(found))


def _point(value: str) -> tuple[int, int]:
    station, _, connector = value.strip().partition(":")
    if not (station.isdigit() and connector.isdigit()) or len(value) > 30:
        raise ValidationFailed("A charging point is a station id and a connector.", field="points")
    return int(station), int(connector)


def _date(value: str, field: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("Enter a date as YYYY-MM-DD.", field=field) from None
