"""How the group list scales with the size of an operator's domain.

Builds an organisation with a deep and wide group tree and many stations, then times the
REST group list (which resolves the domain, counts stations per subtree, sorts and pages)
and a panel page through the real app in-process. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/groups_api.py [--groups 2000] [--stations 10000] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from laturi.app import create_app
from laturi.auth import service as auth
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.models import ChargingGroup, Station
from laturi.models.operator import Level
from laturi.organizations.service import create_operator, create_organization


async def seed(db: Database, groups: int, stations: int) -> str:
    """A random tree (each group under an earlier one) with stations spread over it."""
    rng = random.Random(7)
    async with db.session() as session:
        org = await create_organization(session, "Bench", "Root")
        root_id = (await session.scalars(select(ChargingGroup.id))).one()
        ids = [root_id]
        for i in range(groups - 1):
            parent = ids[rng.randrange(len(ids))]
            result = await session.execute(
                insert(ChargingGroup)
                .values(organization_id=org.id, parent_id=parent, name=f"G{i:05}", version=1)
                .returning(ChargingGroup.id)
            )
            ids.append(result.scalar_one())
        rows = [
            {
                "organization_id": org.id,
                "group_id": ids[rng.randrange(len(ids))],
                "name": f"S{i}",
                "identifier": f"S{i:06}",
                "version": 1,
            }
            for i in range(stations)
        ]
        await session.execute(insert(Station), rows)
        group = await session.get(ChargingGroup, root_id)
        assert group is not None
        op = await create_operator(
            session,
            base_group=group,
            username="bench",
            email="bench@example.com",
            password="Timing-secret-42",
            level=Level.ADMIN,
        )
        token, _ = await auth.create_api_token(session, op.id, "bench")
    return token


async def timed(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], n: int
) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = await client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{label:<42} n={len(times):<4} p50={statistics.median(times):7.1f} ms  p99={p99:7.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--stations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--url", help="an EMPTY database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    token = await seed(db, args.groups, args.stations)
    app = create_app(Settings(database_url=url), db)
    headers = {"Authorization": f"Bearer {token}"}
    print(f"database: {url.split(':')[0]}; {args.groups} groups, {args.stations} stations")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await timed(client, "/api/v1/groups", headers, 3)  # warm up
        report(
            "GET /api/v1/groups (first page of 50)",
            await timed(client, "/api/v1/groups", headers, args.requests),
        )
        report(
            "GET /api/v1/groups?q=G01&sort=-stations",
            await timed(client, "/api/v1/groups?q=G01&sort=-stations", headers, args.requests),
        )
    start = time.perf_counter()
    async with db.session() as session:
        for _ in range(5):
            await auth.log_in(
                session,
                Settings(database_url=url),
                username="bench",
                password="Timing-secret-42",
                address="bench",
            )
    each = (time.perf_counter() - start) / 5 * 1000
    print(f"{'log-in (argon2 verify + session row)':<42} {each:7.1f} ms each")
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
