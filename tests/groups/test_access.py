"""Who sees and changes which charging group, through the API and the panel.

The world is the manual's picture: alpha (admin, whole organisation A), beta (basic, group B),
gamma (admin, group C) and omega (admin of organisation B). Every route is tried by all four.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingGroup
from tests.fixtures.factories import create_group
from tests.fixtures.world import World, api_token, build_world, csrf, log_in


@dataclass
class Setup:
    world: World
    empty_b: ChargingGroup  # an empty subgroup of B, deletable
    empty_c: ChargingGroup  # an empty subgroup of C, deletable


@pytest.fixture
async def setup(session: AsyncSession) -> Setup:
    world = await build_world(session)
    empty_b = await create_group(session, organization=world.org_a, parent=world.b, name="B-empty")
    empty_c = await create_group(session, organization=world.org_a, parent=world.c, name="C-empty")
    await session.commit()
    return Setup(world, empty_b, empty_c)


ALL = ("alpha", "beta", "gamma", "omega")


class TestListVisibility:
    EXPECTED = {
        "alpha": {"A", "B", "C", "B-empty", "C-empty"},
        "beta": {"B", "B-empty"},
        "gamma": {"C", "C-empty"},
        "omega": {"X"},
    }

    @pytest.mark.parametrize("who", ALL)
    async def test_api_lists_exactly_the_domain(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup, who: str
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        body = (await client.get("/api/v1/groups", headers=headers)).json()
        assert {g["name"] for g in body["items"]} == self.EXPECTED[who]

    @pytest.mark.parametrize("who", ALL)
    async def test_panel_lists_exactly_the_domain(
        self, client: httpx.AsyncClient, setup: Setup, who: str
    ) -> None:
        await log_in(client, who)
        page = (await client.get("/groups?size=100")).text
        for name in {"A", "B", "C", "B-empty", "C-empty", "X"}:
            shown = f">{name}</a>" in page
            assert shown == (name in self.EXPECTED[who]), (who, name)


# (route, target group attribute, expected status per operator). API routes.
Target = Callable[[Setup], ChargingGroup]
API_CASES: list[tuple[str, str, Target, dict[str, int]]] = [
    (
        "GET",
        "/api/v1/groups/{id}",
        lambda s: s.world.b,
        {"alpha": 200, "beta": 200, "gamma": 404, "omega": 404},
    ),
    (
        "GET",
        "/api/v1/groups/{id}",
        lambda s: s.world.x,
        {"alpha": 404, "beta": 404, "gamma": 404, "omega": 200},
    ),
    (
        "PATCH",
        "/api/v1/groups/{id}",
        lambda s: s.empty_c,
        {"alpha": 200, "beta": 404, "gamma": 200, "omega": 404},
    ),
    (
        "PATCH",
        "/api/v1/groups/{id}",
        lambda s: s.empty_b,
        {"alpha": 200, "beta": 200, "gamma": 404, "omega": 404},
    ),
    (
        "DELETE",
        "/api/v1/groups/{id}",
        lambda s: s.empty_c,
        {"alpha": 204, "beta": 404, "gamma": 204, "omega": 404},
    ),
    (
        "DELETE",
        "/api/v1/groups/{id}",
        lambda s: s.empty_b,
        {"alpha": 204, "beta": 204, "gamma": 404, "omega": 404},
    ),
]


class TestApiMatrix:
    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("method", "path", "target", "expected"), API_CASES)
    async def test_route(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        setup: Setup,
        who: str,
        method: str,
        path: str,
        target: Target,
        expected: dict[str, int],
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        body = {"name": "Renamed"} if method == "PATCH" else None
        url = path.format(id=target(setup).id)
        response = await client.request(method, url, headers=headers, json=body)
        assert response.status_code == expected[who], response.text
        if response.status_code == 404:
            assert response.json() == {
                "error": "not_found",
                "message": "Charging group does not exist.",
                "field": None,
            }

    @pytest.mark.parametrize(
        ("who", "parent", "expected"),
        [
            ("alpha", "b", 201),
            ("beta", "b", 201),
            ("gamma", "b", 422),
            ("omega", "b", 422),
            ("gamma", "c", 201),
            ("omega", "x", 201),
            ("beta", None, 422),
        ],
    )
    async def test_create_under_a_parent(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        setup: Setup,
        who: str,
        parent: str | None,
        expected: int,
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        parent_id = getattr(setup.world, parent).id if parent else None
        response = await client.post(
            "/api/v1/groups", headers=headers, json={"name": "New", "parent_id": parent_id}
        )
        assert response.status_code == expected, response.text
        if expected == 422:
            assert response.json()["field"] == "parent_id"

    async def test_basic_operator_cannot_move_stations(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup
    ) -> None:
        headers = await api_token(session, setup.world.beta)
        response = await client.patch(
            f"/api/v1/groups/{setup.world.b.id}", headers=headers, json={"station_ids": []}
        )
        assert response.status_code == 403
        assert response.json()["message"] == "Access denied."
        detail = await client.get(f"/api/v1/groups/{setup.world.b.id}", headers=headers)
        assert {s["identifier"] for s in detail.json()["stations"]} == {"ST2", "ST3"}


PANEL_PAGES: list[tuple[str, Target, dict[str, int]]] = [
    ("/groups/{id}", lambda s: s.world.b, {"alpha": 200, "beta": 200, "gamma": 404, "omega": 404}),
    (
        "/groups/{id}/edit",
        lambda s: s.world.b,
        {"alpha": 200, "beta": 200, "gamma": 404, "omega": 404},
    ),
    ("/groups/{id}", lambda s: s.world.c, {"alpha": 200, "beta": 404, "gamma": 200, "omega": 404}),
    (
        "/groups/{id}/edit",
        lambda s: s.world.x,
        {"alpha": 404, "beta": 404, "gamma": 404, "omega": 200},
    ),
]

PANEL_WRITES: list[tuple[str, Target, dict[str, int]]] = [
    (
        "/groups/{id}/edit",
        lambda s: s.empty_c,
        {"alpha": 303, "beta": 404, "gamma": 303, "omega": 404},
    ),
    (
        "/groups/{id}/delete",
        lambda s: s.empty_b,
        {"alpha": 303, "beta": 303, "gamma": 404, "omega": 404},
    ),
    (
        "/groups/{id}/delete",
        lambda s: s.empty_c,
        {"alpha": 303, "beta": 404, "gamma": 303, "omega": 404},
    ),
]


class TestPanelMatrix:
    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("path", "target", "expected"), PANEL_PAGES)
    async def test_page(
        self,
        client: httpx.AsyncClient,
        setup: Setup,
        who: str,
        path: str,
        target: Target,
        expected: dict[str, int],
    ) -> None:
        await log_in(client, who)
        response = await client.get(path.format(id=target(setup).id))
        assert response.status_code == expected[who]
        if expected[who] == 404:
            assert "Charging group does not exist." in response.text

    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("path", "target", "expected"), PANEL_WRITES)
    async def test_write(
        self,
        client: httpx.AsyncClient,
        setup: Setup,
        who: str,
        path: str,
        target: Target,
        expected: dict[str, int],
    ) -> None:
        await log_in(client, who)
        response = await client.post(
            path.format(id=target(setup).id), data={"name": "Renamed", "csrf_token": csrf(client)}
        )
        assert response.status_code == expected[who], response.text

    @pytest.mark.parametrize(
        ("who", "shown"),
        [("alpha", True), ("gamma", True), ("beta", False), ("omega", True)],
    )
    async def test_menu_shows_operators_only_to_admins(
        self, client: httpx.AsyncClient, setup: Setup, who: str, shown: bool
    ) -> None:
        await log_in(client, who)
        page = (await client.get("/")).text
        assert ('href="/operators"' in page) == shown
        assert 'href="/groups"' in page
