"""Queries over stations, their charging points, events and message log.

Operator-facing queries take the acting `Actor` and see only stations in the actor's domain
(plus orphans for an operator whose domain is the whole organisation). Station-facing
queries (the OCPP edge) are scoped by the station's own id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.groups.repository import is_root
from laturi.kit.pagination import ListQuery
from laturi.models import (
    ChargingGroup,
    ChargingPoint,
    OcppMessage,
    Socket,
    Station,
    StationEvent,
    UnknownStationAttempt,
)


@dataclass(frozen=True)
class Scope:
    """What part of the organisation the actor sees: its domain, and orphans if root."""

    organization_id: int
    domain: frozenset[int]
    orphans: bool

    def where(self) -> ColumnElement[bool]:
        live = (Station.organization_id == self.organization_id) & Station.deleted_at.is_(None)
        if self.orphans:
            # The whole organisation's operator: every group is in the domain, so the
            # organisation alone says it, without a list of thousands of group ids.
            return live
        return live & Station.group_id.in_(self.domain)


async def scope_of(session: AsyncSession, actor: Actor) -> Scope:
    return Scope(actor.organization_id, actor.domain, await is_root(session, actor))


async def visible(session: AsyncSession, actor: Actor, station_id: int) -> Station | None:
    scope = await scope_of(session, actor)
    query = select(Station).where(Station.id == station_id, scope.where())
    return (await session.scalars(query)).first()


def _listing(scope: Scope, query: ListQuery, group_id: int | None) -> Select[Any]:
    points = (
        select(func.count())
        .where(ChargingPoint.station_id == Station.id)
        .correlate(Station)
        .scalar_subquery()
    )
    stmt = (
        select(Station, ChargingGroup.name, points.label("points"))
        .outerjoin(ChargingGroup, ChargingGroup.id == Station.group_id)
        .where(scope.where())
    )
    if group_id is not None:
        stmt = stmt.where(Station.group_id == group_id)
    if query.search:
        pattern = query.escaped_search()
        stmt = stmt.where(
            or_(
                func.lower(Station.name).like(pattern, escape="\\"),
                func.lower(Station.identifier).like(pattern, escape="\\"),
            )
        )
    return stmt


SORT_COLUMNS: dict[str, Any] = {
    "name": func.lower(Station.name),
    "identifier": func.lower(Station.identifier),
    "group": func.lower(ChargingGroup.name),
    "firmware": Station.firmware_version,
    "status": Station.status,
}


async def list_visible(
    session: AsyncSession, actor: Actor, query: ListQuery, group_id: int | None
) -> tuple[Sequence[tuple[Station, str | None, int]], int]:
    """One page of visible stations with their group name and charging point count."""
    stmt = _listing(await scope_of(session, actor), query, group_id)
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    column = SORT_COLUMNS.get(query.sort, func.lower(Station.name))
    order = column.desc() if query.descending else column.asc()
    page = stmt.order_by(order, Station.id).offset(query.offset).limit(query.size)
    rows = (await session.execute(page)).all()
    return [(s, g, int(n)) for s, g, n in rows], total


async def live_with_identifier(
    session: AsyncSession, organization_id: int, identifier: str
) -> Station | None:
    query = select(Station).where(
        Station.organization_id == organization_id,
        Station.identifier == identifier,
        Station.deleted_at.is_(None),
    )
    return (await session.scalars(query)).first()


async def group_in_domain(session: AsyncSession, actor: Actor, group_id: int) -> bool:
    if group_id not in actor.domain:
        return False
    group = await session.get(ChargingGroup, group_id)
    return group is not None and group.organization_id == actor.organization_id


async def points_of(session: AsyncSession, station_id: int) -> Sequence[ChargingPoint]:
    query = select(ChargingPoint).where(ChargingPoint.station_id == station_id)
    return (await session.scalars(query.order_by(ChargingPoint.connector_id))).all()


async def point(session: AsyncSession, station_id: int, connector_id: int) -> ChargingPoint | None:
    query = select(ChargingPoint).where(
        ChargingPoint.station_id == station_id, ChargingPoint.connector_id == connector_id
    )
    return (await session.scalars(query)).first()


async def sockets_of(session: AsyncSession, point_ids: Sequence[int]) -> Sequence[Socket]:
    query = select(Socket).where(Socket.charging_point_id.in_(point_ids))
    return (await session.scalars(query.order_by(Socket.charging_point_id, Socket.position))).all()


async def replace_sockets(session: AsyncSession, point_id: int, sockets: list[Socket]) -> None:
    await session.execute(delete(Socket).where(Socket.charging_point_id == point_id))
    session.add_all(sockets)
    await session.flush()


@dataclass(frozen=True)
class EventFilter:
    start: datetime
    end: datetime
    status: str | None = None
    error_code: str | None = None
    search: str = ""


async def events(
    session: AsyncSession, station_id: int, where: EventFilter, query: ListQuery
) -> tuple[Sequence[StationEvent], int]:
    stmt = select(StationEvent).where(
        StationEvent.station_id == station_id,
        StationEvent.at >= where.start,
        StationEvent.at < where.end,
    )
    if where.status:
        stmt = stmt.where(StationEvent.status == where.status)
    if where.error_code:
        stmt = stmt.where(StationEvent.error_code == where.error_code)
    if where.search:
        stmt = stmt.where(func.lower(StationEvent.info).like(query.escaped_search(), escape="\\"))
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    page = stmt.order_by(*_event_order(query))
    rows = await session.scalars(page.offset(query.offset).limit(query.size))
    return rows.all(), total


# The feed's sortable columns. Blanks sort as empty text (connector: as 0, the whole station,
# which is how the feed shows it) so SQLite and PostgreSQL put them in the same place.
EVENT_SORT_COLUMNS: dict[str, Any] = {
    "time": StationEvent.at,
    "point": func.coalesce(StationEvent.connector_id, 0),
    "status": func.coalesce(StationEvent.status, ""),
    "error": func.coalesce(StationEvent.error_code, ""),
    "info": func.lower(func.coalesce(StationEvent.info, "")),
}


def _event_order(query: ListQuery) -> list[Any]:
    """The chosen column, then newest first; unknown or no sort: newest first."""
    newest = [StationEvent.at.desc(), StationEvent.id.desc()]
    column = EVENT_SORT_COLUMNS.get(query.sort)
    if column is None:
        return newest
    if query.sort == "time" and not query.descending:
        return [StationEvent.at.asc(), StationEvent.id.asc()]
    return [column.desc() if query.descending else column.asc(), *newest]


async def messages(
    session: AsyncSession,
    station_id: int,
    query: ListQuery,
    *,
    action: str | None = None,
    direction: str | None = None,
    window: tuple[datetime, datetime] | None = None,
) -> tuple[Sequence[OcppMessage], int]:
    """A station's raw frames, newest first, searched in the frame text."""
    stmt = select(OcppMessage).where(OcppMessage.station_id == station_id)
    if action:
        stmt = stmt.where(OcppMessage.action == action)
    if direction:
        stmt = stmt.where(OcppMessage.direction == direction)
    if window:
        stmt = stmt.where(OcppMessage.at >= window[0], OcppMessage.at < window[1])
    if query.search:
        stmt = stmt.where(func.lower(OcppMessage.payload).like(query.escaped_search(), escape="\\"))
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    page = stmt.order_by(OcppMessage.at.desc(), OcppMessage.id.desc())
    rows = await session.scalars(page.offset(query.offset).limit(query.size))
    return rows.all(), total


