"""The in-process bus: a dictionary of live connections in this node."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from laturi.bus import Payload, StationLink, StationOffline

log = logging.getLogger("laturi.bus")


class LocalBus:
    """Station id -> its live link, in this process (one node, no Redis)."""

    def __init__(self) -> None:
        self._links: dict[int, StationLink] = {}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Nothing runs in the background; here so the app treats every bus alike."""
        yield

    def is_online(self, station_id: int) -> bool:
        return station_id in self._links

    def online_count(self) -> int:
        return len(self._links)

    async def attach(self, link: StationLink) -> None:
        old = self._links.get(link.station_id)
        self._links[link.station_id] = link
        if old is not None and old is not link:
            # A station that reconnects before we noticed its old socket died: the newest wins.
            log.info("station %s reconnected; closing its older connection", link.station_id)
            try:
                await old.close()
            except Exception:  # the old socket's trouble must never cost the new connection
                log.exception("station %s: closing the older connection failed", link.station_id)

    async def detach(self, link: StationLink) -> bool:
        if self._links.get(link.station_id) is link:
            del self._links[link.station_id]
            return True
        return False

    async def call(
        self, station_id: int, action: str, payload: Payload, answer_within: float
    ) -> Payload:
        link = self._links.get(station_id)
        if link is None:
            raise StationOffline()
        return await link.call(action, payload, answer_within)

    async def disconnect(self, station_id: int) -> None:
        link = self._links.pop(station_id, None)
        if link is not None:
            await link.close()
