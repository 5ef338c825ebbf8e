"""One database session per OCPP message; on SQLite, one writing message at a time.

SQLite has a single writer. Left to itself, concurrent writers wait in SQLite's busy
handler, which sleeps in growing steps: under load that turns milliseconds into seconds.
Queueing them here, in order, keeps every message's transaction short and its wait fair.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database


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