async def purge_messages(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(OcppMessage).where(OcppMessage.at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def unknown_attempts(
    session: AsyncSession, organization_id: int
) -> Sequence[UnknownStationAttempt]:
    query = select(UnknownStationAttempt).where(
        UnknownStationAttempt.organization_id == organization_id
    )
    return (await session.scalars(query.order_by(UnknownStationAttempt.last_at.desc()))).all()


async def unattributed_attempts(session: AsyncSession) -> Sequence[UnknownStationAttempt]:
    """Attempts no organisation can be shown: for the installation's administrator."""
    query = select(UnknownStationAttempt).where(UnknownStationAttempt.organization_id.is_(None))
    return (await session.scalars(query.order_by(UnknownStationAttempt.last_at.desc()))).all()


async def forget_attempts(session: AsyncSession, identifier: str, organization_id: int) -> None:
    await session.execute(
        delete(UnknownStationAttempt).where(
            UnknownStationAttempt.identifier == identifier,
            UnknownStationAttempt.organization_id == organization_id,
        )
    )


# --- station-facing (the OCPP edge), scoped by the station's identity ---------------------


async def by_identifier(
    session: AsyncSession, identifier: str, organization_id: int | None = None
) -> Sequence[Station]:
    """The stations, deleted or not, with this identifier: in one organisation, or in any."""
    query = select(Station).where(Station.identifier == identifier)
    if organization_id is not None:
        query = query.where(Station.organization_id == organization_id)
    return (await session.scalars(query.order_by(Station.id))).all()


async def attempt(
    session: AsyncSession, identifier: str, organization_id: int | None
) -> UnknownStationAttempt | None:
    org = (
        UnknownStationAttempt.organization_id.is_(None)
        if organization_id is None
        else UnknownStationAttempt.organization_id == organization_id
    )
    query = select(UnknownStationAttempt).where(UnknownStationAttempt.identifier == identifier, org)
    return (await session.scalars(query)).first()


async def set_live(session: AsyncSession, station_id: int, **values: Any) -> None:
    """Write live columns without bumping the station's version (see Station's docstring)."""
    stmt = update(Station).where(Station.id == station_id).values(**values)
    await session.execute(stmt.execution_options(synchronize_session=False))


async def set_heartbeat(session: AsyncSession, station_ids: Sequence[int], at: datetime) -> None:
    stmt = update(Station).where(Station.id.in_(set(station_ids))).values(last_heartbeat_at=at)
    await session.execute(stmt.execution_options(synchronize_session=False))


async def set_disconnected(
    session: AsyncSession, station_id: int, at: datetime, since: datetime | None
) -> None:
    """Mark the station offline unless a connection newer than `since` has been recorded.

    The closing of an old connection and the opening of its replacement are written by two
    tasks (maybe two nodes), in either order.
    """
    stmt = update(Station).where(Station.id == station_id)
    if since is not None:
        stmt = stmt.where(or_(Station.connected_at.is_(None), Station.connected_at <= since))
    stmt = stmt.values(connected=False, disconnected_at=at)
    await session.execute(stmt.execution_options(synchronize_session=False))


async def set_station_status(
    session: AsyncSession, station_id: int, at: datetime, **values: Any
) -> None:
    """The station-wide status (connector 0), unless a newer one is already stored."""
    newer = or_(Station.status_at.is_(None), Station.status_at <= at)
    stmt = update(Station).where(Station.id == station_id, newer).values(status_at=at, **values)
    await session.execute(stmt.execution_options(synchronize_session=False))


async def add_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(OcppMessage), rows)
