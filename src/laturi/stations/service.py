"""The manual's rules for charging stations, used by the panel and the API alike."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.auth.secrets import hash_station_secret
from laturi.bus import Presence
from laturi.errors import Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.groups.repository import is_root
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import utcnow
from laturi.models import (
    ChargingGroup,
    ChargingPoint,
    Socket,
    Station,
    UnknownStationAttempt,
)
from laturi.models.charging_point import MAX_SOCKETS, SocketType
from laturi.organizations import service as organizations
from laturi.stations import repository

NOT_FOUND = "Charging station does not exist."
INVALID_IDENTIFIER = "Invalid charging station identifier."
FORBIDDEN_CHARACTERS = "Identifier contains forbidden characters."
DUPLICATE = "Charging station already exists for that identifier."
STALE = (
    "Charging station was changed by another operator. Exit this view, refresh the page and retry."
)
# The manual's error table, followed by its remedy for a concurrent edit.
DELETE_STALE = (
    "Charging station deletion failed. Another operator changed this charging station"
    " meanwhile: exit this view, refresh the page and retry."
)
IDENTIFIER_ALLOWED = re.compile(r"[A-Za-z0-9_-]+")
IDENTIFIER_MAX = 64
NAME_MAX = 200
POWER_MAX_KW = Decimal(1000)
POWER_ERROR = "Max. power must be between 0 and 1000 kW."
# The worst status of a station's connectors, most urgent first.
STATUS_PRIORITY = (
    "Faulted",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Preparing",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Available",
)
OFFLINE = "Offline"


class Deletion(StrEnum):
    ORPHANED = "orphaned"  # left its group; keeps its history and connection
    DELETED = "deleted"  # an orphan deleted for good: identifier freed, device refused


@dataclass(frozen=True)
class StationInput:
    name: str
    identifier: str
    group_id: int | None = None  # defaults to the actor's base group
    free_charging: bool = False
    password: str | None = None


@dataclass(frozen=True)
class StationUpdate:
    name: str | None = None
    group_id: int | None = None
    free_charging: bool | None = None
    password: str | None = None  # "" removes the password
    version: int | None = None


@dataclass(frozen=True)
class StationRow:
    station: Station
    group_name: str | None
    point_count: int
    online: bool
    live_status: str


@dataclass(frozen=True)
class PointView:
    point: ChargingPoint
    sockets: Sequence[Socket]


@dataclass(frozen=True)
class StationDetail:
    row: StationRow
    points: Sequence[PointView] = field(default_factory=tuple)
    tenant: str = ""  # the organisation's slug in the station's OCPP address


@dataclass(frozen=True)
class SocketInput:
    type: str
    max_power_kw: Decimal | None = None


def check_identifier(identifier: str) -> str:
    """The identifier rule: letters, digits, '-' and '_' only."""
    if not identifier or len(identifier) > IDENTIFIER_MAX:
        raise ValidationFailed(INVALID_IDENTIFIER, field="identifier")
    if not IDENTIFIER_ALLOWED.fullmatch(identifier):
        raise ValidationFailed(FORBIDDEN_CHARACTERS, field="identifier")
    return identifier


def live_status(online: bool, statuses: Sequence[str | None]) -> str:
    """One word for the list: Offline, or the most urgent status of its connectors."""
    if not online:
        return OFFLINE
    known = set(statuses)
    return next((s for s in STATUS_PRIORITY if s in known), "Available")


async def list_stations(
    session: AsyncSession,
    actor: Actor,
    query: ListQuery,
    presence: Presence,
    group_id: int | None = None,
) -> Page[StationRow]:
    """The station list: filter by group, search name/identifier, sort, page."""
    actor.require(Permission.VIEW)
    found, total = await repository.list_visible(session, actor, query, group_id)
    rows = [await _row(session, s, g, n, presence) for s, g, n in found]
    return Page(rows, total, query)


async def get_station(
    session: AsyncSession, actor: Actor, station_id: int, presence: Presence
) -> StationDetail:
    station = await visible_station(session, actor, station_id)
    group = await session.get(ChargingGroup, station.group_id) if station.group_id else None
    points = await charging_points(session, actor, station_id)
    row = _make_row(station, group.name if group else None, [p.point for p in points], presence)
    return StationDetail(row, points, await organizations.slug_of(session, station.organization_id))


async def create_station(session: AsyncSession, actor: Actor, data: StationInput) -> Station:
    actor.require(Permission.ADD_REMOVE_STATIONS)
    identifier = check_identifier(data.identifier.strip())
    name = _clean_name(data.name) if data.name.strip() else identifier
    group_id = await _group(session, actor, data.group_id or actor.base_group_id)
    if await repository.live_with_identifier(session, actor.organization_id, identifier):
        raise Conflict(DUPLICATE, field="identifier")
    station = Station(
        organization_id=actor.organization_id,
        group_id=group_id,
        name=name,
        identifier=identifier,
        free_charging=data.free_charging,
        password_hash=hash_station_secret(data.password) if data.password else None,
    )
    session.add(station)
    await repository.forget_attempts(session, identifier, actor.organization_id)
    await session.flush()
    return station


async def update_station(
    session: AsyncSession, actor: Actor, station_id: int, data: StationUpdate
) -> Station:
    """Basic settings: name, group; plus free charging and the station's password."""
    actor.require(Permission.EDIT_STATIONS)
    station = await _existing(session, actor, station_id, data.version)
    if data.name is not None:
        station.name = _clean_name(data.name)
    if data.group_id is not None and data.group_id != station.group_id:
        station.group_id = await _group(session, actor, data.group_id)
    if data.free_charging is not None:
        station.free_charging = data.free_charging
    if data.password is not None:
        station.password_hash = hash_station_secret(data.password) if data.password else None
    await session.flush()
    return station


