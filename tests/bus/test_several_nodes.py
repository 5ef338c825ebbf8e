"""Two Laturi nodes on one database and one Redis: a station on one, its operator on the other."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.app import create_app
from laturi.bus.redis import BusUnavailable
from laturi.config import Settings
from laturi.db import Database
from tests.fixtures.browser import LiveServer
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import eventually
from tests.fixtures.world import World, api_token
from tests.ocpp.test_reconnect import connected_in_database, reconnect_while_closing


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    world: World
    headers: dict[str, str]

    def ws(self, node: LiveServer) -> str:
        return node.url.replace("http://", "ws://")


@pytest.fixture
async def headers(session: AsyncSession, world: World) -> dict[str, str]:
    return await api_token(session, world.alpha)


@pytest.fixture
def cluster(
    database: Database, world: World, headers: dict[str, str], outbox: Path, redis_url: str,
    prefix: str,
) -> Iterator[Cluster]:  # fmt: skip
    """Two app instances (uvicorn, lifespan on) sharing the test database and Redis."""
    settings = Settings(
        database_url=database.url, outbox_dir=outbox, redis_url=redis_url, redis_prefix=prefix
    )
    with LiveServer(settings) as a, LiveServer(settings) as b:
        yield Cluster(a, b, world, headers)


@pytest.fixture
async def on_b(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=cluster.b.url, headers=cluster.headers) as client:
        yield client


async def online(client: httpx.AsyncClient, station_id: int) -> bool:
    response = await client.get(f"/api/v1/stations/{station_id}")
    assert response.status_code == 200, response.text
    return bool(response.json()["online"])


class TestTwoNodes:
    async def test_a_command_issued_on_one_node_reaches_a_station_on_the_other(
        self, cluster: Cluster, on_b: httpx.AsyncClient
    ) -> None:
        station = cluster.world.stations[2]
        script = Script()
        async with connected(cluster.ws(cluster.a), "ST2", script=script):
            await eventually(lambda: online(on_b, station.id))
            response = await on_b.post(
                f"/api/v1/stations/{station.id}/commands/Reset", json={"type": "Soft"}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["accepted"] is True and body["answer"] == {"status": "Accepted"}
            assert script.received == [("Reset", {"type": "Soft"})]

        async def offline() -> bool:
            return not await online(on_b, station.id)

        await eventually(offline)

    async def test_a_reconnect_to_the_other_node_closes_the_first_connection(
        self, cluster: Cluster, on_b: httpx.AsyncClient
    ) -> None:
        station = cluster.world.stations[2]
        first, second = Script(), Script()
        async with connected(cluster.ws(cluster.a), "ST2", script=first) as old:
            await eventually(lambda: online(on_b, station.id))
            async with connected(cluster.ws(cluster.b), "ST2", script=second):
                await asyncio.wait_for(old.ws.wait_closed(), 5)
                async with httpx.AsyncClient(
                    base_url=cluster.a.url, headers=cluster.headers
                ) as on_a:
                    assert await online(on_a, station.id)
                    response = await on_a.post(
                        f"/api/v1/stations/{station.id}/commands/ClearCache", json={}
                    )
                assert response.status_code == 200, response.text
                assert second.received == [("ClearCache", {})] and first.received == []
                assert await online(on_b, station.id)


class TestStartup:
    async def test_a_node_whose_redis_is_unreachable_refuses_to_start(
        self, database: Database, outbox: Path
    ) -> None:
        settings = Settings(
            database_url=database.url, outbox_dir=outbox, redis_url="redis://127.0.0.1:1/0"
        )
        app = create_app(settings, database)
        refused = r"Redis at redis://127\.0\.0\.1:1/0 is unreachable"
        with pytest.raises(BusUnavailable, match=refused):
            async with app.router.lifespan_context(app):
                pass  # pragma: no cover - never reached


class TestReconnectRace:
    async def test_twenty_reconnects_while_the_old_socket_closes_each_served_on_either_node(
        self, cluster: Cluster, on_b: httpx.AsyncClient, database: Database
    ) -> None:
        """Issue 13: each reconnect lands on a node while the old socket's task is still busy."""
        station = cluster.world.stations[2]
        nodes = [cluster.a, cluster.b]
        async with (
            contextlib.AsyncExitStack() as stack,
            httpx.AsyncClient(base_url=cluster.a.url, headers=cluster.headers) as on_a,
        ):
            current = await stack.enter_async_context(connected(cluster.ws(cluster.a), "ST2"))
            await current.boot()
            for round_ in range(20):
                # Two in three reconnects go to the other node, one to the same.
                node = nodes[(round_ + round_ // 2) % 2]
                script = Script()
                current = await reconnect_while_closing(
                    cluster.ws(node), "ST2", current, stack, database, station.id, script
                )
                answer = await asyncio.wait_for(current.boot(), 5)
                assert answer.status == "Accepted", f"round {round_}"
                for client in (on_a, on_b):
                    await eventually(lambda c=client: online(c, station.id))  # type: ignore[misc]
                other = on_b if node is cluster.a else on_a
                response = await other.post(
                    f"/api/v1/stations/{station.id}/commands/ClearCache", json={}
                )
                assert response.status_code == 200, (round_, response.text)
                assert script.received == [("ClearCache", {})], f"round {round_}"
            assert await connected_in_database(database, station.id)
