"""How the dashboard, group statistics, reports and the CSV export scale.

Generates an organisation (a group tree, stations with a charging point each, charging users
with a token each) and sessions ended over the last 13 months with energy-register meter
values, then times over the REST API (in-process ASGI, so serialising is included):
the dashboard's figures, a group's statistics and a month's report (first page) for an
operator of the whole organisation and one of a small subtree, and a year's CSV of every
session streamed (rows/s, and how much the process's peak memory grew). Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/reports.py [--stations 10000 --users 50000 --sessions 1000000]
        [--samples 4] [--url postgresql+asyncpg://...  (an EMPTY database)]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text

from laturi.app import create_app
from laturi.auth import service as auth
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.kit.pagination import ListQuery
from laturi.kit.time import utcnow
from laturi.models import (
    AuthToken,
    ChargingGroup,
    ChargingPoint,
    ChargingUser,
    MeterValue,
    Operator,
    Station,
    Transaction,
)
from laturi.models.operator import Level
from laturi.organizations.service import create_operator, create_organization
from laturi.reports import service
from laturi.reports.csv_export import Decimals, Options
from laturi.reports.panel.api import csv_response
from laturi.sessions.browse import Filters

RNG = random.Random(9)
CHUNK = 10_000


async def _tree(db: Database, groups: int, stations: int) -> tuple[int, list[int], list[int]]:
    """A group tree (each group under a random earlier one) and stations with one point."""
    async with db.session() as session:
        org = await create_organization(session, "Bench", "Root")
        ids = [(await session.scalars(select(ChargingGroup.id))).one()]
        for i in range(groups - 1):
            made = await session.execute(
                insert(ChargingGroup)
                .values(organization_id=org.id, parent_id=RNG.choice(ids), name=f"G{i}", version=1)
                .returning(ChargingGroup.id)
            )
            ids.append(made.scalar_one())
        rows = [
            {"organization_id": org.id, "group_id": RNG.choice(ids), "name": f"S{i}",
             "identifier": f"S{i:06}", "version": 1}
            for i in range(stations)
        ]  # fmt: skip
        await _bulk(session, Station, rows)
        station_ids = list((await session.scalars(select(Station.id))).all())
        points = [
            {"station_id": s, "connector_id": 1, "status": RNG.choice(("Available", "Charging"))}
            for s in station_ids
        ]
        await _bulk(session, ChargingPoint, points)
    return org.id, ids, station_ids


async def _users(db: Database, org: int, count: int) -> list[tuple[int, int, str]]:
    now = utcnow()
    async with db.session() as session:
        users = [
            {"organization_id": org, "first_name": f"First{i}", "last_name": f"Last{i}",
             "active": True, "updated_at": now, "created_at": now, "version": 1}
            for i in range(count)
        ]  # fmt: skip
        await _bulk(session, ChargingUser, users)
        user_ids = list((await session.scalars(select(ChargingUser.id))).all())
        tokens = [
            {"organization_id": org, "charging_user_id": u, "id_tag": f"T{u:08}",
             "id_tag_key": f"t{u:08}", "name": "Card", "active": True, "valid_from": now}
            for u in user_ids
        ]  # fmt: skip
        await _bulk(session, AuthToken, tokens)
        found = await session.execute(select(AuthToken.id, AuthToken.charging_user_id))
        return [(u, t, f"First{u} Last{u}") for t, u in found]


async def _sessions(
    db: Database, stations: list[int], people: list[tuple[int, int, str]], count: int, samples: int
) -> None:
    """Sessions ended uniformly over 400 days, each with `samples` energy readings."""
    now = utcnow()
    meters = dict.fromkeys(stations, 0)
    async with db.session() as session:
        next_id = 1
        for start in range(0, count, CHUNK):
            txs, values = [], []
            for n in range(start, min(start + CHUNK, count)):
                station = RNG.choice(stations)
                user, token, name = RNG.choice(people)
                ended = now - timedelta(seconds=RNG.randrange(400 * 86400))
                began = ended - timedelta(minutes=RNG.randrange(20, 240))
                used = RNG.randrange(1000, 40000)
                meter = meters[station]
                meters[station] += used
                txs.append(
                    {"id": next_id + n, "station_id": station, "connector_id": 1,
                     "id_tag": f"T{token:08}", "token_id": token, "charging_user_id": user,
                     "charging_user_name": name, "token_name": "Card",
                     "authorization_status": "Accepted", "free_charging": False,
                     "meter_start": meter, "started_at": began, "meter_stop": meter + used,
                     "stopped_at": ended, "stop_reason": "Local", "closed_at_reboot": False,
                     "created_at": began}
                )  # fmt: skip
                step = (ended - began) / max(samples - 1, 1)
                values += [
                    {"station_id": station, "connector_id": 1, "transaction_id": next_id + n,
                     "sampled_at": began + step * k, "measurand": "Energy.Active.Import.Register",
                     "unit": "Wh", "value": meter + used * k // max(samples - 1, 1)}
                    for k in range(samples)
                ]  # fmt: skip
            await session.execute(insert(Transaction), txs)
            await _bulk(session, MeterValue, values)
            await session.commit()
        if db.url.startswith("postgresql"):
            await session.execute(text(f"SELECT setval('transactions_id_seq', {count + 1})"))
            await session.execute(text("ANALYZE"))


async def _bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


async def _operators(db: Database, groups: list[int]) -> dict[str, tuple[str, int]]:
    """API tokens of an admin of the whole tree and of one of a small subtree."""
    made = {}
    async with db.session() as session:
        children: dict[int, int] = {}
        for g in (await session.scalars(select(ChargingGroup))).all():
            if g.parent_id:
                children[g.parent_id] = children.get(g.parent_id, 0) + 1
        small = next((g for g in reversed(groups) if g not in children), groups[-1])
        for name, group_id in (("root", groups[0]), ("sub", small)):
            group = await session.get(ChargingGroup, group_id)
            assert group is not None
            op: Operator = await create_operator(
                session,
                base_group=group,
                username=name,
                email=f"{name}@example.com",
                password="Timing-secret-42",
                level=Level.ADMIN,
            )
            actor = await auth.actor_for(session, op)
            token = (await auth.create_api_token(session, op.id, "bench"))[0]
            made[name] = (token, group_id)
            print(f"operator {name}: base group {group_id}, domain of {len(actor.domain)} groups")
    return made


async def _existing(db: Database) -> dict[str, tuple[str, int]]:
    """Fresh API tokens of the operators an earlier run made."""
    made = {}
    async with db.session() as session:
        for name in ("root", "sub"):
            op = (await session.scalars(select(Operator).where(Operator.username == name))).one()
            made[name] = (
                (await auth.create_api_token(session, op.id, "bench"))[0],
                op.base_group_id,
            )
    return made


async def timed(work: Callable[[], Awaitable[object]], n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(
        f"{label:<52} n={len(times):<4} p50={statistics.median(times):8.1f} ms  p95={p95:8.1f} ms"
    )


async def _api(app_url: str, db: Database, ops: dict[str, tuple[str, int]], n: int) -> None:
    app = create_app(Settings(database_url=app_url), db)
    today = utcnow().date()
    month_end = today.replace(day=1) - timedelta(days=1)
    month = f"from={month_end.replace(day=1)}&to={month_end}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for who, (token, group) in ops.items():
            headers = {"Authorization": f"Bearer {token}"}
            for label, path in (
                ("dashboard (7 days)", "/api/v1/dashboard"),
                ("dashboard (12 months)", "/api/v1/dashboard?frame=12m"),
                ("group statistics (base group)", f"/api/v1/dashboard?group={group}"),
                ("month report, first page", f"/api/v1/reports/charging?{month}&size=8"),
                ("sessions list, first page", "/api/v1/sessions?size=32"),
            ):

                async def get(path: str = path, headers: dict[str, str] = headers) -> object:
                    response = await client.get(path, headers=headers)
                    assert response.status_code == 200, response.text
                    return response

                await timed(get, 2)
                report(f"{label} ({who})", await timed(get, n))
    await _csv(db, today)


async def _csv(db: Database, today: date) -> None:
    """The export as the endpoint streams it (`csv_response`'s body), read in-process: an
    ASGI test client would buffer the whole body and so measure itself, not the server.
    """
    async with db.sessions() as session:
        root = (await session.scalars(select(Operator).where(Operator.username == "root"))).one()
        actor = await auth.actor_for(session, root)
        filters = Filters(first=today - timedelta(days=364), last=today)
        export = await service.prepare_export(
            session, actor, filters, Options(Decimals.COMMA), ListQuery(sort="end")
        )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows, size = 0, 0
    async for piece in csv_response(db, export).body_iterator:
        text_ = piece if isinstance(piece, str) else bytes(piece).decode()
        rows += text_.count("\n")
        size += len(text_)
    took = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"{'CSV of a year, every session (root)':<52} {rows - 1} rows, {size / 1e6:.1f} MB "
        f"in {took:.2f} s = {(rows - 1) / took:,.0f} rows/s; peak memory grew {grown:.1f} MB"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _served_csv(url: str, token: str, today: date) -> None:
    """The year's CSV from `laturi serve` in a process of its own, over a real socket, its
    resident memory sampled every 50 ms while the body streams.
    """
    port = _free_port()
    env = {**os.environ, "LATURI_DATABASE_URL": url}
    laturi = Path(sys.executable).parent / "laturi"
    server = await asyncio.create_subprocess_exec(
        laturi,
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, timeout=600) as client:
            for _ in range(100):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            await client.get("/api/v1/dashboard", headers=headers)  # warm: imports, pools
            first = today - timedelta(days=364)
            path = f"/api/v1/reports/charging.csv?from={first}&to={today}&decimals=comma"
            before = peak = _rss_mb(server.pid)
            rows, sampled = 0, time.perf_counter()
            start = time.perf_counter()
            async with client.stream("GET", path, headers=headers) as response:
                async for chunk in response.aiter_bytes():
                    rows += chunk.count(b"\n")
                    if time.perf_counter() - sampled > 0.05:
                        peak, sampled = max(peak, _rss_mb(server.pid)), time.perf_counter()
            took = time.perf_counter() - start
        print(
            f"{'CSV of a year over HTTP from laturi serve':<52} {rows - 1} rows in {took:.2f} s "
            f"= {(rows - 1) / took:,.0f} rows/s; server RSS {before:.0f} MB -> peak {peak:.0f} MB "
            f"(+{peak - before:.1f} MB)"
        )
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=4, help="meter values per session")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--url", help="an EMPTY database URL (default: a temporary SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="time an earlier run's --url again")
    args = parser.parse_args()
    if args.reuse:
        db = Database(args.url)
        await asyncio.to_thread(upgrade, args.url)
        ops = await _existing(db)
        await _api(args.url, db, ops, args.requests)
        await db.dispose()
        await _served_csv(args.url, ops["root"][0], utcnow().date())
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        start = time.perf_counter()
        org, groups, stations = await _tree(db, args.groups, args.stations)
        people = await _users(db, org, args.users)
        await _sessions(db, stations, people, args.sessions, args.samples)
        print(
            f"generated {args.stations} stations, {args.groups} groups, {args.users} users, "
            f"{args.sessions} sessions x {args.samples} meter values in "
            f"{time.perf_counter() - start:.0f} s ({url.split(':')[0]})"
        )
        ops = await _operators(db, groups)
        await _api(url, db, ops, args.requests)
        await db.dispose()
        await _served_csv(url, ops["root"][0], utcnow().date())


if __name__ == "__main__":
    asyncio.run(main())