async def delete_station(
    session: AsyncSession, actor: Actor, station_id: int, version: int | None = None
) -> Deletion:
    """A grouped station becomes an orphan; an orphan is deleted for good (history kept)."""
    actor.require(Permission.ADD_REMOVE_STATIONS)
    station = await _existing(session, actor, station_id, version, DELETE_STALE)
    if station.group_id is not None:
        station.group_id = None
        await session.flush()
        return Deletion.ORPHANED
    station.deleted_at = utcnow()
    await session.flush()
    return Deletion.DELETED


async def charging_points(session: AsyncSession, actor: Actor, station_id: int) -> list[PointView]:
    station = await visible_station(session, actor, station_id)
    points = await repository.points_of(session, station.id)
    sockets = await repository.sockets_of(session, [p.id for p in points])
    return [PointView(p, [s for s in sockets if s.charging_point_id == p.id]) for p in points]


async def set_sockets(
    session: AsyncSession,
    actor: Actor,
    station_id: int,
    connector_id: int,
    sockets: Sequence[SocketInput],
) -> PointView:
    """Replace a charging point's sockets (at most four): information for operators only."""
    actor.require(Permission.EDIT_STATIONS)
    station = await visible_station(session, actor, station_id)
    point = await repository.point(session, station.id, connector_id)
    if point is None:
        raise NotFound("Charging point does not exist.")
    made = [_socket(point.id, n, s) for n, s in enumerate(_at_most_four(sockets), start=1)]
    await repository.replace_sockets(session, point.id, made)
    return PointView(point, made)


async def unknown_attempts(session: AsyncSession, actor: Actor) -> Sequence[UnknownStationAttempt]:
    """Devices that tried to connect with an unknown identifier: for whole-organisation admins."""
    actor.require(Permission.ADD_REMOVE_STATIONS)
    if not await is_root(session, actor):
        return []
    return await repository.unknown_attempts(session, actor.organization_id)


async def unattributed_attempts(session: AsyncSession) -> Sequence[UnknownStationAttempt]:
    """Refused devices no organisation may be shown: for the installation's administrator."""
    return await repository.unattributed_attempts(session)


def ocpp_address(base_url: str, slug: str, identifier: str) -> str:
    """Where the station connects: the tenant's slug in the path picks its organisation."""
    scheme, sep, rest = base_url.rstrip("/").partition("://")
    ws = {"http": "ws", "https": "wss"}.get(scheme, scheme)
    return f"{ws}{sep}{rest}/ocpp/{slug}/{identifier}"


def _at_most_four(sockets: Sequence[SocketInput]) -> Sequence[SocketInput]:
    if len(sockets) > MAX_SOCKETS:
        raise ValidationFailed(
            f"A charging point has at most {MAX_SOCKETS} sockets.", field="sockets"
        )
    return sockets


def _socket(point_id: int, position: int, data: SocketInput) -> Socket:
    try:
        kind = SocketType(data.type)
    except ValueError as err:
        choices = ", ".join(t.value for t in SocketType)
        raise ValidationFailed(f"Socket type must be one of: {choices}.", field="type") from err
    power = data.max_power_kw
    if power is not None and not Decimal(0) < power <= POWER_MAX_KW:
        raise ValidationFailed(POWER_ERROR, field="max_power_kw")
    return Socket(charging_point_id=point_id, position=position, type=kind, max_power_kw=power)


async def _row(
    session: AsyncSession, station: Station, group: str | None, count: int, presence: Presence
) -> StationRow:
    points = await repository.points_of(session, station.id) if count else []
    return _make_row(station, group, points, presence)


def _make_row(
    station: Station, group: str | None, points: Sequence[ChargingPoint], presence: Presence
) -> StationRow:
    online = presence.is_online(station.id)
    status = live_status(online, [station.status, *(p.status for p in points)])
    return StationRow(station, group, len(points), online, status)


async def visible_station(session: AsyncSession, actor: Actor, station_id: int) -> Station:
    """The station if the operator may see it, else "Charging station does not exist."."""
    actor.require(Permission.VIEW)
    station = await repository.visible(session, actor, station_id)
    if station is None:
        raise NotFound(NOT_FOUND)
    return station


async def _existing(
    session: AsyncSession, actor: Actor, station_id: int, version: int | None, stale: str = STALE
) -> Station:
    station = await visible_station(session, actor, station_id)
    if version is not None and version != station.version:
        raise StaleEdit(stale)
    return station


async def _group(session: AsyncSession, actor: Actor, group_id: int) -> int:
    if not await repository.group_in_domain(session, actor, group_id):
        raise ValidationFailed("Charging group does not exist in your domain.", field="group_id")
    return group_id


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed("Name is required.", field="name")
    if len(cleaned) > NAME_MAX:
        raise ValidationFailed(f"Name is too long ({NAME_MAX} characters at most).", field="name")
    return cleaned
