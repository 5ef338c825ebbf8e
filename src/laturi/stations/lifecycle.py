"""What a station tells us about itself: who it is, boots, heartbeats, statuses, uploads.

Called by the OCPP edge, one database session per message; scoped by the station's own id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.secrets import (
    hash_station_secret,
    is_station_scheme,
    verify_password_off_loop,
    verify_station_secret,
)
from laturi.kit.time import utcnow
from laturi.models import ChargingPoint, Station, StationEvent, UnknownStationAttempt
from laturi.models.station_event import EventKind
from laturi.organizations import service as organizations
from laturi.stations import repository


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no station has this identifier
    DELETED = "deleted"  # the identifier belonged to a station deleted for good
    UNAUTHORIZED = "unauthorized"  # the station has a password and it was not given


@dataclass(frozen=True)
class StationKey:
    """Who is on the other end of a connection."""

    id: int
    organization_id: int
    identifier: str


@dataclass(frozen=True)
class Admission:
    station: StationKey | None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None


@dataclass(frozen=True)
class StatusReport:
    connector_id: int
    status: str
    error_code: str
    at: datetime
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None


async def admit(
    session: AsyncSession,
    identifier: str,
    address: str,
    credentials: Credentials | None,
    tenant: str | None = None,
) -> Admission:
    """Decide whether a device may connect as `identifier`; record refusals.

    `tenant` is the organisation slug of /ocpp/{slug}/{identifier}. Without it the
    address means the oldest live station with that identifier, whatever its organisation:
    a tenant adding a twin later must not change how another tenant's station is admitted,
    so the twin uses the full address.
    """
    owner: int | None = None
    if tenant is not None:
        organization = await organizations.by_slug(session, tenant)
        if organization is None:
            # Nobody to show the attempt to: an address that names no tenant is noise.
            return Admission(None, Refusal.UNKNOWN)
        owner = organization.id
    stations = await repository.by_identifier(session, identifier, owner)
    live = [s for s in stations if s.deleted_at is None]
    if owner is None:
        live = live[:1]  # the short address belongs to who had the identifier first
    if not live:
        reason = Refusal.DELETED if stations else Refusal.UNKNOWN
        seen_by = await _attempt_owner(session, stations, owner)
        await _record_attempt(session, identifier, seen_by, reason, address)
        return Admission(None, reason)
    station = await _authenticated(live, identifier, credentials)
    if station is None:
        # Only a station the device surely claimed to be: with several organisations'
        # candidates, any one's feed could show another tenant's device's address.
        if len(live) == 1:
            await _event(session, live[0].id, EventKind.AUTH_FAILED, info=f"from {address}")
        return Admission(None, Refusal.UNAUTHORIZED)
    return Admission(StationKey(station.id, station.organization_id, station.identifier))


async def _attempt_owner(
    session: AsyncSession, stations: Sequence[Station], owner: int | None
) -> int | None:
    """Whose admins see a refused attempt: never another tenant's.

    The organisation named in the path, else the one that deleted the identifier (when only
    one did), else the installation's only organisation; with several and no clue, nobody
    (the CLI lists those).
    """
    if owner is not None:
        return owner
    deleted_by = {s.organization_id for s in stations}
    if len(deleted_by) > 1:
        return None
    if deleted_by:
        return deleted_by.pop()
    return await organizations.sole_organization_id(session)


async def _authenticated(
    live: list[Station], identifier: str, credentials: Credentials | None
) -> Station | None:
    """The station these credentials open; with one candidate and no password, that one.

    Identifiers are unique within an organisation, not across them: when two organisations
    use the same one, the password tells which station is calling.
    """
    for station in live:
        if station.password_hash is None:
            if len(live) == 1:
                return station
            continue
        if credentials is None or credentials.username != identifier:
            continue
        if await _password_opens(station, credentials.password):
            return station
    return None


async def _password_opens(station: Station, password: str) -> bool:
    """Check a station's password; one stored by an older release (argon2) is checked
    that slow way once, off the event loop, and replaced by the fast keyed hash."""
    stored = station.password_hash
    assert stored is not None
    if is_station_scheme(stored):
        return verify_station_secret(password, stored)
    if not await verify_password_off_loop(password, stored):
        return False
    station.password_hash = hash_station_secret(password)
    return True


async def _record_attempt(
    session: AsyncSession,
    identifier: str,
    organization_id: int | None,
    reason: Refusal,
    address: str,
) -> None:
    now = utcnow()
    found = await repository.attempt(session, identifier[:200], organization_id)
    if found is None:
        session.add(
            UnknownStationAttempt(
                identifier=identifier[:200],
                organization_id=organization_id,
                reason=reason,
                address=address[:64],
                first_at=now,
                last_at=now,
            )
        )
    else:
        found.attempts += 1
        found.last_at, found.address, found.reason = now, address[:64], reason
    await session.flush()


async def connected(
    session: AsyncSession, station_id: int, address: str, at: datetime | None = None
) -> None:
    """A connection opened at `at` (now by default)."""
    now = at or utcnow()
    await repository.set_live(session, station_id, connected=True, connected_at=now)
    await _event(session, station_id, EventKind.CONNECT, at=now, info=f"from {address}")


async def disconnected(
    session: AsyncSession, station_id: int, reason: str, since: datetime | None = None
) -> None:
    """The connection opened at `since` closed; a newer connection's state is left alone."""
    now = utcnow()
    await repository.set_disconnected(session, station_id, now, since)
    await _event(session, station_id, EventKind.DISCONNECT, at=now, info=reason)


