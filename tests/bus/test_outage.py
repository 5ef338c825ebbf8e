"""A node that loses Redis for a while: its stations keep working, and it repairs the registry.

The node reaches Redis through a TCP relay the test can cut (connections dropped, new ones
hung up on) and restore: a real outage for that node alone, the shared Redis untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from tests.bus.conftest import FakeLink, StartNode, until


class Relay:
    """127.0.0.1:port -> Redis, until cut."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.down = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.pumps: set[asyncio.Task[None]] = set()
        self.port = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self.pumps.add(task)
            task.add_done_callback(self.pumps.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    def cut(self) -> None:
        self.down = True
        for writer in self.writers:
            writer.close()
        self.writers.clear()

    def restore(self) -> None:
        self.down = False

    async def stop(self) -> None:
        self.cut()
        for task in list(self.pumps):
            task.cancel()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def relay(redis_url: str) -> AsyncIterator[Relay]:
    parts = urlsplit(redis_url)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 6379)
    await relay.start()
    yield relay
    await relay.stop()


class TestRedisOutage:
    async def test_local_stations_keep_working_and_the_registry_is_repaired_after(
        self, start_node: StartNode, relay: Relay, redis_url: str
    ) -> None:
        path = urlsplit(redis_url).path or "/0"
        a = await start_node("A", ttl=1.0, url=f"redis://127.0.0.1:{relay.port}{path}")
        b = await start_node("B", sync_every=0.2)
        staying, leaving, arriving = FakeLink(1), FakeLink(2), FakeLink(3)
        await a.attach(staying)
        await a.attach(leaving)
        await until(lambda: b.is_online(1) and b.is_online(2))

        relay.cut()
        # A's own stations answer, and connections come and go, without waiting on Redis.
        assert await asyncio.wait_for(a.call(1, "Reset", {"type": "Soft"}, 5), 5)
        assert await asyncio.wait_for(a.detach(leaving), 5) is True
        await asyncio.wait_for(a.attach(arriving), 5)
        assert a.is_online(1) and a.is_online(3) and not a.is_online(2)
        # Seen from B, A's keys run out: its stations show offline until A is back.
        await until(lambda: not b.is_online(1), within=1.0 + 0.2 + 3.0)

        relay.restore()
        await until(lambda: b.is_online(1) and b.is_online(3), within=10.0)
        assert not b.is_online(2)
        assert await b.call(3, "Reset", {"type": "Hard"}, 5) == {"status": "Accepted"}
        assert arriving.calls == [("Reset", {"type": "Hard"}, 5)]
        assert not staying.closed.is_set() and not arriving.closed.is_set()
