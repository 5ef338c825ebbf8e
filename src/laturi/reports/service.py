"""The manual's Reports: energy charged over local days FROM..TO, on screen and as CSV.

Which sessions a report holds is the period rule (`sessions.periods`): those that ended
within the days, in the operator's time zone. Filters are the sessions list's, checked
against the operator's domain by `sessions.browse.selection_for`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.errors import ValidationFailed
from laturi.kit.buckets import Unit
from laturi.kit.pagination import ListQuery, Page
from laturi.reports import csv_export
from laturi.sessions import browse_repository as repository
from laturi.sessions.browse import Filters, selection_for
from laturi.sessions.browse_repository import SessionRow
from laturi.sessions.periods import Period
from laturi.sessions.selection import Selection
from laturi.stations.repository import Scope

SORTS = ("user", "token", "station", "point", "energy", "start", "end")
DEFAULT_SORT = "end"
MAX_DAYS = 3 * 366  # a report covers at most three years
STREAM_CHUNK = 2000


@dataclass(frozen=True)
class DayTotal:
    day: date
    sessions: int
    energy_wh: int


@dataclass(frozen=True)
class Report:
    period: Period
    sessions: int
    energy_wh: int
    days: Sequence[DayTotal]
    page: Page[SessionRow]


@dataclass(frozen=True)
class Export:
    """A checked report request, ready to stream once the request's session is gone."""

    scope: Scope
    selection: Selection
    period: Period
    options: csv_export.Options
    query: ListQuery

    @property
    def filename(self) -> str:
        return f"charging-report-{self.period.first}-{self.period.last}.csv"


async def show(session: AsyncSession, actor: Actor, filters: Filters, query: ListQuery) -> Report:
    """SHOW DATA: the total, kWh per day and one page of the table."""
    scope, selection, period = await _checked(session, actor, filters)
    query = _sorted(query)
    totals = await repository.totals(session, scope, selection, points=False)
    buckets = await repository.per_bucket(
        session, scope, selection, Unit.DAY, actor.time_zone, (period.start, period.end)
    )
    rows, total = await repository.page(session, scope, selection, query, totals.sessions)
    return Report(
        period,
        totals.sessions,
        totals.energy_wh,
        [_day(period.first + timedelta(days=n), buckets) for n in range(_days(period))],
        Page(rows, total, query),
    )


async def prepare_export(
    session: AsyncSession,
    actor: Actor,
    filters: Filters,
    options: csv_export.Options,
    query: ListQuery,
) -> Export:
    """EXPORT CSV's checks, done before the first byte is sent."""
    scope, selection, period = await _checked(session, actor, filters)
    return Export(scope, selection, period, options, _sorted(query))


async def stream(session: AsyncSession, export: Export) -> AsyncIterator[str]:
    """The CSV text in pieces: the header, then the rows a chunk at a time."""
    yield csv_export.header(export.options, export.period.time_zone)
    async for rows in repository.stream(
        session, export.scope, export.selection, export.query, STREAM_CHUNK
    ):
        yield csv_export.lines(rows, export.options, export.period.time_zone)


async def _checked(
    session: AsyncSession, actor: Actor, filters: Filters
) -> tuple[Scope, Selection, Period]:
    if filters.first is None:
        raise ValidationFailed("Select the starting date of the report.", field="from")
    if filters.last is None:
        raise ValidationFailed("Select the ending date of the report.", field="to")
    if (filters.last - filters.first).days >= MAX_DAYS:
        raise ValidationFailed("A report covers at most three years.", field="to")
    scope, selection = await selection_for(session, actor, filters)
    assert selection.period is not None
    return scope, selection, selection.period


def _sorted(query: ListQuery) -> ListQuery:
    if query.sort in SORTS:
        return query
    return ListQuery(query.search, DEFAULT_SORT, False, query.page, query.size)


def _days(period: Period) -> int:
    return (period.last - period.first).days + 1


def _day(day: date, buckets: dict[str, tuple[int, int]]) -> DayTotal:
    sessions, wh = buckets.get(day.isoformat(), (0, 0))
    return DayTotal(day, sessions, wh)
