"""Test fixtures: a migrated database per backend (SQLite file and PostgreSQL), the app, clients.

Every test that uses `session`, `app` or `client` runs once on SQLite and, when
LATURI_TEST_DATABASE_URL points at PostgreSQL, once on PostgreSQL. With
LATURI_TEST_REQUIRE_ALL=1 (CI) a missing PostgreSQL or Chromium fails instead of skipping.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.app import create_app
from laturi.auth import secrets as password_secrets
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.models import Base
from tests.fixtures.world import World, api_token, build_world

# argon2 at its lowest cost: the same algorithm and code path, without 0.2 s of CPU for
# every log-in of thousands of tests. Set before any test hashes a password.
password_secrets._hasher = PasswordHash(
    (Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)
)
password_secrets._DUMMY_HASH = password_secrets.hash_password("dummy")

REQUIRE_ALL = os.environ.get("LATURI_TEST_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("LATURI_TEST_DATABASE_URL", "")


def missing(reason: str) -> None:
    """Skip, or fail when the run requires every real dependency."""
    if REQUIRE_ALL:
        pytest.fail(f"required for this run: {reason}")
    pytest.skip(reason)


async def _pg_admin(url: str, sql: str) -> None:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A database built by running the migrations; PostgreSQL gets a throw-away database."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "laturi.db"
        url = f"sqlite+aiosqlite:///{path}"
        dropper = None
    else:
        if not PG_URL:
            missing("LATURI_TEST_DATABASE_URL is not set")
        name = f"laturi_test_{secrets.token_hex(4)}"
        try:
            await _pg_admin(PG_URL, f'CREATE DATABASE "{name}"')
        except (OSError, asyncpg.PostgresError) as err:
            missing(f"PostgreSQL unreachable: {err}")
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        dropper = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    yield db
    await db.dispose()
    if dropper:
        await _pg_admin(PG_URL, dropper)


async def _wipe(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # The group tree references itself: check foreign keys only at commit.
            await conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    """A session on a clean database; the tables are emptied after the test."""
    async with database.sessions() as s:
        yield s
    await _wipe(database)


@pytest.fixture(scope="session")
def _outbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture
def outbox(_outbox_dir: Path) -> Path:
    """Where mail goes without SMTP: one folder for the whole run, emptied for each test."""
    for mail in _outbox_dir.glob("*"):
        mail.unlink()
    return _outbox_dir


@pytest.fixture
def settings(database: Database, outbox: Path) -> Settings:
    return Settings(database_url=database.url, outbox_dir=outbox, base_url="http://testserver")


# Fixtures that start the app's lifespan (its background work) or change the app.
_OWN_APP = {"ocpp_url", "wss_url", "broken_app"}
_SHARED_APPS: dict[tuple[str, str], FastAPI] = {}


@pytest.fixture
def app(
    request: pytest.FixtureRequest, settings: Settings, database: Database, session: AsyncSession
) -> FastAPI:
    """The app on the test database (depends on `session` so the tables are wiped after).

    Building an app costs about a second of CPU (FastAPI builds every route's validators for
    each app), so tests that only send it requests share one per database and settings. A
    test that takes `app` itself, or serves it, gets its own.
    """
    own = "app" in inspect.signature(request.function).parameters
    if own or _OWN_APP & set(request.fixturenames):
        return create_app(settings, database)
    key = (database.url, settings.model_dump_json())
    if key not in _SHARED_APPS:
        _SHARED_APPS[key] = create_app(settings, database)
    return _SHARED_APPS[key]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the item, so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
async def world(session: AsyncSession) -> World:
    """Organisations A and B with alpha, beta, gamma and omega (tests/fixtures/world.py)."""
    return await build_world(session)


@pytest.fixture
async def alpha(session: AsyncSession, world: World) -> dict[str, str]:
    """alpha's API bearer header."""
    return await api_token(session, world.alpha)


pytest_plugins = ["tests.fixtures.browser"]
