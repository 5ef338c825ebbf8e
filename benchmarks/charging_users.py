"""How charging users scale: the authorization rule, the local list, the list view, the import.

Builds an organisation with a random group tree, stations, users with access rights and tokens,
then times authorize() (one query per call), tokens_valid_at(), the REST user list for a root
and a sub-tree operator, and a CSV import. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/charging_users.py [--users 10000] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from laturi.app import create_app
from laturi.auth import service as auth
from laturi.charging_users import importer
from laturi.charging_users.authorization import authorize, tokens_valid_at
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.kit.time import utcnow
from laturi.models import (
    AuthToken,
    ChargingGroup,
    ChargingUser,
    Operator,
    Station,
    group_rights,
    station_rights,
)
from laturi.models.operator import Level
from laturi.organizations.service import create_operator, create_organization

RNG = random.Random(7)


async def _tree(db: Database, groups: int, stations: int) -> tuple[int, list[int], list[int]]:
    async with db.session() as session:
        org = await create_organization(session, "Bench", "Root")
        ids = [(await session.scalars(select(ChargingGroup.id))).one()]
        for i in range(groups - 1):
            result = await session.execute(
                insert(ChargingGroup)
                .values(organization_id=org.id, parent_id=RNG.choice(ids), name=f"G{i}", version=1)
                .returning(ChargingGroup.id)
            )
            ids.append(result.scalar_one())
        rows = [
            {"organization_id": org.id, "group_id": RNG.choice(ids), "name": f"S{i}",
             "identifier": f"S{i:06}", "version": 1}
            for i in range(stations)
        ]  # fmt: skip
        await session.execute(insert(Station), rows)
        station_ids = list((await session.scalars(select(Station.id))).all())
    return org.id, ids, station_ids


async def _users(
    db: Database, org: int, groups: list[int], stations: list[int], count: int
) -> list[str]:
    """Users with one group right (a tenth also a station right) and one or two tokens."""
    now = utcnow()
    async with db.session() as session:
        users = [
            {"organization_id": org, "first_name": f"First{i}", "last_name": f"Last{i}",
             "email": f"u{i}@example.com", "email_key": f"u{i}@example.com", "active": True,
             "updated_at": now, "created_at": now, "version": 1}
            for i in range(count)
        ]  # fmt: skip
        await session.execute(insert(ChargingUser), users)
        user_ids = list((await session.scalars(select(ChargingUser.id))).all())
        await session.execute(
            insert(group_rights),
            [{"charging_user_id": u, "charging_group_id": RNG.choice(groups)} for u in user_ids],
        )
        tenth = [
            {"charging_user_id": u, "station_id": RNG.choice(stations)} for u in user_ids[::10]
        ]
        await session.execute(insert(station_rights), tenth)
        tags = [f"{i:08X}" for i in range(int(count * 1.5))]
        tokens = [
            {"organization_id": org, "charging_user_id": user_ids[i % count], "id_tag": t,
             "id_tag_key": t.lower(), "name": "", "active": True, "valid_from": now,
             "created_at": now}
            for i, t in enumerate(tags)
        ]  # fmt: skip
        await session.execute(insert(AuthToken), tokens)
    return tags


async def _operators(db: Database, groups: list[int]) -> tuple[str, str]:
    """API tokens of an admin of the whole tree and of one of a group deep in it."""
    made = []
    async with db.session() as session:
        for name, group_id in (("root", groups[0]), ("sub", groups[len(groups) // 3])):
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
            made.append((await auth.create_api_token(session, op.id, "bench"))[0])
    return made[0], made[1]


async def timed(work: Callable[[], Awaitable[object]], n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{label:<48} n={len(times):<4} p50={statistics.median(times):7.2f} ms  p99={p99:7.2f} ms"
    )


async def _rule(db: Database, org: int, stations: list[int], tags: list[str], n: int) -> None:
    async with db.sessions() as session:

        async def one() -> object:
            tag, station = RNG.choice(tags), RNG.choice(stations)
            return await authorize(
                session, organization_id=org, station_id=station, id_tag=tag, at=utcnow()
            )

        async def local_list() -> object:
            return await tokens_valid_at(
                session, organization_id=org, station_id=RNG.choice(stations), at=utcnow()
            )

        await timed(one, 20)
        report("authorize() random token at random station", await timed(one, n))
        report("tokens_valid_at() random station", await timed(local_list, max(10, n // 10)))


async def _api(app_url: str, db: Database, root: str, sub: str, n: int) -> None:
    app = create_app(Settings(database_url=app_url), db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for label, token, path in (
            ("GET /charging-users (root operator)", root, "/api/v1/charging-users"),
            ("GET /charging-users?q=0000A (token search)", root, "/api/v1/charging-users?q=0000A"),
            ("GET /charging-users?sort=-tokens", root, "/api/v1/charging-users?sort=-tokens"),
            ("GET /charging-users (sub-tree operator)", sub, "/api/v1/charging-users"),
        ):
            headers = {"Authorization": f"Bearer {token}"}

            async def get(path: str = path, headers: dict[str, str] = headers) -> object:
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, response.text
                return response

            await timed(get, 3)
            report(label, await timed(get, n))


async def _import(db: Database, rows: int) -> None:
    lines = ["first_name,last_name,email,token_id,charging_groups"]
    lines += [f"Imp{i},Duck,imp{i}@example.com,IMP{i:06},Root" for i in range(rows)]
    content = "\n".join(lines).encode()
    async with db.sessions() as session:
        admin = (await session.scalars(select(Operator).where(Operator.username == "root"))).one()
        actor = await auth.actor_for(session, admin)
        start = time.perf_counter()
        report_ = await importer.import_users(session, actor, content)
        await session.commit()
        took = time.perf_counter() - start
    assert report_.written, report_.errors[:3]
    print(
        f"{f'CSV import of {rows} users with tokens':<48} {took:7.2f} s ({rows / took:.0f} rows/s)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--stations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=1000)
    parser.add_argument("--url", help="an EMPTY database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    org, groups, stations = await _tree(db, args.groups, args.stations)
    tags = await _users(db, org, groups, stations, args.users)
    root, sub = await _operators(db, groups)
    print(
        f"database: {url.split(':')[0]}; {args.groups} groups, {args.stations} stations, "
        f"{args.users} users, {len(tags)} tokens"
    )
    await _rule(db, org, stations, tags, args.requests)
    await _api(url, db, root, sub, max(10, args.requests // 10))
    await _import(db, args.import_rows)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
