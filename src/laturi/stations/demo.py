"""The manual's demo stations, EVI00000013 ... EVI00000018, with months of charging history."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users.authorization import authorize
from laturi.charging_users.demo import USERS
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup, ChargingPoint, Socket, Station, StationEvent, Transaction
from laturi.models.charging_point import SocketType
from laturi.models.station_event import EventKind

DEMO_STATIONS = tuple(f"EVI000000{n}" for n in range(13, 19))
# The demo charging users' tokens (some valid only at some malls, one expired) and a stranger.
DEMO_TAGS = (*(user[5] for user in USERS), "DEADBEEF")
HISTORY_DAYS = 120
ZONE = ZoneInfo("Europe/Helsinki")


async def load(session: AsyncSession, malls: list[ChargingGroup]) -> list[Station]:
    """Two stations per mall (the last mall's charge for free), each with one charging point."""
    rng = random.Random(13)  # noqa: S311 - demo data, not a secret
    made = []
    for n, identifier in enumerate(DEMO_STATIONS):
        mall = malls[n // 2]
        station = Station(
            organization_id=mall.organization_id,
            group_id=mall.id,
            name=f"{mall.name.removeprefix('ACME ')} {'entry' if n % 2 == 0 else 'parking'}",
            identifier=identifier,
            free_charging=n >= 4,
            vendor="Ensto",
            model="EVB200",
            firmware_version="A999",
        )
        session.add(station)
        made.append(station)
    await session.flush()
    for station in made:
        await _point(session, station)
        await _history(session, station, rng, await _drivers(session, station))
    return made


async def _drivers(session: AsyncSession, station: Station) -> list[dict[str, Any]]:
    """Who charges here: the tokens accepted at the station (any token where it is free)."""
    drivers = []
    for tag in DEMO_TAGS:
        found = await authorize(
            session,
            organization_id=station.organization_id,
            station_id=station.id,
            id_tag=tag,
            at=utcnow(),
        )
        if station.free_charging or found.status == "Accepted":
            drivers.append(
                {
                    "id_tag": tag,
                    "token_id": found.token_id,
                    "charging_user_id": found.charging_user_id,
                }
            )
    return drivers


async def _point(session: AsyncSession, station: Station) -> None:
    point = ChargingPoint(station_id=station.id, connector_id=1, status="Available")
    session.add(point)
    await session.flush()
    session.add_all(
        [
            Socket(
                charging_point_id=point.id,
                position=1,
                type=SocketType.TYPE_2,
                max_power_kw=Decimal(22),
            ),
            Socket(
                charging_point_id=point.id,
                position=2,
                type=SocketType.SCHUKO,
                max_power_kw=Decimal("3.7"),
            ),
        ]
    )


async def _history(
    session: AsyncSession, station: Station, rng: random.Random, drivers: list[dict[str, Any]]
) -> None:
    """Sessions on most days: a few hours of shopping, 3-20 kWh each."""
    meter = rng.randrange(100_000, 2_000_000)
    today = utcnow().astimezone(ZONE).date()
    transactions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            start = datetime.combine(day, time(rng.randrange(8, 20), rng.randrange(60)), ZONE)
            stop = start + timedelta(minutes=rng.randrange(30, 180))
            used = rng.randrange(3_000, 20_000)
            driver = rng.choice(drivers)
            transactions.append(_transaction(station, driver, start, stop, meter, used))
            events += _events(station, start, stop)
            meter += used
    await session.execute(insert(Transaction), transactions)
    await session.execute(insert(StationEvent), events)


def _transaction(
    station: Station,
    driver: dict[str, Any],
    start: datetime,
    stop: datetime,
    meter: int,
    used: int,
) -> dict[str, Any]:
    return {
        **driver,
        "station_id": station.id,
        "connector_id": 1,
        "authorization_status": "Accepted",
        "free_charging": station.free_charging,
        "meter_start": meter,
        "meter_stop": meter + used,
        "started_at": start,
        "stopped_at": stop,
        "stop_reason": "EVDisconnected",
        "last_meter_wh": meter + used,
        "last_meter_at": stop,
        "closed_at_reboot": False,
        "created_at": start,
    }


def _events(station: Station, start: datetime, stop: datetime) -> list[dict[str, Any]]:
    steps = [
        (start, "Preparing", "Status Update -Type2-"),
        (start + timedelta(minutes=1), "Charging", "Energy is flowing to vehicle"),
        (stop, "Finishing", "Status Update -Type2-"),
        (stop + timedelta(minutes=2), "Available", "Status Update"),
    ]
    return [
        {
            "station_id": station.id,
            "kind": EventKind.STATUS,
            "connector_id": 1,
            "status": status,
            "error_code": "NoError",
            "info": info,
            "at": at,
            "received_at": at,
        }
        for at, status, info in steps
    ]
