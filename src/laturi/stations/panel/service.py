"""What the station panel pages read, composed from the station, session and feed services.

Rules stay in `service`, `commands` and `feed`; this module only gathers what one page
shows, so each view still calls one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.bus import Presence
from laturi.groups import service as groups
from laturi.groups.repository import is_root
from laturi.groups.service import GroupRow
from laturi.kit.pagination import ListQuery, Page
from laturi.models import (
    ChargingPoint,
    Station,
    Transaction,
    UnknownStationAttempt,
)
from laturi.organizations import service as organizations
from laturi.sessions import repository as sessions_repository
from laturi.sessions.authorization import local_list
from laturi.stations import service
from laturi.stations.panel import feed
from laturi.stations.panel import repository as panel_repository
from laturi.stations.service import StationDetail, StationRow

# OCPP 1.6 ChargePointStatus and ChargePointErrorCode: the event feed's filter choices.
OCPP_STATUSES = (
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
)
OCPP_ERRORS = (
    "NoError",
    "ConnectorLockFailure",
    "EVCommunicationError",
    "GroundFailure",
    "HighTemperature",
    "InternalError",
    "LocalListConflict",
    "OtherError",
    "OverCurrentFailure",
    "OverVoltage",
    "PowerMeterFailure",
    "PowerSwitchFailure",
    "ReaderFailure",
    "ResetFailure",
    "UnderVoltage",
    "WeakSignal",
)
MAX_TAGS = 200  # tokens offered for START CHARGING; any other can still be typed
# Statuses during which a charging point has a car plugged in and may be charging.
IN_USE = frozenset({"Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing"})


@dataclass(frozen=True)
class ListRow:
    """A line of the station list: the station and its charging points' live statuses."""

    row: StationRow
    points: Sequence[ChargingPoint]


@dataclass(frozen=True)
class StationList:
    page: Page[ListRow]
    groups: Sequence[GroupRow]
    shows_orphans: bool


@dataclass(frozen=True)
class Overview:
    """The station view: the station, its open sessions per connector and last-24h figures."""

    detail: StationDetail
    open_sessions: dict[int, Transaction]
    statistics: feed.Statistics | None
    tags: Sequence[str]


@dataclass(frozen=True)
class UnknownStations:
    attempts: Sequence[UnknownStationAttempt]
    sees_all: bool  # False below the root: such an operator is shown none
    tenant: str  # the organisation's slug in the address its stations use


async def station_list(
    session: AsyncSession,
    actor: Actor,
    query: ListQuery,
    presence: Presence,
    group_id: int | None,
) -> StationList:
    """The list page: stations with their points' statuses, the group filter's choices."""
    found = await service.list_stations(session, actor, query, presence, group_id)
    points = await panel_repository.points_of_stations(session, [r.station.id for r in found.items])
    rows = [ListRow(r, [p for p in points if p.station_id == r.station.id]) for r in found.items]
    return StationList(
        Page(rows, found.total, query),
        await groups.rows(session, actor),
        await is_root(session, actor),
    )


async def unknown_stations(session: AsyncSession, actor: Actor) -> UnknownStations:
    """Refused devices, for admins whose domain is the whole organisation."""
    attempts = await service.unknown_attempts(session, actor)
    tenant = await organizations.slug_of(session, actor.organization_id)
    return UnknownStations(attempts, await is_root(session, actor), tenant)


async def group_choices(session: AsyncSession, actor: Actor) -> Sequence[GroupRow]:
    """Groups a station may be put in: the actor's domain, in tree order."""
    return await groups.rows(session, actor)


async def editable(
    session: AsyncSession, actor: Actor, station_id: int, presence: Presence
) -> StationDetail:
    """The station for its edit pages: admins only ("Access denied." for basic operators)."""
    actor.require(Permission.EDIT_STATIONS)
    return await service.get_station(session, actor, station_id, presence)


async def overview(
    session: AsyncSession,
    actor: Actor,
    station_id: int,
    presence: Presence,
    *,
    header: bool = True,
) -> Overview:
    """The station view; without `header` only what its charging points show (the live
    refresh every few seconds, which need not recount statistics or list tokens).
    """
    detail = await service.get_station(session, actor, station_id, presence)
    open_ones = await sessions_repository.open_at(session, station_id)
    sessions = {t.connector_id: t for t in open_ones}
    if not header:
        return Overview(detail, sessions, None, [])
    return Overview(
        detail,
        sessions,
        await feed.statistics(session, actor, station_id, 7),
        await _tags(session, detail.row.station),
    )


async def _tags(session: AsyncSession, station: Station) -> list[str]:
    """START CHARGING's choice of token: those valid at the station, then recent ones."""
    valid = await local_list(
        session, organization_id=station.organization_id, station_id=station.id
    )
    tags = [str(entry["idTag"]) for entry in valid][:MAX_TAGS]
    recent = await panel_repository.recent_tags(session, station.id)
    return tags + [t for t in recent if t not in tags]
