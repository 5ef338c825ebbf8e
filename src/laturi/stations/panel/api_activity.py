"""REST routes for what happens at a station: commands, events, transactions, message log."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Query

from laturi.api.schemas import PageOut, listing
from laturi.auth.dependencies import ApiActor
from laturi.http import Bus, Config, DbSession
from laturi.kit.pagination import ListQuery
from laturi.models import MeterValue, Transaction
from laturi.sessions import history
from laturi.stations.commands import configuration
from laturi.stations.commands import service as commands
from laturi.stations.panel import feed
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
    actor: ApiActor,
    session: DbSession,
    bus: Bus,
    config: Config,
    params: dict[str, Any] = Body(
        default_factory=dict,
        description=f"The OCPP request payload as the spec writes it, e.g. {COMMAND_EXAMPLES}",
    ),
) -> Any:
    """Send a command and return the station's answer.

    409 when the station is offline (nothing sent); 502 when it answers with an OCPP error,
    504 when it does not answer in time: both say "Remote command execution failed.".
    """
    result = await commands.send_command(
        session, actor, bus, station_id, command, params, answer_within=config.ocpp_command_timeout
    )
    return CommandOut(
        command=result.command.value,
        accepted=result.accepted,
        answer=result.answer,
        message=result.message,
    )


@router.get("/configuration")
async def configuration_keys(
    station_id: int, actor: ApiActor, session: DbSession, bus: Bus
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
    actor: ApiActor,
    session: DbSession,
    day: date | None = Query(None, description="In your time zone; default today"),
    status: str | None = None,
    error_code: str | None = None,
    query: ListQuery = listing(
        sort="time, point, status, error or info", default_sort="-time", size=100
    ),
) -> PageOut[EventOut]:
    """One day of the event feed; newest first unless sorted otherwise."""
    where = feed.EventQuery(day, status or None, error_code or None)
    found = await feed.events(session, actor, station_id, where, query)
    return PageOut.of(
        found, [EventOut.model_validate(e, from_attributes=True) for e in found.items]
    )


@router.get("/statistics")
async def statistics(
    station_id: int,
    actor: ApiActor,
    session: DbSession,
    days: int = Query(7, description="7 or 30"),
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
    actor: ApiActor,
    session: DbSession,
    query: ListQuery = listing(search="Search by id tag"),
) -> PageOut[TransactionOut]:
    found = await history.list_transactions(session, actor, station_id, query)
    return PageOut.of(found, [transaction_out(t) for t in found.items])


@router.get("/transactions/{transaction_id}")
async def transaction(
    station_id: int, transaction_id: int, actor: ApiActor, session: DbSession
) -> TransactionDetailOut:
    found = await history.get_transaction(session, actor, station_id, transaction_id)
    return TransactionDetailOut(
        **transaction_out(found.transaction).model_dump(),
        meter_values=[meter_out(s) for s in found.samples],
    )


@router.get("/messages")
async def messages(
    station_id: int,
    actor: ApiActor,
    session: DbSession,
    action: str | None = None,
    query: ListQuery = listing(search="Search in the raw frames", size=100),
) -> PageOut[MessageOut]:
    """Admins only: the raw OCPP frames each way, newest first."""
    found = await feed.messages(session, actor, station_id, query, action=action or None)
    return PageOut.of(
        found, [MessageOut.model_validate(m, from_attributes=True) for m in found.items]
    )
