"""Who may do what with charging users, tokens and user groups: every new page and endpoint.

The world is the manual's picture: alpha (admin, whole organisation A), beta (basic, group B),
gamma (admin, group C, same organisation but outside B) and omega (admin of organisation B).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import AuthToken, ChargingUser, UserGroup
from tests.fixtures.factories import create_charging_user, create_token, create_user_group
from tests.fixtures.world import World, api_token, build_world, csrf, log_in

ALL = ("alpha", "beta", "gamma", "omega")


@dataclass
class Setup:
    world: World
    user_b: ChargingUser  # may charge in B: alpha and beta see them
    user_c: ChargingUser  # may charge in C: alpha and gamma see them
    user_x: ChargingUser  # of organisation B: omega sees them
    token_b: AuthToken
    guests: UserGroup  # organisation A's, empty
    others: UserGroup  # organisation B's, empty


@pytest.fixture
async def setup(session: AsyncSession) -> Setup:
    w = await build_world(session)
    user_b = await create_charging_user(session, organization=w.org_a, groups=[w.b])
    user_c = await create_charging_user(session, organization=w.org_a, groups=[w.c])
    user_x = await create_charging_user(session, organization=w.org_b, groups=[w.x])
    token_b = await create_token(session, user=user_b, id_tag="TB")
    guests = await create_user_group(session, organization=w.org_a, name="Guests")
    others = await create_user_group(session, organization=w.org_b, name="Others")
    await session.commit()
    return Setup(w, user_b, user_c, user_x, token_b, guests, others)


def expect(alpha: int, beta: int, gamma: int, omega: int) -> dict[str, int]:
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "omega": omega}


Url = Callable[[Setup], str]
Body = Callable[[Setup], dict[str, Any]] | None
CSV = b"first_name,last_name,token_id\nHuey,Duck,HUEY1\n"

API: list[tuple[str, Url, Body, dict[str, int]]] = [
    ("GET", lambda s: "/api/v1/charging-users", None, expect(200, 200, 200, 200)),
    (
        "GET",
        lambda s: f"/api/v1/charging-users/{s.user_b.id}",
        None,
        expect(200, 200, 404, 404),
    ),
    (
        "GET",
        lambda s: f"/api/v1/charging-users/{s.user_x.id}",
        None,
        expect(404, 404, 404, 200),
    ),
    (
        "POST",
        lambda s: "/api/v1/charging-users",
        lambda s: {"first_name": "D", "last_name": "D", "group_ids": [s.world.b.id]},
        expect(201, 201, 422, 422),
    ),
    (
        "PATCH",
        lambda s: f"/api/v1/charging-users/{s.user_b.id}",
        lambda s: {"last_name": "Renamed"},
        expect(200, 200, 404, 404),
    ),
    (
        "PATCH",
        lambda s: f"/api/v1/charging-users/{s.user_c.id}",
        lambda s: {"last_name": "Renamed"},
        expect(200, 404, 200, 404),
    ),
    (
        "DELETE",
        lambda s: f"/api/v1/charging-users/{s.user_b.id}",
        None,
        expect(204, 403, 404, 404),
    ),
    (
        "DELETE",
        lambda s: f"/api/v1/charging-users/{s.user_c.id}",
        None,
        expect(204, 403, 204, 404),
    ),
    (
        "POST",
        lambda s: f"/api/v1/charging-users/{s.user_b.id}/tokens",
        lambda s: {"id_tag": "NEW1"},
        expect(201, 201, 404, 404),
    ),
    (
        "PATCH",
        lambda s: f"/api/v1/charging-users/{s.user_b.id}/tokens/{s.token_b.id}",
        lambda s: {"name": "Card"},
        expect(200, 200, 404, 404),
    ),
    (
        "DELETE",
        lambda s: f"/api/v1/charging-users/{s.user_b.id}/tokens/{s.token_b.id}",
        None,
        expect(204, 403, 404, 404),
    ),
    ("GET", lambda s: "/api/v1/user-groups", None, expect(200, 200, 200, 200)),
    (
        "GET",
        lambda s: f"/api/v1/user-groups/{s.guests.id}",
        None,
        expect(200, 200, 200, 404),
    ),
    (
        "POST",
        lambda s: "/api/v1/user-groups",
        lambda s: {"name": "New group"},
        expect(201, 403, 201, 201),
    ),
    (
        "PATCH",
        lambda s: f"/api/v1/user-groups/{s.guests.id}",
        lambda s: {"name": "Renamed"},
        expect(200, 403, 200, 404),
    ),
    (
        "DELETE",
        lambda s: f"/api/v1/user-groups/{s.guests.id}",
        None,
        expect(204, 403, 204, 404),
    ),
    (
        "DELETE",
        lambda s: f"/api/v1/user-groups/{s.others.id}",
        None,
        expect(404, 403, 404, 204),
    ),
]


class TestApiMatrix:
    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("method", "url", "body", "expected"), API)
    async def test_endpoint(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        setup: Setup,
        who: str,
        method: str,
        url: Url,
        body: Body,
        expected: dict[str, int],
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        json = body(setup) if body else None
        response = await client.request(method, url(setup), headers=headers, json=json)
        assert response.status_code == expected[who], response.text
        if response.status_code == 403:
            assert response.json()["message"] == "Access denied."
        if response.status_code == 404:
            assert response.json()["message"] in {
                "Charging user not found.",
                "Charging user group not found.",
            }

    @pytest.mark.parametrize("who", ALL)
    async def test_import(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup, who: str
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        response = await client.post(
            "/api/v1/charging-users/import", files={"file": ("u.csv", CSV)}, headers=headers
        )
        assert response.status_code == 201, response.text

    async def test_without_a_token_nothing_answers(
        self, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        for url in ("/api/v1/charging-users", "/api/v1/user-groups"):
            assert (await client.get(url)).status_code == 401


PAGES: list[tuple[Url, dict[str, int]]] = [
    (lambda s: "/charging-users", expect(200, 200, 200, 200)),
    (lambda s: "/charging-users/new", expect(200, 200, 200, 200)),
    (lambda s: "/charging-users/import", expect(200, 200, 200, 200)),
    (lambda s: f"/charging-users/{s.user_b.id}/edit", expect(200, 200, 404, 404)),
    (lambda s: f"/charging-users/{s.user_c.id}/edit", expect(200, 404, 200, 404)),
    (lambda s: "/user-groups", expect(200, 200, 200, 200)),
    (lambda s: "/user-groups/new", expect(200, 403, 200, 200)),
    (lambda s: f"/user-groups/{s.guests.id}", expect(200, 200, 200, 404)),
    (lambda s: f"/user-groups/{s.guests.id}/edit", expect(200, 403, 200, 404)),
]

WRITES: list[tuple[Url, Body, dict[str, int]]] = [
    (
        lambda s: "/charging-users/new",
        lambda s: {
            "first_name": "D",
            "last_name": "D",
            "rights_shown": "1",
            "group_ids": str(s.world.b.id),
        },
        expect(303, 303, 422, 422),
    ),
    (
        lambda s: f"/charging-users/{s.user_b.id}/edit",
        lambda s: {"first_name": "D", "last_name": "D"},
        expect(303, 303, 404, 404),
    ),
    (lambda s: f"/charging-users/{s.user_b.id}/delete", None, expect(303, 403, 404, 404)),
    (lambda s: f"/charging-users/{s.user_c.id}/delete", None, expect(303, 403, 303, 404)),
    (lambda s: "/user-groups/new", lambda s: {"name": "New group"}, expect(303, 403, 303, 303)),
    (
        lambda s: f"/user-groups/{s.guests.id}/edit",
        lambda s: {"name": "Renamed"},
        expect(303, 403, 303, 404),
    ),
    (lambda s: f"/user-groups/{s.guests.id}/delete", None, expect(303, 403, 303, 404)),
]


class TestPanelMatrix:
    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("url", "expected"), PAGES)
    async def test_page(
        self,
        client: httpx.AsyncClient,
        setup: Setup,
        who: str,
        url: Url,
        expected: dict[str, int],
    ) -> None:
        await log_in(client, who)
        response = await client.get(url(setup))
        assert response.status_code == expected[who]
        if expected[who] == 403:
            assert "Access denied." in response.text

    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("url", "body", "expected"), WRITES)
    async def test_write(
        self,
        client: httpx.AsyncClient,
        setup: Setup,
        who: str,
        url: Url,
        body: Body,
        expected: dict[str, int],
    ) -> None:
        await log_in(client, who)
        data = {"csrf_token": csrf(client), **(body(setup) if body else {})}
        response = await client.post(url(setup), data=data)
        assert response.status_code == expected[who], response.text

    @pytest.mark.parametrize("who", ALL)
    async def test_import(self, client: httpx.AsyncClient, setup: Setup, who: str) -> None:
        await log_in(client, who)
        response = await client.post(
            "/charging-users/import",
            data={"csrf_token": csrf(client)},
            files={"file": ("u.csv", CSV, "text/csv")},
        )
        assert response.status_code == 303

    @pytest.mark.parametrize("who", ALL)
    async def test_the_menu_links_both_pages(
        self, client: httpx.AsyncClient, setup: Setup, who: str
    ) -> None:
        await log_in(client, who)
        page = (await client.get("/")).text
        assert 'href="/charging-users"' in page and 'href="/user-groups"' in page

    async def test_without_logging_in_the_pages_send_to_the_log_in(
        self, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        for url in ("/charging-users", "/user-groups", "/charging-users/new"):
            response = await client.get(url)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")

    async def test_a_form_without_its_csrf_token_is_refused(
        self, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        await log_in(client, "alpha")
        response = await client.post(
            "/charging-users/new", data={"first_name": "D", "last_name": "D"}
        )
        assert response.status_code == 403
