"""Log-in, log-out, session lifetime, throttling and CSRF through the real panel routes."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import LOGIN_SLOWDOWN_STEP
from laturi.config import Settings
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import OperatorSession
from laturi.models.operator import OperatorStatus
from tests.fixtures.factories import PASSWORD, create_group, create_operator, create_organization
from tests.fixtures.world import csrf, log_in


@pytest.fixture
async def operator_name(session: AsyncSession) -> str:
    org = await create_organization(session)
    root = await create_group(session, organization=org)
    await create_operator(session, base_group=root, username="ann")
    await create_operator(session, base_group=root, username="ina", status=OperatorStatus.INACTIVE)
    await session.commit()
    return "ann"


async def _post_login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    await client.get("/login")
    data = {"username": username, "password": password, "next": "/", "csrf_token": csrf(client)}
    return await client.post("/login", data=data)


class TestLogIn:
    async def test_right_credentials_open_the_dashboard(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        response = await _post_login(client, operator_name, PASSWORD)
        assert response.status_code == 303
        page = await client.get("/")
        assert page.status_code == 200
        assert "Dashboard" in page.text

    @pytest.mark.parametrize(("username", "password"), [("ann", "wrong"), ("nobody", PASSWORD)])
    async def test_wrong_credentials(
        self, client: httpx.AsyncClient, operator_name: str, username: str, password: str
    ) -> None:
        response = await _post_login(client, username, password)
        assert response.status_code == 401
        assert "Wrong credentials." in response.text

    async def test_inactive_operator(self, client: httpx.AsyncClient, operator_name: str) -> None:
        response = await _post_login(client, "ina", PASSWORD)
        assert response.status_code == 401
        assert "Operator is inactive." in response.text

    async def test_repeated_failures_are_throttled_even_with_the_right_password(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        for _ in range(5):
            assert (await _post_login(client, "ann", "wrong")).status_code == 401
        response = await _post_login(client, "ann", PASSWORD)
        assert response.status_code == 429
        assert "Too many failed log-in attempts. Try again in 15 minutes." in response.text

    async def test_a_success_clears_earlier_failures(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        for _ in range(4):
            await _post_login(client, "ann", "wrong")
        assert (await _post_login(client, "ann", PASSWORD)).status_code == 303
        for _ in range(4):
            await _post_login(client, "ann", "wrong")
        assert (await _post_login(client, "ann", PASSWORD)).status_code == 303

    async def test_next_never_leaves_the_site(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        await client.get("/login")
        data = {
            "username": "ann",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": csrf(client),
        }
        response = await client.post("/login", data=data)
        assert response.headers["location"] == "/"


class TestSession:
    async def test_lasts_two_hours_absolute(
        self, client: httpx.AsyncClient, session: AsyncSession, operator_name: str
    ) -> None:
        await log_in(client, operator_name)
        row = (await session.scalars(select(OperatorSession))).one()
        assert row.expires_at - row.created_at == timedelta(hours=2)

    async def test_an_expired_session_sends_the_browser_to_log_in(
        self, client: httpx.AsyncClient, session: AsyncSession, operator_name: str
    ) -> None:
        await log_in(client, operator_name)
        past = utcnow() - timedelta(seconds=1)
        await session.execute(update(OperatorSession).values(expires_at=past))
        await session.commit()
        response = await client.get("/groups")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    async def test_log_out_ends_the_session_for_good(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        await log_in(client, operator_name)
        cookie = client.cookies["laturi_session"]
        response = await client.post("/logout", data={"csrf_token": csrf(client)})
        assert response.headers["location"] == "/login?notice=logged-out"
        client.cookies.set("laturi_session", cookie)
        assert (await client.get("/groups")).status_code == 303

    async def test_pages_need_a_session(self, client: httpx.AsyncClient) -> None:
        for path in ("/", "/groups", "/groups/new"):
            response = await client.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next={path}"


class TestCsrf:
    @pytest.mark.parametrize("token", [None, "forged"])
    async def test_unsafe_requests_without_the_token_are_refused(
        self, client: httpx.AsyncClient, operator_name: str, token: str | None
    ) -> None:
        await log_in(client, operator_name)
        data = {"name": "Sneaky"} | ({"csrf_token": token} if token else {})
        response = await client.post("/groups/new", data=data)
        assert response.status_code == 403
        assert "The form has expired" in response.text

    async def test_htmx_requests_may_send_the_token_as_a_header(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        await log_in(client, operator_name)
        response = await client.post(
            "/groups/new", data={"name": "Via header"}, headers={"X-CSRF-Token": csrf(client)}
        )
        assert response.status_code == 303


class TestApiAuthentication:
    @pytest.mark.parametrize("header", [None, "Bearer lat_nonsense"])
    async def test_missing_or_unknown_token(
        self, client: httpx.AsyncClient, operator_name: str, header: str | None
    ) -> None:
        headers = {"Authorization": header} if header else {}
        response = await client.get("/api/v1/groups", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"


def _client_from(app: FastAPI, host: str) -> httpx.AsyncClient:
    """A client whose requests come from the given address."""
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class TestThrottleSources:
    async def test_failures_from_one_address_do_not_lock_out_another(
        self, app: FastAPI, operator_name: str
    ) -> None:
        async with (
            _client_from(app, "203.0.113.9") as attacker,
            _client_from(app, "198.51.100.7") as owner,
        ):
            for _ in range(5):
                await _post_login(attacker, "ann", "wrong")
            assert (await _post_login(attacker, "ann", PASSWORD)).status_code == 429
            assert (await _post_login(owner, "ann", PASSWORD)).status_code == 303

    async def test_guessing_spread_over_many_addresses_slows_but_never_locks_the_owner_out(
        self, app: FastAPI, operator_name: str
    ) -> None:
        for i in range(25):
            async with _client_from(app, f"203.0.113.{i}") as guesser:
                await _post_login(guesser, "ann", "wrong")
        async with _client_from(app, "198.51.100.7") as owner:
            started = time.monotonic()
            assert (await _post_login(owner, "ann", PASSWORD)).status_code == 303
        assert time.monotonic() - started >= LOGIN_SLOWDOWN_STEP

    async def test_an_unknown_username_is_refused_like_a_wrong_password(
        self, client: httpx.AsyncClient, operator_name: str
    ) -> None:
        unknown = await _post_login(client, "nobody", PASSWORD)
        wrong = await _post_login(client, "ann", "wrong")
        assert unknown.status_code == wrong.status_code == 401
        assert "Wrong credentials." in unknown.text and "Wrong credentials." in wrong.text


class TestThrottleOneAddress:
    @pytest.fixture
    def settings(self, database: Database, outbox: Path) -> Settings:
        return Settings(
            database_url=database.url,
            outbox_dir=outbox,
            base_url="http://testserver",
            login_max_failures_address=3,
        )

    async def test_an_address_trying_many_usernames_is_refused_for_every_username(
        self, app: FastAPI, operator_name: str
    ) -> None:
        async with _client_from(app, "203.0.113.9") as sprayer:
            for name in ("root", "admin", "operator"):
                assert (await _post_login(sprayer, name, "Summer-2026!")).status_code == 401
            assert (await _post_login(sprayer, "ann", PASSWORD)).status_code == 429
        async with _client_from(app, "198.51.100.7") as owner:
            assert (await _post_login(owner, "ann", PASSWORD)).status_code == 303
