"""Issue 12 benchmark: stations with passwords reconnecting at once, and Heartbeats under attack.

    .venv/bin/python benchmarks/hardening.py --storm 10000 --watch 100 --seconds 30
    .venv/bin/python benchmarks/hardening.py --database postgresql+asyncpg://postgres@127.0.0.1/bench

Two figures, with `laturi serve` in its own process and the clients here:
1. Reconnect storm: `--storm` stations with passwords (Basic auth, profile 1) connect at once
   (at most `--concurrency` handshakes in flight) and boot; how long until all are booted,
   and the Heartbeat latency of `--watch` stations already connected meanwhile.
2. Attack: the `--watch` stations each send a Heartbeat every second while `--bad-handshakes`
   wrong-password handshakes and `--bad-logins` wrong panel log-ins arrive per second for
   `--seconds`; Heartbeat p50/p99/max, and how the attacks were answered.
All clients come from 127.0.0.1, so the per-address throttles apply to the attacker.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ocpp_load import BIN, Station, free_port, fresh_postgres, start_server


def prepare(url: str, stations: int) -> None:
    """Migrate; one organisation whose stations S00000… have the password pw-S00000…."""
    env = {**os.environ, "LATURI_DATABASE_URL": url}
    subprocess.run([BIN / "laturi", "db", "upgrade"], env=env, check=True, capture_output=True)
    code = f"""
import asyncio
from sqlalchemy import insert
from laturi.auth.secrets import hash_station_secret
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup, Organization, Station

async def main():
    db = Database({url!r})
    async with db.session() as s:
        org = Organization(name="Bench", slug="bench")
        s.add(org)
        await s.flush()
        group = ChargingGroup(organization_id=org.id, name="Bench")
        s.add(group)
        await s.flush()
        rows = [dict(organization_id=org.id, group_id=group.id, name=f"S{{n:05d}}",
                     identifier=f"S{{n:05d}}", free_charging=True, connected=False, version=1,
                     password_hash=hash_station_secret(f"pw-S{{n:05d}}-0123456789abcdef"),
                     created_at=utcnow()) for n in range({stations})]
        await s.execute(insert(Station), rows)
    await db.dispose()

