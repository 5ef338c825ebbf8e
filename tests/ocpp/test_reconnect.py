"""A station that reconnects while its previous socket is still closing (issue 13, item 1)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from laturi.db import Database
from laturi.models import Station
from tests.fixtures.station import FakeStation, Script, connected
from tests.fixtures.wait import eventually, read
from tests.fixtures.world import World

ROUNDS = 20


def blip(station: FakeStation) -> None:
    """The network drops the station's socket: no closing handshake, the server learns late."""
    station.ws.transport.abort()


@contextlib.asynccontextmanager
async def station_row_locked(database: Database, station_id: int) -> AsyncIterator[None]:
    """Hold a write on the station's row: the server's own writes to it wait meanwhile."""
    async with database.sessions() as session:
        touch = update(Station).where(Station.id == station_id).values(name=Station.name)
        await session.execute(touch)
        try:
            yield
        finally:
            await session.rollback()


async def reconnect_while_closing(
    url: str, identifier: str, old: FakeStation, stack: contextlib.AsyncExitStack,
    database: Database, station_id: int, script: Script,
) -> FakeStation:  # fmt: skip
    """The old connection's task is busy writing a message when its socket dies and the
    station connects again: the server meets the new connection before the old one's end."""
    async with station_row_locked(database, station_id):
        pending = asyncio.create_task(old.status(0, "Available"))
        await asyncio.sleep(0.1)  # the server is now waiting to write it
        blip(old)
        new = await stack.enter_async_context(connected(url, identifier, script=script))
        await asyncio.sleep(0.1)
    pending.cancel()
    with contextlib.suppress(BaseException):
        await pending
    return new


async def connected_in_database(database: Database, station_id: int) -> bool:
    async def work(session: object) -> bool:
        query = select(Station.connected).where(Station.id == station_id)
        return bool(await session.scalar(query))  # type: ignore[attr-defined]

    return await read(database, work)


async def reset(
    client: httpx.AsyncClient, station_id: int, alpha: dict[str, str]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/stations/{station_id}/commands/Reset", json={"type": "Soft"}, headers=alpha
    )


class TestReconnectRace:
    async def test_twenty_reconnects_while_the_old_socket_closes_are_each_served(
        self, world: World, ocpp_url: str, app: FastAPI, client: httpx.AsyncClient,
        alpha: dict[str, str], database: Database,
    ) -> None:  # fmt: skip
        station_id = world.stations[2].id
        async with contextlib.AsyncExitStack() as stack:
            current = await stack.enter_async_context(connected(ocpp_url, "ST2"))
            assert (await current.boot()).status == "Accepted"
            for round_ in range(ROUNDS):
                script = Script()
                current = await reconnect_while_closing(
                    ocpp_url, "ST2", current, stack, database, station_id, script
                )
                answer = await asyncio.wait_for(current.boot(), 5)
                assert answer.status == "Accepted", f"round {round_}"
                assert app.state.bus.is_online(station_id), f"round {round_}"
                response = await reset(client, station_id, alpha)
                assert response.status_code == 200, (round_, response.text)
                assert script.received == [("Reset", {"type": "Soft"})], f"round {round_}"
            assert await connected_in_database(database, station_id)

    async def test_a_command_to_a_station_whose_socket_died_is_offline_not_an_error(
        self, world: World, ocpp_url: str, app: FastAPI, client: httpx.AsyncClient,
        alpha: dict[str, str], database: Database,
    ) -> None:  # fmt: skip
        station_id = world.stations[2].id
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            async with station_row_locked(database, station_id):
                pending = asyncio.create_task(station.status(0, "Available"))
                await asyncio.sleep(0.1)
                blip(station)  # the server's task is busy: it has not read the end yet
                command = asyncio.create_task(reset(client, station_id, alpha))
                await asyncio.sleep(0.2)
            response = await command
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "station_offline"

        async def offline() -> bool:
            return not app.state.bus.is_online(station_id) and not (
                await connected_in_database(database, station_id)
            )

        await eventually(offline)
