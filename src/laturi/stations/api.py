"""REST routes for stations, their charging points and sockets, and unknown stations."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.api.schemas import PageOut, listing
from laturi.auth.actor import Actor
from laturi.auth.dependencies import ApiActor
from laturi.bus import StationBus
from laturi.config import Settings
from laturi.http import Bus, Config, DbSession
from laturi.kit.pagination import ListQuery
from laturi.models import Station
from laturi.stations import service
from laturi.stations.schemas import (
    ChargingPointOut,
    DeletionOut,
    SocketOut,
    SocketsIn,
    StationCreate,
    StationDetailOut,
    StationOut,
    StationUpdate,
    UnknownAttemptOut,
)

router = APIRouter(prefix="/stations", tags=["charging stations"])


def station_out(row: service.StationRow) -> StationOut:
    s: Station = row.station
    return StationOut(
        id=s.id,
        name=s.name,
        identifier=s.identifier,
        group_id=s.group_id,
        group_name=row.group_name,
        charging_point_count=row.point_count,
        online=row.online,
        live_status=row.live_status,
        free_charging=s.free_charging,
        has_password=s.password_hash is not None,
        vendor=s.vendor,
        model=s.model,
        serial_number=s.serial_number,
        firmware_version=s.firmware_version,
        status=s.status,
        error_code=s.error_code,
        last_boot_at=s.last_boot_at,
        last_heartbeat_at=s.last_heartbeat_at,
        connected_at=s.connected_at,
        disconnected_at=s.disconnected_at,
        version=s.version,
    )


def point_out(view: service.PointView) -> ChargingPointOut:
    p = view.point
    return ChargingPointOut(
        connector_id=p.connector_id,
        status=p.status,
        error_code=p.error_code,
        info=p.info,
        vendor_error_code=p.vendor_error_code,
        status_at=p.status_at,
        sockets=[
            SocketOut(
                position=s.position,
                type=s.type,
                max_power_kw=None if s.max_power_kw is None else float(s.max_power_kw),
            )
            for s in view.sockets
        ],
    )


async def _detail(
    session: AsyncSession, actor: Actor, bus: StationBus, station_id: int, config: Settings
) -> StationDetailOut:
    found = await service.get_station(session, actor, station_id, bus)
    return StationDetailOut(
        **station_out(found.row).model_dump(),
        charging_points=[point_out(p) for p in found.points],
        ocpp_url=service.ocpp_address(config.base_url, found.tenant, found.row.station.identifier),
    )


@router.get("")
async def list_stations(
    actor: ApiActor,
    session: DbSession,
    bus: Bus,
    group_id: int | None = None,
    query: ListQuery = listing(sort="name, identifier, group, firmware or status"),
) -> PageOut[StationOut]:
    """Stations in your domain (and orphans when your domain is the whole organisation)."""
    found = await service.list_stations(session, actor, query, bus, group_id)
    return PageOut.of(found, [station_out(r) for r in found.items])


@router.get("/unknown")
async def unknown_stations(actor: ApiActor, session: DbSession) -> list[UnknownAttemptOut]:
    """Devices refused for an unknown identifier; create a station with it to let one in."""
    found = await service.unknown_attempts(session, actor)
    return [
        UnknownAttemptOut(
            identifier=a.identifier,
            reason=a.reason,
            address=a.address,
            attempts=a.attempts,
            first_at=a.first_at,
            last_at=a.last_at,
        )
        for a in found
    ]


@router.get("/{station_id}")
async def get_station(
    station_id: int, actor: ApiActor, session: DbSession, bus: Bus, config: Config
) -> StationDetailOut:
    return await _detail(session, actor, bus, station_id, config)


@router.post("", status_code=201)
async def create_station(
    body: StationCreate, actor: ApiActor, session: DbSession, bus: Bus, config: Config
) -> StationDetailOut:
    """Admins only. The identifier must match the one configured in the device."""
    data = service.StationInput(
        name=body.name,
        identifier=body.identifier,
        group_id=body.group_id,
        free_charging=body.free_charging,
        password=body.password,
    )
    station = await service.create_station(session, actor, data)
    return await _detail(session, actor, bus, station.id, config)


@router.patch("/{station_id}")
async def update_station(
    station_id: int,
    body: StationUpdate,
    actor: ApiActor,
    session: DbSession,
    bus: Bus,
    config: Config,
) -> StationDetailOut:
    """Admins only: name, group, free charging, password. The identifier cannot change."""
    data = service.StationUpdate(**body.model_dump())
    await service.update_station(session, actor, station_id, data)
    return await _detail(session, actor, bus, station_id, config)


@router.delete("/{station_id}")
async def delete_station(
    station_id: int, actor: ApiActor, session: DbSession, bus: Bus, version: int | None = None
) -> DeletionOut:
    """Admins only. A station in a group becomes an orphan; an orphan is deleted for good."""
    outcome = await service.delete_station(session, actor, station_id, version)
    if outcome is service.Deletion.DELETED:
        # Committed first, so the device's reconnection finds it gone.
        await session.commit()
        await bus.disconnect(station_id)
    return DeletionOut(outcome=outcome.value)


@router.get("/{station_id}/charging-points")
async def charging_points(
    station_id: int, actor: ApiActor, session: DbSession
) -> list[ChargingPointOut]:
    """One charging point per connector the station reported, with its sockets."""
    return [point_out(p) for p in await service.charging_points(session, actor, station_id)]


@router.put("/{station_id}/charging-points/{connector_id}/sockets")
async def set_sockets(
    station_id: int, connector_id: int, body: SocketsIn, actor: ApiActor, session: DbSession
) -> ChargingPointOut:
    """Admins only: the charging point's sockets (at most four), information only."""
    sockets = [service.SocketInput(s.type, s.max_power_kw) for s in body.sockets]
    view = await service.set_sockets(session, actor, station_id, connector_id, sockets)
    return point_out(view)
