"""OCPP load benchmark: starts a Laturi server and a load generator, prints the figures.

    .venv/bin/python benchmarks/ocpp_load.py --stations 5000 --database sqlite
    .venv/bin/python benchmarks/ocpp_load.py --stations 5000 \
        --database postgresql+asyncpg://postgres@127.0.0.1:5432/bench

Figures: stations connected and heartbeating, server memory per idle connection,
MeterValues persisted per second (with answer latency), Authorize p50/p99 latency.
The server runs in its own process (uvicorn, wsproto, as `laturi serve`); the load
generator runs here, with plain `websockets` clients to stay light.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import websockets
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def fresh_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


def prepare(url: str, stations: int) -> None:
    """Migrate and add one organisation with `stations` free-charging stations."""
    env = {**os.environ, "LATURI_DATABASE_URL": url}
    subprocess.run([BIN / "laturi", "db", "upgrade"], env=env, check=True, capture_output=True)
    code = f"""
import asyncio
from sqlalchemy import insert, text
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
        rows = [dict(organization_id=org.id, group_id=group.id, name=f"B{{n:05d}}",
                     identifier=f"B{{n:05d}}", free_charging=True, connected=False, version=1,
                     created_at=utcnow()) for n in range({stations})]
        await s.execute(insert(Station), rows)
    await db.dispose()

asyncio.run(main())
"""
    subprocess.run([BIN / "python", "-c", code], env=env, check=True)


def start_server(url: str, port: int, log_messages: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LATURI_DATABASE_URL": url,
        "LATURI_OCPP_HEARTBEAT_INTERVAL": "60",
        "LATURI_OCPP_LOG_MESSAGES": "true" if log_messages else "false",
        "PYTHONPATH": os.environ.get("BENCH_SERVER_PYTHONPATH", ""),
    }
    server = subprocess.Popen(
        [BIN / "laturi", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not start")


class Station:
    """A minimal OCPP 1.6J client: one call at a time, answers matched by unique id."""

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        self.ws: Any = None

    async def connect(self, base: str) -> None:
        self.ws = await websockets.connect(
            f"{base}/ocpp/bench/{self.identifier}",  # the tenant in the path, as deployed
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            open_timeout=120,
            ping_interval=None,
            max_queue=4,
            write_limit=4096,
        )

    async def call(self, action: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
        unique_id = uuid.uuid4().hex[:16]
        started = time.perf_counter()
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        while True:
            answer = json.loads(await self.ws.recv())
            if answer[1] == unique_id:
                elapsed = time.perf_counter() - started
                if answer[0] != 3:
                    raise RuntimeError(f"{action}: {answer}")
                return answer[2], elapsed


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


async def connect_all(base: str, first: int, count: int, concurrency: int = 200) -> list[Station]:
    stations = [Station(f"B{n:05d}") for n in range(first, first + count)]
    gate = asyncio.Semaphore(concurrency)

    async def one(station: Station) -> None:
        async with gate:
            await station.connect(base)
            await station.call(
                "BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "B1"}
            )
            await station.call(
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
            )

    await asyncio.gather(*(one(s) for s in stations))
    return stations


async def heartbeat_all(stations: list[Station]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(s.call("Heartbeat", {}) for s in stations))
    return time.perf_counter() - started


async def heartbeat_loop(stations: list[Station], seconds: float) -> list[float]:
    """Closed loop: each station sends its next Heartbeat as soon as the last is answered."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def loop(station: Station) -> None:
        while time.perf_counter() < deadline:
            latencies.append((await station.call("Heartbeat", {}))[1])

    await asyncio.gather(*(loop(s) for s in stations))
    return latencies


async def start_transactions(stations: list[Station]) -> list[int]:
    answers = await asyncio.gather(
        *(
            s.call(
                "StartTransaction",
                {"connectorId": 1, "idTag": "BENCH", "meterStart": 0, "timestamp": now()},
            )
            for s in stations
        )
    )
    return [answer["transactionId"] for answer, _ in answers]


async def meter_values(
    stations: list[Station], transactions: list[int], seconds: float, rate: float | None
) -> tuple[int, list[float]]:
    """Each station sends MeterValues: at `rate` per second in all (paced), or as fast as
    answers come (rate None: the most the server takes)."""
    deadline = time.perf_counter() + seconds
    interval = len(stations) / rate if rate else 0.0
    latencies: list[float] = []

    async def loop(n: int, station: Station, tx: int) -> None:
        wh, due = 0, time.perf_counter() + interval * n / len(stations)
        while due < deadline:
            if interval:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                due += interval
            else:
                due = time.perf_counter()
            wh += 10
            sampled = [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "11.0", "measurand": "Power.Active.Import", "unit": "kW"},
            ]
            _, elapsed = await station.call(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": tx,
                    "meterValue": [{"timestamp": now(), "sampledValue": sampled}],
                },
            )
            latencies.append(elapsed)

    await asyncio.gather(
        *(loop(n, s, tx) for n, (s, tx) in enumerate(zip(stations, transactions, strict=True)))
    )
    return len(latencies), latencies


