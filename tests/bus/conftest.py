"""Redis for the bus tests: the real server, a key prefix of each test's own, nodes to start.

Redis comes from LATURI_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). Unreachable, the
tests skip, or fail under LATURI_TEST_REQUIRE_ALL=1. Pub/sub channels are not scoped by
database number, so isolation is by prefix: parallel runs never hear each other.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from laturi.bus import Payload
from laturi.bus.redis import RedisBus
from tests.conftest import missing
from tests.fixtures.wait import eventually

REDIS_URL = os.environ.get("LATURI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

StartNode = Callable[..., Awaitable[RedisBus]]


class FakeLink:
    """A station connection as the bus sees it: answers, or raises, what the test says."""

    def __init__(
        self,
        station_id: int,
        *,
        answer: Payload | None = None,
        error: Exception | None = None,
        delay: float = 0.0,
    ) -> None:
        self.station_id = station_id
        self.answer = answer if answer is not None else {"status": "Accepted"}
        self.error = error
        self.delay = delay
        self.calls: list[tuple[str, Payload, float]] = []
        self.closed = asyncio.Event()

    async def call(self, action: str, payload: Payload, answer_within: float) -> Payload:
        self.calls.append((action, payload, answer_within))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.answer

    async def close(self) -> None:
        self.closed.set()


async def until(check: Callable[[], object], within: float = 5.0) -> None:
    """Wait for a synchronous condition (a node's presence copy) to hold."""

    async def probe() -> object:
        return check()

    await eventually(probe, within=within)


@pytest.fixture
async def redis_url() -> str:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (RedisError, OSError) as err:
        missing(f"Redis unreachable at {REDIS_URL}: {err}")
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """A key and channel prefix for this test alone; its keys are deleted after."""
    name = f"laturi-test-{secrets.token_hex(4)}"
    yield name
    keys = [key async for key in redis.scan_iter(match=f"{name}:*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
async def start_node(redis_url: str, prefix: str) -> AsyncIterator[StartNode]:
    """start_node("A", ttl=, sync_every=, url=): a started RedisBus, stopped after the test."""
    started: list[RedisBus] = []

    async def start(
        name: str, *, ttl: float = 30.0, sync_every: float = 10.0, url: str | None = None
    ) -> RedisBus:
        node_id = f"{name}-{prefix}"
        bus = RedisBus(
            url or redis_url, prefix=prefix, node_id=node_id, ttl=ttl, sync_every=sync_every
        )
        await bus.start()
        started.append(bus)
        return bus

    yield start
    for bus in started:
        await bus.stop()
