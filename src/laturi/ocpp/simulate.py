"""Running simulated stations: connect, reconnect with backoff, reboot on reset."""

from __future__ import annotations

import asyncio
import base64
import logging

import websockets

from laturi.ocpp.simulator import SimConfig, SimulatedStation

log = logging.getLogger("laturi.simulator")


def _headers(identifier: str, password: str | None) -> dict[str, str] | None:
    if not password:
        return None
    token = base64.b64encode(f"{identifier}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _address(config: SimConfig, identifier: str) -> str:
    tenant = f"{config.organization}/" if config.organization else ""
    return f"{config.url.rstrip('/')}/ocpp/{tenant}{identifier}"


async def run_station(identifier: str, config: SimConfig) -> None:
    """Keep one simulated station connected: reconnect with backoff, reboot on reset."""
    backoff = 1.0
    while True:
        try:
            async with websockets.connect(
                _address(config, identifier),
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                additional_headers=_headers(identifier, config.password),
                open_timeout=30,
                ping_interval=None,
            ) as ws:
                backoff = 1.0
                await _serve(SimulatedStation(identifier, ws, config))
        except (OSError, websockets.WebSocketException, TimeoutError) as err:
            # The server restarting or refusing us: try again, slower each time, as stations do.
            log.info("%s: %s; retrying in %.0f s", identifier, err, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 60.0)


async def _serve(station: SimulatedStation) -> None:
    reader = asyncio.create_task(station.start())
    life = asyncio.create_task(station.live())
    try:
        done, _ = await asyncio.wait({reader, life}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (reader, life):
            task.cancel()
        await asyncio.gather(reader, life, return_exceptions=True)
    for task in done:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error


async def simulate(config: SimConfig, *, ramp: float = 0.0) -> None:
    """Run every configured station until cancelled; `ramp` spreads the connections."""
    tasks = []
    for identifier in config.identifiers:
        tasks.append(asyncio.create_task(run_station(identifier, config)))
        if ramp:
            await asyncio.sleep(ramp)
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