async def authorize(stations: list[Station], rounds: int) -> list[float]:
    latencies: list[float] = []
    for _ in range(rounds):
        answers = await asyncio.gather(*(s.call("Authorize", {"idTag": "BENCH"}) for s in stations))
        latencies += [elapsed for _, elapsed in answers]
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def count_meter_rows(url: str) -> int:
    from laturi.db import Database

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM meter_values"))).scalar_one())
    finally:
        await db.dispose()


async def run(args: argparse.Namespace) -> None:
    if args.database == "sqlite":
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    else:
        url = args.database
        await fresh_postgres(url)
    prepare(url, args.stations)
    port = free_port()
    server = start_server(url, port, args.log_messages)
    base = f"ws://127.0.0.1:{port}"
    try:
        await asyncio.sleep(1)
        half = args.stations // 2
        t0 = time.perf_counter()
        stations = await connect_all(base, 0, half)
        await asyncio.sleep(2)
        idle_rss = rss_kb(server.pid)
        stations += await connect_all(base, half, args.stations - half)
        connect_s = time.perf_counter() - t0
        await asyncio.sleep(2)
        busy_rss = rss_kb(server.pid)
        heartbeat_s = await heartbeat_all(stations)
        cpu_before = cpu_seconds(server.pid)
        beats = await heartbeat_loop(stations[: args.heartbeaters], args.seconds)
        beat_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / max(len(beats), 1)
        active = stations[: args.active]
        transactions = await start_transactions(active)
        rows_before = await count_meter_rows(url)
        cpu_before = cpu_seconds(server.pid)
        paced, paced_latency = await meter_values(active, transactions, args.seconds, args.rate)
        cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / max(paced, 1)
        rows = await count_meter_rows(url) - rows_before
        most, most_latency = await meter_values(active, transactions, args.seconds, None)
        auth = await authorize(stations[: args.authorizers], 10)
        print(json.dumps({"database": url.split(":", 1)[0], "stations": args.stations}))
        print(
            f"stations connected:            {len(stations)} (boot + status in {connect_s:.1f} s)"
        )
        print(f"heartbeat from every station:  answered in {heartbeat_s:.2f} s")
        print(
            f"Heartbeat, {args.heartbeaters} stations in a closed loop: "
            f"{len(beats) / args.seconds:.0f}/s, p50 {pct(beats, 0.5):.1f} ms,"
            f" p99 {pct(beats, 0.99):.1f} ms, max {max(beats) * 1000:.0f} ms;"
            f" server CPU {beat_cpu_ms:.2f} ms per Heartbeat"
        )
        added = args.stations - half
        print(
            f"server memory per connection:  {(busy_rss - idle_rss) / added:.1f} KB"
            f"  (RSS {idle_rss / 1024:.0f} MB with {half} -> {busy_rss / 1024:.0f} MB"
            f" with {args.stations})"
        )
        print(
            f"MeterValues at {args.rate:.0f}/s offered: {paced / args.seconds:.0f}/s persisted"
            f" ({rows} rows, 2 per message) by {len(active)} stations,"
            f" p50 {pct(paced_latency, 0.5):.1f} ms, p99 {pct(paced_latency, 0.99):.1f} ms;"
            f" server CPU {cpu_ms:.2f} ms per message"
        )
        print(
            f"MeterValues, as fast as answered: {most / args.seconds:.0f}/s,"
            f" p50 {pct(most_latency, 0.5):.1f} ms, p99 {pct(most_latency, 0.99):.1f} ms"
        )
        print(
            f"Authorize latency:             p50 {pct(auth, 0.5):.1f} ms,"
            f" p99 {pct(auth, 0.99):.1f} ms ({len(auth)} requests,"
            f" {args.authorizers} stations at a time)"
        )
        for station in stations:
            await station.ws.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--active", type=int, default=200, help="stations sending MeterValues")
    parser.add_argument("--rate", type=float, default=1000.0, help="MeterValues/s offered")
    parser.add_argument("--heartbeaters", type=int, default=200, help="Heartbeat closed loop")
    parser.add_argument("--authorizers", type=int, default=20, help="concurrent Authorize")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database", default="sqlite", help="sqlite or a postgresql URL")
    parser.add_argument("--log-messages", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    asyncio.run(run(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
