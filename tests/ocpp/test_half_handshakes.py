"""A half-sent WebSocket handshake is dropped, not held open (issue 12, §4)."""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI

from laturi.serving import HeaderTimeoutProtocol
from tests.fixtures.server import serving
from tests.fixtures.station import connected
from tests.ocpp.conftest import Site


class QuickTimeout(HeaderTimeoutProtocol):
    header_timeout = 0.5


async def test_a_half_sent_handshake_is_closed_and_a_whole_one_still_served(
    app: FastAPI, site: Site
) -> None:
    async with serving(app, http=QuickTimeout) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /ocpp/" + site.identifier.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        await writer.drain()
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # closed by the server
        assert time.monotonic() - started < 3
        writer.close()
        async with connected(f"ws://127.0.0.1:{port}", site.identifier) as station:
            await asyncio.sleep(1)  # longer than the header timeout: an open session stays
            assert (await station.boot()).status == "Accepted"