async def booted(session: AsyncSession, station_id: int, info: BootInfo) -> None:
    """Store who the station says it is; the caller closes transactions the reboot cut."""
    now = utcnow()
    await repository.set_live(session, station_id, last_boot_at=now, **asdict(info))
    detail = f"{info.vendor} {info.model}, firmware {info.firmware_version or 'unknown'}"
    await _event(session, station_id, EventKind.BOOT, at=now, info=detail)


async def heartbeats(session: AsyncSession, station_ids: Sequence[int]) -> None:
    """Heartbeats of one or several stations (the edge groups them under load), now."""
    await repository.set_heartbeat(session, station_ids, utcnow())


async def status_reported(session: AsyncSession, station_id: int, report: StatusReport) -> None:
    """A StatusNotification: one event, and the live status unless a newer one is known."""
    await _event(
        session,
        station_id,
        EventKind.STATUS,
        at=report.at,
        connector_id=report.connector_id,
        status=report.status,
        error_code=report.error_code,
        info=report.info,
        vendor_id=report.vendor_id,
        vendor_error_code=report.vendor_error_code,
    )
    if report.connector_id == 0:
        await repository.set_station_status(
            session, station_id, report.at, status=report.status, error_code=report.error_code
        )
        return
    point = await ensure_point(session, station_id, report.connector_id)
    if point.status_at is None or point.status_at <= report.at:
        point.status, point.error_code, point.status_at = (
            report.status,
            report.error_code,
            report.at,
        )
        point.info, point.vendor_error_code = report.info, report.vendor_error_code
        await session.flush()


async def ensure_point(session: AsyncSession, station_id: int, connector_id: int) -> ChargingPoint:
    """The station's charging point for a connector, made the first time it is reported."""
    point = await repository.point(session, station_id, connector_id)
    if point is None:
        point = ChargingPoint(station_id=station_id, connector_id=connector_id)
        session.add(point)
        await session.flush()
    return point


async def firmware_status(session: AsyncSession, station_id: int, status: str) -> None:
    await _event(session, station_id, EventKind.FIRMWARE, status=status, connector_id=0)


async def diagnostics_status(session: AsyncSession, station_id: int, status: str) -> None:
    await _event(session, station_id, EventKind.DIAGNOSTICS, status=status, connector_id=0)


async def data_transfer(
    session: AsyncSession, station_id: int, vendor_id: str, message_id: str | None, data: str
) -> str:
    """Vendor-specific data: recorded; no vendor extension is known, so UnknownVendorId."""
    info = f"{message_id or '-'}: {data}"[:500]
    await _event(session, station_id, EventKind.DATA_TRANSFER, vendor_id=vendor_id, info=info)
    return "UnknownVendorId"


async def note(
    session: AsyncSession, station_id: int, kind: EventKind, info: str, status: str | None = None
) -> None:
    """An event written on the station's behalf (a command's answer, a closed transaction)."""
    await _event(session, station_id, kind, info=info[:500], status=status)


async def _event(
    session: AsyncSession,
    station_id: int,
    kind: EventKind,
    at: datetime | None = None,
    **values: str | int | None,
) -> None:
    session.add(StationEvent(station_id=station_id, kind=kind, at=at or utcnow(), **values))
    await session.flush()
