"""REST routes for what happens at a station: commands, events, transactions, message log."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.api.schemas import PageOut
from laturi.api.security import api_actor
from laturi.auth.actor import Actor
from laturi.bus import CommandFailed, StationBus
from laturi.config import Settings
from laturi.http import SessionDep, settings
from laturi.kit.pagination import ListQuery
from laturi.models import MeterValue, Transaction
from laturi.sessions import history
from laturi.stations import commands, configuration, feed
from laturi.stations.api import station_bus
from laturi.stations.schemas import (
    CommandOut,
    ConfigurationKeyOut,
    ConfigurationOut,
    DayOut,
    EventOut,
    MessageOut,
    MeterValueOut,
    StatisticsOut,
    TransactionDetailOut,
    TransactionOut,
)

router = APIRouter(prefix="/stations/{station_id}", tags=["charging stations"])

COMMAND_EXAMPLES = {
    "Reset": {"type": "Soft"},
    "ChangeAvailability": {"connectorId": 0, "type": "Inoperative"},
    "RemoteStartTransaction": {"connectorId": 1, "idTag": "04A2B3C4"},
    "UnlockConnector": {"connectorId": 1},
}


@router.post(
    "/commands/{command}",
    responses={409: {"description": "Station offline"}, 502: {}, 504: {}},
)
async def send_command(
    station_id: int,
    command: commands.Command,
    params: dict[str, Any] = Body(
        default_factory=dict,
        description=f"The OCPP request payload as the spec writes it, e.g. {COMMAND_EXAMPLES}",
    ),
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
    bus: StationBus = Depends(station_bus),
    config: Settings = Depends(settings),
) -> Any:
    """Send a command and return the station's answer.

    409 when the station is offline (nothing sent); 502 when it answers with an OCPP error,
    504 when it does not answer in time: both say "Remote command execution failed.".
    """
    try:
        result = await commands.send_command(
            session,
            actor,
            bus,
            station_id,
            command,
            params,
            answer_within=config.ocpp_command_timeout,
        )
    except CommandFailed as err:
        await session.commit()  # keeps the failed attempt in the event feed
        body = {"error": err.code, "message": err.message, "field": None, "detail": err.detail}
        return JSONResponse({**body, "answer": err.answer}, status_code=err.status)
    return CommandOut(
        command=result.command.value,
        accepted=result.accepted,
        answer=result.answer,
        message=result.message,
    )


@router.get("/configuration")
async def configuration_keys(
    station_id: int,
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
    bus: StationBus = Depends(station_bus),
) -> ConfigurationOut:
    """The configuration keys the station last reported (GetConfiguration), kept also while
    it is offline; send GetConfiguration through the commands to read them again.
    """
    found = await configuration.stored(session, actor, station_id, bus)
    keys = [
        ConfigurationKeyOut(
            key=k.key,
            value=k.value,
            readonly=k.readonly,
            read_at=k.read_at,
            reboot_required=k.reboot_needed,
        )
        for k in found.keys
    ]
    return ConfigurationOut(online=found.online, read_at=found.read_at, keys=keys)


@router.get("/events")
async def events(
    station_id: int,
    day: date | None = Query(None, description="In your time zone; default today"),
    status: str | None = None,
    error_code: str | None = None,
    q: str = "",
    sort: str = Query(
        "-time",
        description="time, point, status, error or info; a leading '-' sorts descending",
    ),
    page: int = Query(1, ge=1),
    size: int = Query(100, ge=1, le=500),
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
) -> PageOut[EventOut]:
    """One day of the event feed; newest first unless sorted otherwise."""
    where = feed.EventQuery(day, status or None, error_code or None)
    query = ListQuery.parse(search=q, sort=sort, page=page, size=size)
    found = await feed.events(session, actor, station_id, where, query)
    items = [EventOut.model_validate(e, from_attributes=True) for e in found.items]
    return PageOut(items=items, total=found.total, page=page, size=size)


@router.get("/statistics")
async def statistics(
    station_id: int,
    days: int = Query(7, description="7 or 30"),
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
) -> StatisticsOut:
    found = await feed.statistics(session, actor, station_id, days)
    return StatisticsOut(
        charging_events_24h=found.charging_events_24h,
        points_used_24h=found.points_used_24h,
        energy_wh_24h=found.energy_wh_24h,
        days=[
            DayOut(day=d.day.isoformat(), charging_events=d.charging_events, energy_wh=d.energy_wh)
            for d in found.days
        ],
    )


def transaction_out(tx: Transaction) -> TransactionOut:
    return TransactionOut.model_validate(tx, from_attributes=True)


def meter_out(sample: MeterValue) -> MeterValueOut:
    # "f": 7200 normalised is 7.2E+3, which a reader of the API should not have to parse.
    value = None if sample.value is None else format(sample.value.normalize(), "f")
    return MeterValueOut(
        sampled_at=sample.sampled_at,
        measurand=sample.measurand,
        phase=sample.phase,
        unit=sample.unit,
        context=sample.context,
        location=sample.location,
        value=value,
        raw=sample.raw,
    )


@router.get("/transactions")
async def transactions(
    station_id: int,
    q: str = Query("", description="Search by id tag"),
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=500),
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
) -> PageOut[TransactionOut]:
    query = ListQuery.parse(search=q, sort="", page=page, size=size)
    found = await history.list_transactions(session, actor, station_id, query)
    items = [transaction_out(t) for t in found.items]
    return PageOut(items=items, total=found.total, page=page, size=size)


@router.get("/transactions/{transaction_id}")
async def transaction(
    station_id: int,
    transaction_id: int,
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
) -> TransactionDetailOut:
    found = await history.get_transaction(session, actor, station_id, transaction_id)
    return TransactionDetailOut(
        **transaction_out(found.transaction).model_dump(),
        meter_values=[meter_out(s) for s in found.samples],
    )


@router.get("/messages")
async def messages(
    station_id: int,
    q: str = Query("", description="Search in the raw frames"),
    action: str | None = None,
    page: int = Query(1, ge=1),
    size: int = Query(100, ge=1, le=500),
    actor: Actor = Depends(api_actor),
    session: AsyncSession = SessionDep,
) -> PageOut[MessageOut]:
    """Admins only: the raw OCPP frames each way, newest first."""
    query = ListQuery.parse(search=q, sort="", page=page, size=size)
    found = await feed.messages(session, actor, station_id, query, action=action or None)
    items = [MessageOut.model_validate(m, from_attributes=True) for m in found.items]
    return PageOut(items=items, total=found.total, page=page, size=size)
