"""What operators read about a station: its event feed, statistics and OCPP message log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.errors import ValidationFailed
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import utcnow
from laturi.models import OcppMessage, StationEvent, Transaction
from laturi.sessions import repository as sessions_repository
from laturi.stations import repository
from laturi.stations.service import visible_station


@dataclass(frozen=True)
class EventQuery:
    """The event feed's filters: one day in the operator's time zone, status, error, text."""

    day: date | None = None  # default: today in the operator's time zone
    status: str | None = None
    error_code: str | None = None


@dataclass(frozen=True)
class DayFigures:
    day: date
    charging_events: int
    energy_wh: int


@dataclass(frozen=True)
class Statistics:
    """The station view's header (last 24 hours) and its chart (per day)."""

    charging_events_24h: int
    points_used_24h: int
    energy_wh_24h: int
    days: Sequence[DayFigures]


def today(actor: Actor) -> date:
    """Today in the operator's time zone."""
    return utcnow().astimezone(ZoneInfo(actor.time_zone)).date()


def day_bounds(actor: Actor, day: date) -> tuple[datetime, datetime]:
    """The operator's local day as an aware [start, end) pair."""
    start = datetime.combine(day, time(), ZoneInfo(actor.time_zone))
    return start, start + timedelta(days=1)


async def events(
    session: AsyncSession, actor: Actor, station_id: int, where: EventQuery, query: ListQuery
) -> Page[StationEvent]:
    """One day of the station's events, by the chosen column; newest first by default."""
    station = await visible_station(session, actor, station_id)
    if query.sort not in repository.EVENT_SORT_COLUMNS:
        query = replace(query, sort="time", descending=True)
    start, end = day_bounds(actor, where.day or today(actor))
    found = repository.EventFilter(start, end, where.status, where.error_code, query.search)
    rows, total = await repository.events(session, station.id, found, query)
    return Page(rows, total, query)


async def messages(
    session: AsyncSession,
    actor: Actor,
    station_id: int,
    query: ListQuery,
    *,
    action: str | None = None,
    direction: str | None = None,
    day: date | None = None,
) -> Page[OcppMessage]:
    """The raw OCPP frames each way, newest first, of one local day or all kept; admins only."""
    actor.require(Permission.READ_OCPP_LOG)
    station = await visible_station(session, actor, station_id)
    window = day_bounds(actor, day) if day else None
    rows, total = await repository.messages(
        session, station.id, query, action=action, direction=direction, window=window
    )
    return Page(rows, total, query)


async def purge_messages(session: AsyncSession, keep_days: int) -> int:
    """Forget frames older than the retention; returns how many went."""
    return await repository.purge_messages(session, utcnow() - timedelta(days=keep_days))


async def statistics(
    session: AsyncSession, actor: Actor, station_id: int, days: int = 7
) -> Statistics:
    """Charging events and kWh: the last 24 hours, and per day over 7 or 30 days."""
    if days not in (7, 30):
        raise ValidationFailed("Statistics cover 7 or 30 days.", field="days")
    station = await visible_station(session, actor, station_id)
    zone = ZoneInfo(actor.time_zone)
    today = utcnow().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), zone)
    found = await sessions_repository.since(session, station.id, start)
    recent = [t for t in found if t.started_at >= utcnow() - timedelta(hours=24)]
    return Statistics(
        charging_events_24h=len(recent),
        points_used_24h=len({t.connector_id for t in recent}),
        energy_wh_24h=sum(_energy(t) for t in recent),
        days=[_day(first + timedelta(days=n), found, zone) for n in range(days)],
    )


def _day(day: date, found: Sequence[Transaction], zone: ZoneInfo) -> DayFigures:
    mine = [t for t in found if t.started_at.astimezone(zone).date() == day]
    return DayFigures(day, len(mine), sum(_energy(t) for t in mine))


def _energy(tx: Transaction) -> int:
    if tx.energy_wh is not None:
        return max(tx.energy_wh, 0)
    if tx.meter_start is None:
        return 0  # an unmatched stop whose start reading nobody knows
    return max((tx.last_meter_wh or tx.meter_start) - tx.meter_start, 0)
