"""Keep Python's garbage collector from pausing a server holding thousands of connections.

Each connection keeps a few dozen long-lived objects (its suspended coroutines, futures,
keep-alive timers), renewed now and then. A full (generation 2) collection walks all of
them: at 5,000 stations the pauses reached a quarter of a second every couple of seconds,
and every station waiting for an answer waited that long too. So every few seconds what
has survived is moved out of the collector's sight (`gc.freeze()`), and the cyclic garbage
that hides there is reclaimed in one go (unfreeze, collect, freeze) when many connections
have closed, or every ten minutes: one pause now and then instead of one every few seconds.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger("laturi.ocpp")

EVERY = 5.0  # seconds between freezes
RECLAIM_EVERY = 600.0  # seconds between reclaims at the latest
RECLAIM_SHARE = 0.1  # reclaim early when this share of the connections closed meanwhile


class Freezer:
    """Counts connections opening and closing; freezes and reclaims in the background."""

    def __init__(self) -> None:
        self.closed = 0
        self.online = 0
        self._reclaimed = time.monotonic()

    def open(self) -> None:
        self.online += 1

    def close(self) -> None:
        self.closed += 1
        self.online -= 1

    async def run(self) -> None:
        while True:
            await asyncio.sleep(EVERY)
            self.tick()

    def tick(self) -> None:
        if not self.online and not self.closed:
            return  # no station connected: nothing to keep quiet for
        due = time.monotonic() - self._reclaimed > RECLAIM_EVERY
        if due or self.closed >= max(100, RECLAIM_SHARE * self.online):
            gc.unfreeze()
            found = gc.collect()
            log.info("reclaimed %d objects (%d connections closed)", found, self.closed)
            self.closed, self._reclaimed = 0, time.monotonic()
        gc.freeze()
