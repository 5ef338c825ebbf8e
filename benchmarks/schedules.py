"""The scheduler: a group task over N connected stations, due-run start delay, idle tasks' cost.

Serves the app (uvicorn, in this process) on a fresh SQLite file (or a throw-away PostgreSQL
database with --database), connects N plain-`websockets` stations that answer every command
Accepted, and prints:

1. a "Max current allowed per charging group" task over all N stations: time from its claim
   until every target's result is recorded;
2. the start delay of due runs picked up by the scheduler loop (1 s tick): started_at - due;
3. Heartbeat round trips from 50 stations with no tasks, then with --tasks active tasks
   (due later), and the scheduler's claim query with them in place.

    .venv/bin/python benchmarks/schedules.py [--stations 1000] [--tasks 10000] [--database URL]

Prints figures; asserts nothing. Load generator and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
import websockets
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from laturi.app import create_app
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup, ScheduledTask, Station, TaskRun
from laturi.organizations.service import create_organization
from laturi.schedules import repository
from laturi.schedules.runner import Scheduler


class SimStation:
    """Answers every CALL Accepted; can send Heartbeats and time them."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.task = asyncio.create_task(self._serve())

    async def _serve(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame[0] == 2:
                    await self.ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
                elif frame[0] == 3 and frame[1] in self.pending:
                    self.pending.pop(frame[1]).set_result(frame[2])

    async def heartbeat(self) -> float:
        uid = secrets.token_hex(6)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[uid] = future
        began = time.perf_counter()
        await self.ws.send(json.dumps([2, uid, "Heartbeat", {}]))
        await future
        return time.perf_counter() - began


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[int, Any]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(settings)
    config = uvicorn.Config(app, ws="wsproto", ws_per_message_deflate=False, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    try:
        yield sock.getsockname()[1], app
    finally:
        server.should_exit = True
        await task


async def setup(database: Database, stations: int) -> tuple[int, int, list[str]]:
    async with database.session() as session:
        org = await create_organization(session, "Bench", "Bench root")
        root = (await session.scalars(select(ChargingGroup))).one()
        names = [f"BENCH{n:05d}" for n in range(stations)]
        rows = [
            {"organization_id": org.id, "group_id": root.id, "name": n, "identifier": n}
            for n in names
        ]
        await session.execute(insert(Station), rows)
        return org.id, root.id, names


def ms(values: list[float], q: int) -> str:
    if len(values) < 2:
        return f"{values[0] * 1000:.1f} ms"
    return f"{statistics.quantiles(values, n=100)[q - 1] * 1000:.1f} ms"


async def heartbeats(sims: list[SimStation], rounds: int) -> list[float]:
    times: list[float] = []
    for _ in range(rounds):
        times += await asyncio.gather(*(s.heartbeat() for s in sims))
    return times


def task_row(org: int, group: int, **fields: Any) -> dict[str, Any]:
    now = utcnow()
    row = {
        "organization_id": org,
        "scope_group_id": group,
        "name": "bench",
        "task_type": "group_current",
        "key_id": group,
        "max_current": 16,
        "schedule": "once",
        "hour": 0,
        "minute": 0,
        "weekdays": "",
        "active": True,
        "updated_at": now,
        "created_at": now,
        "version": 1,
    }
    return row | fields


async def group_task(app: Any, database: Database, org: int, group: int, n: int) -> None:
    now = utcnow()
    async with database.session() as session:
        await session.execute(
            insert(ScheduledTask), [task_row(org, group, next_run_at=now, run_at=now)]
        )
    scheduler = app.state.scheduler
    began = time.perf_counter()
    started = await scheduler.tick(now)
    claimed = time.perf_counter() - began
    await scheduler.drain()
    took = time.perf_counter() - began
    async with database.sessions() as session:
        run = await session.get(TaskRun, started[0])
        assert run is not None
    print(
        f"group task over {n} connected stations: claimed (with {run.targets} targets) in "
        f"{claimed:.2f} s, every result recorded in {took:.2f} s; failed: {run.failed}"
    )


async def start_delays(database: Database, settings: Settings, org: int, group: int) -> None:
    """Runs due a few seconds ahead, picked up by the app's own loop."""
    loop_settings = settings.model_copy(update={"scheduler_enabled": True})
    async with serving(loop_settings) as (_port, _app):
        now = utcnow()
        dues = [now + timedelta(seconds=2 + 1.7 * n) for n in range(8)]
        rows = [task_row(org, group, key_id=10**9, next_run_at=d, run_at=d) for d in dues]
        async with database.session() as session:
            await session.execute(insert(ScheduledTask), rows)
        await asyncio.sleep(dues[-1].timestamp() - utcnow().timestamp() + 3)
    async with database.sessions() as session:
        runs = (await session.scalars(select(TaskRun).where(TaskRun.due_at.in_(dues)))).all()
    delays = [(r.started_at - r.due_at).total_seconds() for r in runs if r.started_at]
    print(
        f"due-run start delay over {len(delays)} runs "
        f"(loop tick {settings.scheduler_tick_seconds:g} s): "
        f"p50 {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
    )


async def idle_tasks(
    app: Any, database: Database, sims: list[SimStation], org: int, group: int, tasks: int
) -> None:
    """Heartbeats with the scheduler loop running, without and then with `tasks` active tasks."""
    settings = app.state.settings.model_copy(update={"scheduler_enabled": True})
    looping = Scheduler(settings, database, app.state.bus)
    async with looping.running():
        await asyncio.sleep(2)  # past the loop's first pass
        before = await heartbeats(sims, 20)
        later = utcnow() + timedelta(days=30)
        rows = [
            task_row(org, group, next_run_at=later, run_at=later, name=f"idle {n}")
            for n in range(tasks)
        ]
        async with database.session() as session:
            for start in range(0, tasks, 2000):
                await session.execute(insert(ScheduledTask), rows[start : start + 2000])
        await asyncio.sleep(2)
        after = await heartbeats(sims, 20)
    # The same tasks with no loop at all: what is left is the machine's own variation.
    without_loop = await heartbeats(sims, 20)
    claims = []
    for _ in range(20):
        began = time.perf_counter()
        async with database.session() as session:
            (await session.scalars(repository.due_tasks(utcnow(), 200))).all()
        claims.append(time.perf_counter() - began)
    print(
        "Heartbeat round trip, 50 stations x 20, scheduler loop running: "
        f"no tasks p50 {ms(before, 50)} p99 {ms(before, 99)}; "
        f"{tasks} active tasks p50 {ms(after, 50)} p99 {ms(after, 99)}; "
        f"then loop stopped p50 {ms(without_loop, 50)} p99 {ms(without_loop, 99)}"
    )
    print(
        f"claim query with {tasks} active tasks (none due): "
        f"p50 {ms(claims, 50)}, max {max(claims) * 1000:.1f} ms"
    )


async def main(stations: int, tasks: int, pg_url: str | None) -> None:
    dropper = None
    if pg_url:
        name = f"laturi_bench_{secrets.token_hex(4)}"
        admin = make_url(pg_url)
        conn = await asyncpg.connect(
            host=admin.host, port=admin.port or 5432, user=admin.username, database=admin.database
        )
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        url = admin.set(database=name).render_as_string(hide_password=False)
        dropper = (admin, name)
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    settings = Settings(database_url=url, scheduler_enabled=False, ocpp_log_messages=False)
    org, group, names = await setup(database, stations)
    print(f"database: {url.split(':')[0]}, {stations} stations")
    async with serving(settings) as (port, app):
        sims = []
        began = time.perf_counter()
        for batch in range(0, len(names), 100):
            sockets = await asyncio.gather(
                *(
                    websockets.connect(f"ws://127.0.0.1:{port}/ocpp/{n}", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
                    for n in names[batch : batch + 100]
                )
            )
            sims += [SimStation(ws) for ws in sockets]
        print(f"connected {len(sims)} stations in {time.perf_counter() - began:.1f} s")
        await group_task(app, database, org, group, stations)
        await idle_tasks(app, database, sims[:50], org, group, tasks)
        for sim in sims:
            await sim.ws.close()
    await start_delays(database, settings, org, group)
    await database.dispose()
    if dropper:
        admin, name = dropper
        conn = await asyncpg.connect(
            host=admin.host, port=admin.port or 5432, user=admin.username, database=admin.database
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument(
        "--database", default=None, help="postgresql+asyncpg://… (a throw-away database is made)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.stations, args.tasks, args.database))