asyncio.run(main())
"""
    subprocess.run([BIN / "python", "-c", code], env=env, check=True)


def auth(identifier: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{identifier}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Secured(Station):
    async def connect(self, base: str) -> None:
        self.ws = await websockets.connect(
            f"{base}/ocpp/bench/{self.identifier}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers=auth(self.identifier, f"pw-{self.identifier}-0123456789abcdef"),
            open_timeout=300,
            ping_interval=None,
            max_queue=4,
            write_limit=4096,
        )


async def boot(base: str, station: Station) -> None:
    await station.connect(base)
    await station.call("BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "B1"})


class Watch:
    """Stations already connected, each sending a Heartbeat every second."""

    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations = stations
        self.latencies: list[float] = []
        self.errors = 0
        self.running = True

    async def run(self) -> None:
        async def one(station: Station) -> None:
            await asyncio.sleep(random.random())
            while self.running:
                started = time.monotonic()
                try:
                    _, elapsed = await station.call("Heartbeat", {})
                    self.latencies.append(elapsed)
                except RuntimeError:  # a CallError: counted, and the station goes on
                    self.errors += 1
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

        await asyncio.gather(*(one(s) for s in self.stations))

    def figures(self) -> str:
        if not self.latencies:
            return "no heartbeats"
        ms = sorted(x * 1000 for x in self.latencies)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        return (
            f"{len(ms)} heartbeats, p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, "
            f"max {ms[-1]:.0f} ms, {self.errors} answered with a CallError"
        )


async def storm(base: str, first: int, count: int, concurrency: int) -> tuple[float, int]:
    gate = asyncio.Semaphore(concurrency)
    failed = 0
    stations = [Secured(f"S{n:05d}") for n in range(first, first + count)]

    async def one(station: Station) -> None:
        nonlocal failed
        async with gate:
            try:
                await boot(base, station)
            except (OSError, TimeoutError, RuntimeError, websockets.WebSocketException):
                failed += 1

    started = time.monotonic()
    await asyncio.gather(*(one(s) for s in stations))
    took = time.monotonic() - started
    for s in stations:
        if s.ws is not None:
            await s.ws.close()
    return took, failed


async def bad_handshakes(base: str, per_second: int, seconds: float, count: int) -> dict[str, int]:
    outcomes: collections.Counter[str] = collections.Counter()

    async def one() -> None:
        identifier = f"S{random.randrange(count):05d}"
        try:
            async with websockets.connect(
                f"{base}/ocpp/bench/{identifier}",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                additional_headers=auth(identifier, "wrong-password-guess"),
                open_timeout=30,
            ):
                outcomes["admitted"] += 1
        except websockets.InvalidStatus as err:
            outcomes[str(err.response.status_code)] += 1
        except (OSError, TimeoutError, websockets.WebSocketException) as err:
            outcomes[type(err).__name__] += 1

    await _paced(one, per_second, seconds)
    return dict(outcomes)


async def bad_logins(http: str, per_second: int, seconds: float) -> dict[str, int]:
    outcomes: collections.Counter[str] = collections.Counter()
    async with httpx.AsyncClient(base_url=http, timeout=60) as client:
        await client.get("/login")
        token = client.cookies.get("laturi_csrf") or ""

        async def one() -> None:
            name = random.choice(["admin", "alpha", f"user{random.randrange(1000)}"])
            try:
                answer = await client.post(
                    "/login",
                    data={"username": name, "password": "Wrong-guess-1", "csrf_token": token},
                )
                outcomes[str(answer.status_code)] += 1
            except httpx.HTTPError as err:
                outcomes[type(err).__name__] += 1

        await _paced(one, per_second, seconds)
    return dict(outcomes)


async def _paced(work: Any, per_second: int, seconds: float) -> None:
    tasks = []
    started = time.monotonic()
    for n in range(int(per_second * seconds)):
        await asyncio.sleep(max(0.0, started + n / per_second - time.monotonic()))
        tasks.append(asyncio.create_task(work()))
    await asyncio.gather(*tasks)


async def measure(args: argparse.Namespace, base: str, http: str) -> None:
    watch = [Secured(f"S{n:05d}") for n in range(args.watch)]
    for station in watch:
        await boot(base, station)

    quiet = Watch(watch)
    task = asyncio.create_task(quiet.run())
    await asyncio.sleep(5)
    quiet.running = False
    await task
    print(f"idle, {args.watch} stations: {quiet.figures()}")

    during = Watch(watch)
    task = asyncio.create_task(during.run())
    took, failed = await storm(base, args.watch, args.storm, args.concurrency)
    during.running = False
    await task
    print(
        f"reconnect storm: {args.storm} stations with passwords booted in {took:.1f} s "
        f"({failed} failed); meanwhile {during.figures()}"
    )

    attacked = Watch(watch)
    task = asyncio.create_task(attacked.run())
    handshakes, logins = await asyncio.gather(
        bad_handshakes(base, args.bad_handshakes, args.seconds, args.watch + args.storm),
        bad_logins(http, args.bad_logins, args.seconds),
    )
    attacked.running = False
    await task
    print(
        f"under attack for {args.seconds:g} s ({args.bad_handshakes} wrong-password "
        f"handshakes/s, {args.bad_logins} wrong log-ins/s): {attacked.figures()}"
    )
    print(f"  handshakes answered: {handshakes}")
    print(f"  log-ins answered: {logins}")
    for station in watch:
        await station.ws.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--storm", type=int, default=10_000)
    parser.add_argument("--watch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--bad-handshakes", type=int, default=100)
    parser.add_argument("--bad-logins", type=int, default=50)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        else:
            url = args.database
            asyncio.run(fresh_postgres(url))
        prepare(url, args.watch + args.storm)
        port = free_port()
        server = start_server(url, port, log_messages=True)
        try:
            asyncio.run(measure(args, f"ws://127.0.0.1:{port}", f"http://127.0.0.1:{port}"))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
