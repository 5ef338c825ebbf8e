"""One database session per OCPP message; on SQLite, one writing message at a time.

SQLite has a single writer. Left to itself, concurrent writers wait in SQLite's busy
handler, which sleeps in growing steps: under load that turns milliseconds into seconds.
Queueing them here, in order, keeps every message's transaction short and its wait fair.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database

log = logging.getLogger("laturi.ocpp")
T = TypeVar("T")


class Units:
    """Hands out the session of one unit of work (a message, a batch of log frames)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._writer = asyncio.Lock() if database.url.startswith("sqlite") else None

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session committed at the end of the block (rolled back on error)."""
        if self._writer is None:
            async with self.database.session() as session:
                yield session
            return
        async with self._writer, self.database.session() as session:
            yield session


class Batcher(Generic[T]):
    """Group commit: messages arriving while a write is under way share the next one.

    Each caller still gets its answer only after its data is committed. With one message
    at a time it is written at once, as before; under load, a thousand stations' MeterValues
    need a few dozen transactions a second instead of a thousand.
    """

    def __init__(
        self,
        units: Units,
        work: Callable[[AsyncSession, list[T]], Awaitable[None]],
        *,
        most: int = 500,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._on_batch = on_batch
        self._units = units
        self._work = work
        self._most = most
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._draining = False
        # The loop holds tasks weakly: keep the drain alive until it is done.
        self._drain_task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Write `item` with whatever else is waiting; returns once it is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._draining:
            self._draining = True
            self._drain_task = asyncio.get_running_loop().create_task(self._drain())
        await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                await self._write(batch)
        finally:
            self._draining = False

    async def _write(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        if self._on_batch is not None:
            self._on_batch(len(batch))
        try:
            async with self._units.session() as session:
                await self._work(session, [item for item, _ in batch])
        except Exception as err:  # noqa: BLE001 - handed to the waiting handler, which answers
            if len(batch) == 1:
                _settle(batch, err)
                return
            # One bad message must not fail the others: write each on its own.
            log.warning("batch of %d failed (%s); writing them one by one", len(batch), err)
            for one in batch:
                await self._write([one])
            return
        _settle(batch, None)


def _settle(batch: list[tuple[T, asyncio.Future[None]]], err: Exception | None) -> None:
    for _, future in batch:
        if future.done():
            continue
        if err is None:
            future.set_result(None)
        else:
            future.set_exception(err)
