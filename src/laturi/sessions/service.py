"""Charging sessions as stations report them: authorize, start, meter values, stop.

Called by the OCPP edge, one database session per message (MeterValues, the busiest, may
share one among several stations' messages). Times are the station's own:
messages a station queued while offline arrive late and are stored by their timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.errors import NotFound
from laturi.kit.time import utcnow
from laturi.models import Station, Transaction
from laturi.models.station_event import EventKind
from laturi.sessions import repository
from laturi.sessions.authorization import TagDecision, decide
from laturi.stations import lifecycle

ENERGY_REGISTER = "Energy.Active.Import.Register"
REBOOT_REASON = "Reboot"
BEGIN_CONTEXT = "Transaction.Begin"
# The authorization status of a session whose start, and so its answer, we never saw.
UNKNOWN_STATUS = "Unknown"


@dataclass(frozen=True)
class Sample:
    """One sampled value of a MeterValues message (OCPP's SampledValue with its timestamp)."""

    sampled_at: datetime
    value: str
    measurand: str | None = None
    phase: str | None = None
    unit: str | None = None
    context: str | None = None
    location: str | None = None
    format: str | None = None

    def energy_wh(self) -> int | None:
        """The energy register in Wh, when this sample is one."""
        if (self.measurand or ENERGY_REGISTER) != ENERGY_REGISTER or self.phase:
            return None
        number = _number(self.value) if self.format != "SignedData" else None
        if number is None:
            return None
        return int(number * 1000) if (self.unit or "Wh") == "kWh" else int(number)


@dataclass(frozen=True)
class StartRequest:
    connector_id: int
    id_tag: str
    meter_start: int
    started_at: datetime
    reservation_id: int | None = None


@dataclass(frozen=True)
class StopRequest:
    transaction_id: int
    meter_stop: int
    stopped_at: datetime
    reason: str | None = None
    id_tag: str | None = None
    samples: Sequence[Sample] = field(default_factory=tuple)


async def authorize(
    session: AsyncSession, station_id: int, id_tag: str, at: datetime | None = None
) -> TagDecision:
    """Authorize: may this tag charge here now?"""
    station = await _station(session, station_id)
    return await decide(
        session,
        organization_id=station.organization_id,
        station_id=station.id,
        free_charging=station.free_charging,
        id_tag=id_tag,
        at=at or utcnow(),
    )


async def start(
    session: AsyncSession, station_id: int, request: StartRequest
) -> tuple[Transaction, TagDecision]:
    """StartTransaction: a new transaction, or the same one again when the station retries.

    The transaction is recorded even when the tag is refused: the station was given an id
    and will report the transaction's end (OCPP 1.6 section 4.8).
    """
    twin = await repository.same_start(
        session,
        station_id,
        request.connector_id,
        request.id_tag,
        request.started_at,
        request.meter_start,
    )
    if twin is not None:
        return twin, TagDecision(twin.authorization_status, free_charging=twin.free_charging)
    decision = await authorize(session, station_id, request.id_tag, request.started_at)
    if request.connector_id > 0:
        await lifecycle.ensure_point(session, station_id, request.connector_id)
    user_name, token_name = await repository.names(
        session, decision.charging_user_id, decision.token_id
    )
    made = Transaction(
        station_id=station_id,
        connector_id=request.connector_id,
        id_tag=request.id_tag,
        token_id=decision.token_id,
        charging_user_id=decision.charging_user_id,
        charging_user_name=user_name,
        token_name=token_name,
        authorization_status=decision.status,
        free_charging=decision.free_charging,
        reservation_id=request.reservation_id,
        meter_start=request.meter_start,
        started_at=request.started_at,
    )
    session.add(made)
    await session.flush()
    return made, decision


async def stop(session: AsyncSession, station_id: int, request: StopRequest) -> TagDecision | None:
    """StopTransaction: close it with the station's figures; an unknown one is recorded too."""
    found = await repository.of_station(session, station_id, request.transaction_id)
    decision = await authorize(session, station_id, request.id_tag) if request.id_tag else None
    # An unmatched stop's row has an id of ours no station was ever given.
    if found is None or found.unmatched_stop:
        await _record_unmatched_stop(session, station_id, request, decision)
        return decision
    if found.stopped_at is not None and not found.closed_at_reboot:
        return decision  # a retried StopTransaction: the first one stands, data and all
    await _store(session, station_id, found.connector_id, found.id, request.samples)
    found.meter_stop, found.stopped_at = request.meter_stop, request.stopped_at
    found.stop_reason = request.reason or "Local"
    found.stop_id_tag = request.id_tag
    # The station's own report replaces what we guessed at its reboot.
    found.closed_at_reboot = False
    await session.flush()
    return decision


@dataclass(frozen=True)
class MeterReport:
    """One MeterValues message."""

    station_id: int
    connector_id: int
    transaction_id: int | None
    samples: Sequence[Sample]


async def meter_values(session: AsyncSession, reports: Sequence[MeterReport]) -> None:
    """MeterValues, one message or several stations' at once (the edge groups them under load).

    Every sample is stored; a sample names its transaction only when the transaction is the
    reporting station's; an open transaction remembers its latest energy reading.
    """
    wanted = {r.transaction_id for r in reports if r.transaction_id is not None}
    owners = await repository.owners(session, wanted)
    rows: list[dict[str, Any]] = []
    latest: dict[int, tuple[datetime, int]] = {}
    for report in reports:
        tx = report.transaction_id
        if tx is not None and owners.get(tx) != report.station_id:
            tx = None  # unknown, or another station's: the samples are kept all the same
        rows += [_row(report.station_id, report.connector_id, tx, s) for s in report.samples]
        reading = _latest_energy(report.samples)
        if tx is not None and reading is not None:
            latest[tx] = max(latest.get(tx, reading), reading)
    await repository.add_samples(session, rows)
    await repository.advance_meters(session, latest)


async def close_interrupted(session: AsyncSession, station_id: int) -> list[Transaction]:
    """At a boot: close transactions the reboot cut, with the last meter reading we know."""
    closed = list(await repository.open_at(session, station_id))
    now = utcnow()
    for tx in closed:
        tx.meter_stop = tx.last_meter_wh if tx.last_meter_wh is not None else tx.meter_start
        tx.stopped_at, tx.stop_reason, tx.closed_at_reboot = now, REBOOT_REASON, True
        info = f"Transaction {tx.id} closed at reboot with meter {tx.meter_stop} Wh"
        await lifecycle.note(session, station_id, EventKind.REBOOT_CLOSE, info)
    await session.flush()
    return closed


async def _store(
    session: AsyncSession,
    station_id: int,
    connector_id: int,
    transaction_id: int | None,
    samples: Sequence[Sample],
) -> None:
    rows = [_row(station_id, connector_id, transaction_id, s) for s in samples]
    await repository.add_samples(session, rows)
    reading = _latest_energy(samples)
    if transaction_id is not None and reading is not None:
        await repository.advance_meters(session, {transaction_id: reading})


def _latest_energy(samples: Sequence[Sample]) -> tuple[datetime, int] | None:
    readings = [(s.sampled_at, wh) for s in samples if (wh := s.energy_wh()) is not None]
    return max(readings) if readings else None


def _row(
    station_id: int, connector_id: int, transaction_id: int | None, sample: Sample
) -> dict[str, Any]:
    number = _number(sample.value)
    return {
        "station_id": station_id,
        "connector_id": connector_id,
        "transaction_id": transaction_id,
        "sampled_at": sample.sampled_at,
        "measurand": sample.measurand or ENERGY_REGISTER,
        "phase": sample.phase,
        "unit": sample.unit,
        "context": sample.context,
        "location": sample.location,
        "value": number,
        "raw": None if number is not None else sample.value[:2000],
    }


def _number(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < Decimal(10) ** 15 else None


async def _record_unmatched_stop(
    session: AsyncSession, station_id: int, request: StopRequest, decision: TagDecision | None
) -> Transaction:
    """A stop for a transaction we never heard start: a session of its own, so it is counted.

    Its start is the transaction data's Transaction.Begin sample when there is one (and so
    its energy); else the earliest sample's time, else the stop's, and no energy.
    """
    twin = await repository.same_unmatched_stop(
        session, station_id, request.transaction_id, request.stopped_at, request.meter_stop
    )
    if twin is not None:
        return twin  # the station retried it
    begin = _begin_reading(request.samples)
    user_name, token_name = (
        await repository.names(session, decision.charging_user_id, decision.token_id)
        if decision
        else (None, None)
    )
    times = [s.sampled_at for s in request.samples if s.sampled_at <= request.stopped_at]
    made = Transaction(
        station_id=station_id,
        connector_id=0,  # a StopTransaction does not name its connector
        id_tag=request.id_tag or "",
        token_id=decision.token_id if decision else None,
        charging_user_id=decision.charging_user_id if decision else None,
        charging_user_name=user_name,
        token_name=token_name,
        authorization_status=decision.status if decision else UNKNOWN_STATUS,
        free_charging=decision.free_charging if decision else False,
        meter_start=begin[1] if begin else None,
        started_at=begin[0] if begin else min(times, default=request.stopped_at),
        meter_stop=request.meter_stop,
        stopped_at=request.stopped_at,
        stop_reason=request.reason or "Local",
        stop_id_tag=request.id_tag,
        reported_transaction_id=request.transaction_id,
    )
    session.add(made)
    await session.flush()
    info = (
        f"StopTransaction for unknown transaction {request.transaction_id}: "
        f"recorded as transaction {made.id}, meter stop {request.meter_stop} Wh "
        f"at {request.stopped_at.isoformat()}, reason {made.stop_reason}, "
        f"id tag {request.id_tag or '-'}"
    )
    await lifecycle.note(session, station_id, EventKind.UNKNOWN_STOP, info)
    await _store(session, station_id, 0, made.id, request.samples)
    return made


def _begin_reading(samples: Sequence[Sample]) -> tuple[datetime, int] | None:
    """The energy register when the transaction began, if the samples carry it."""
    readings = [
        (s.sampled_at, wh)
        for s in samples
        if s.context == BEGIN_CONTEXT and (wh := s.energy_wh()) is not None
    ]
    return min(readings) if readings else None


async def _station(session: AsyncSession, station_id: int) -> Station:
    station = await session.get(Station, station_id)
    if station is None:
        raise NotFound("Charging station does not exist.")
    return station
