"""Which sessions an operator asks for: the filters shared by the sessions list and reports.

Each kind of filter narrows (groups, stations, points, users, user groups, tokens are
combined with AND); the values of one kind widen (OR). An empty kind filters nothing, so
with no token chosen every session counts, free charging too; with tokens chosen, only
their sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from laturi.models import ChargingUser, Station, Transaction
from laturi.sessions.periods import Period


@dataclass(frozen=True)
class Selection:
    """Validated filters; group ids are already expanded to their subtrees."""

    period: Period | None = None
    group_ids: frozenset[int] | None = None
    station_ids: frozenset[int] = frozenset()
    points: frozenset[tuple[int, int]] = frozenset()
    charging_user_ids: frozenset[int] = frozenset()
    user_group_ids: frozenset[int] = frozenset()
    token_ids: frozenset[int] = frozenset()
    search: str = ""  # a LIKE pattern, already escaped
    state: str = ""  # "open", "closed" or "" for both
    since: datetime | None = None  # sessions that ended at or after this (rolling windows)

    def where(self) -> ColumnElement[bool]:
        """The filters as one SQL condition over Transaction joined to Station and ChargingUser."""
        parts: list[ColumnElement[bool]] = [true()]
        if self.period is not None:
            parts.append(self.period.condition())
        if self.since is not None:
            parts.append(Transaction.stopped_at >= self.since)
        if self.group_ids is not None:
            parts.append(Station.group_id.in_(self.group_ids) if self.group_ids else false())
        if self.station_ids:
            parts.append(Transaction.station_id.in_(self.station_ids))
        if self.points:
            parts.append(or_(*(_point(s, c) for s, c in sorted(self.points))))
        if self.charging_user_ids:
            parts.append(Transaction.charging_user_id.in_(self.charging_user_ids))
        if self.user_group_ids:
            parts.append(ChargingUser.user_group_id.in_(self.user_group_ids))
        if self.token_ids:
            parts.append(Transaction.token_id.in_(self.token_ids))
        if self.state:
            opened = Transaction.stopped_at.is_(None)
            parts.append(opened if self.state == "open" else ~opened)
        if self.search:
            parts.append(_matches(self.search))
        return and_(*parts)


def _point(station_id: int, connector_id: int) -> ColumnElement[bool]:
    return and_(Transaction.station_id == station_id, Transaction.connector_id == connector_id)


def _matches(pattern: str) -> ColumnElement[bool]:
    columns = (
        Transaction.id_tag,
        Transaction.charging_user_name,
        Transaction.token_name,
        Station.name,
        Station.identifier,
    )
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))
