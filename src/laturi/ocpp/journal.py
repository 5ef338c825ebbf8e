"""The OCPP message log writer: frames are buffered and written in batches.

Writing each frame in its own transaction would double the database work of every
message; a batch every tenth of a second costs little. A crash loses at most that much of
the log, never a transaction or a meter value (those are written by the handlers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from laturi.kit.time import utcnow
from laturi.models.station_event import Direction
from laturi.ocpp.units import Units
from laturi.stations import repository

log = logging.getLogger("laturi.ocpp.journal")

MAX_PAYLOAD = 65_536
MAX_BUFFER = 50_000  # beyond this the database is not keeping up: drop, do not grow
# Small, frequent batches: a big one holds the event loop (and SQLite's writer) long
# enough to show in every station's answer time.
BATCH = 250


class MessageJournal:
    """Collects frames from every connection and writes them in batches."""

    def __init__(self, units: Units, *, enabled: bool = True, interval: float = 0.1) -> None:
        self._units = units
        self._enabled = enabled
        self._interval = interval
        self._rows: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    def record(
        self,
        station_id: int,
        direction: Direction,
        raw: str,
        message_type: int | None,
        unique_id: str | None,
        action: str | None,
    ) -> None:
        if not self._enabled or len(self._rows) >= MAX_BUFFER:
            return
        self._rows.append(
            {
                "station_id": station_id,
                "direction": direction,
                "message_type": message_type,
                "unique_id": unique_id,
                "action": action,
                "payload": raw[:MAX_PAYLOAD],
                "at": utcnow(),
            }
        )
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._rows:
            await asyncio.sleep(self._interval)
            await self.flush()

    async def flush(self) -> None:
        """Write what is buffered now, a batch at a time."""
        while self._rows:
            rows, self._rows = self._rows[:BATCH], self._rows[BATCH:]
            await self._write(rows)

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            async with self._units.session() as session:
                await repository.add_messages(session, rows)
        except Exception:
            log.exception("could not write %d OCPP frames to the message log", len(rows))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
