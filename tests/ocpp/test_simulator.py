"""`laturi simulate`'s stations against the running server: they charge and obey commands."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.models import MeterValue, StationEvent, Transaction
from laturi.models.station_event import EventKind
from laturi.ocpp.simulate import simulate
from laturi.ocpp.simulator import SimConfig
from tests.fixtures.factories import create_group, create_operator, create_organization
from tests.fixtures.factories import create_station as make_station
from tests.fixtures.wait import eventually, read
from tests.fixtures.world import api_token


@contextlib.asynccontextmanager
async def running(config: SimConfig) -> AsyncIterator[None]:
    task = asyncio.create_task(simulate(config))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def count(database: Database, query: Any) -> int:
    async def work(s: AsyncSession) -> int:
        return int(await s.scalar(query) or 0)

    return await read(database, work)


@pytest.fixture
async def setup(session: AsyncSession) -> tuple[int, dict[str, str]]:
    org = await create_organization(session, name="Sim Org")
    group = await create_group(session, organization=org)
    admin = await create_operator(session, base_group=group)
    station = await make_station(session, group=group, identifier="SIM00001", free_charging=True)
    await session.commit()
    return station.id, await api_token(session, admin)


async def test_simulated_stations_charge_with_meter_values(
    setup: tuple[int, dict[str, str]], ocpp_url: str, database: Database
) -> None:
    station_id, _ = setup
    config = SimConfig(
        url=ocpp_url,
        identifiers=["SIM00001"],
        organization="sim-org",
        connectors=2,
        meter_interval=1.0,
        session_seconds=(2.0, 3.0),
        idle_seconds=(0.5, 1.0),
        speed=20.0,
        seed=1,
    )
    closed = (
        select(func.count()).select_from(Transaction).where(Transaction.stopped_at.is_not(None))
    )
    async with running(config):
        await eventually(lambda: count(database, closed), within=20)
    energy = select(func.count()).select_from(MeterValue).where(MeterValue.station_id == station_id)
    assert await count(database, energy) > 0
    done = select(Transaction).where(Transaction.stopped_at.is_not(None)).limit(1)
    tx = await read(database, lambda s: s.scalar(done))
    assert tx is not None and tx.energy_wh is not None and tx.energy_wh > 0


async def test_simulated_stations_answer_every_command(
    setup: tuple[int, dict[str, str]], ocpp_url: str, database: Database, client: httpx.AsyncClient
) -> None:
    station_id, headers = setup
    config = SimConfig(url=ocpp_url, identifiers=["SIM00001"], charge=False, speed=50.0)
    url = f"/api/v1/stations/{station_id}/commands"
    boots = (
        select(func.count()).select_from(StationEvent).where(StationEvent.kind == EventKind.BOOT)
    )

    async def send(command: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await client.post(f"{url}/{command}", json=params or {}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async with running(config):
        await eventually(lambda: count(database, boots))
        keys = (await send("GetConfiguration"))["answer"]["configurationKey"]
        assert "HeartbeatInterval" in {k["key"] for k in keys}
        assert (await send("ChangeConfiguration", {"key": "Nope", "value": "1"}))["answer"] == {
            "status": "NotSupported"
        }
        assert (await send("RemoteStartTransaction", {"connectorId": 1, "idTag": "REMOTE1"}))[
            "accepted"
        ]
        started = select(Transaction.id).where(Transaction.id_tag == "REMOTE1")
        tx_id = await eventually(lambda: read(database, lambda s: s.scalar(started)))
        assert (await send("RemoteStopTransaction", {"transactionId": tx_id}))["accepted"]
        assert not (await send("RemoteStopTransaction", {"transactionId": 999999}))["accepted"]
        assert (await send("UnlockConnector", {"connectorId": 9}))["answer"]["status"] == (
            "NotSupported"
        )
        steps: list[tuple[str, dict[str, Any]]] = [
            ("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}),
            ("ChangeAvailability", {"connectorId": 1, "type": "Operative"}),
            ("ClearCache", {}),
            ("TriggerMessage", {"requestedMessage": "Heartbeat"}),
            ("SendLocalList", {}),
            ("GetLocalListVersion", {}),
            ("GetDiagnostics", {"location": "ftp://diag.example/"}),
        ]
        for command, params in steps:
            assert (await send(command, params))["accepted"], command
        cleared = await send("ClearChargingProfile", {})
        assert cleared["answer"] == {"status": "Unknown"} and not cleared["accepted"]
        await send("Reset", {"type": "Soft"})
        await eventually(lambda: _at_least(database, boots, 2))


async def _at_least(database: Database, query: Any, n: int) -> bool:
    return await count(database, query) >= n
