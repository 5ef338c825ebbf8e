"""Who sees and changes which scheduled task and run, through the API and the panel.

alpha (admin, whole organisation A), beta (basic, group B), gamma (admin, group C), omega
(admin of organisation B). Scheduled tasks are for admins only ("Access denied."); a task
belongs to its maker's base group and is seen by admins whose domain holds it; the KEY
picker offers only the operator's domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.kit.time import utcnow
from laturi.models import RunTarget, TaskRun
from laturi.schedules import service
from tests.fixtures.factories import create_charging_user
from tests.fixtures.world import World, api_token, build_world, csrf, log_in

ALL = ("alpha", "beta", "gamma", "omega")


@dataclass
class Setup:
    world: World
    alpha_task: int  # on ST2 (group B), made by alpha: base group A
    gamma_task: int  # on ST4 (group C), made by gamma: base group C
    gamma_run: int
    user_in_c: int


@pytest.fixture
async def setup(session: AsyncSession) -> Setup:
    world = await build_world(session)
    user = await create_charging_user(session, organization=world.org_a, groups=[world.c])
    alpha = await actor_for(session, world.alpha)
    gamma = await actor_for(session, world.gamma)

    def daily_limit(name: str, station: int) -> service.TaskInput:
        return service.TaskInput(
            name=name,
            key_id=station,
            task_type="station_current",
            schedule="daily",
            max_current="6",
        )

    a = await service.create_task(session, alpha, daily_limit("Alpha's", world.stations[2].id))
    g = await service.create_task(session, gamma, daily_limit("Gamma's", world.stations[4].id))
    run = TaskRun(
        task_id=g.id,
        organization_id=g.organization_id,
        scope_group_id=g.scope_group_id,
        task_name=g.name,
        task_type=g.task_type,
        due_at=utcnow() - timedelta(minutes=5),
        state="done",
        targets=1,
        failed=1,
    )
    session.add(run)
    await session.flush()
    session.add(
        RunTarget(
            run_id=run.id,
            kind="station",
            target_id=world.stations[4].id,
            label="ST4",
            result="offline",
        )
    )
    await session.commit()
    return Setup(world, a.id, g.id, run.id, user.id)


class TestLists:
    EXPECTED = {"alpha": {"Alpha's", "Gamma's"}, "gamma": {"Gamma's"}, "omega": set()}

    @pytest.mark.parametrize("who", ["alpha", "gamma", "omega"])
    async def test_api_lists_the_tasks_of_the_domain(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup, who: str
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        body = (await client.get("/api/v1/schedules/tasks", headers=headers)).json()
        assert {t["name"] for t in body} == self.EXPECTED[who]

    @pytest.mark.parametrize("who", ["alpha", "gamma", "omega"])
    async def test_panel_lists_the_tasks_of_the_domain(
        self, client: httpx.AsyncClient, setup: Setup, who: str
    ) -> None:
        await log_in(client, who)
        page = (await client.get("/schedules")).text
        for name in ("Alpha&#39;s", "Gamma&#39;s"):
            assert (name in page) == (name.replace("&#39;", "'") in self.EXPECTED[who]), (who, name)

    @pytest.mark.parametrize("who", ["alpha", "gamma", "omega"])
    async def test_the_feed_shows_the_runs_of_the_domain(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup, who: str
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        day = (utcnow() - timedelta(minutes=5)).date().isoformat()
        body = (
            await client.get("/api/v1/schedules/runs", params={"day": day}, headers=headers)
        ).json()
        assert [r["task_name"] for r in body] == (["Gamma's"] if who != "omega" else [])


class TestKeyPicker:
    @pytest.mark.parametrize(
        ("who", "task_type", "expected"),
        [
            ("alpha", "station_current", {"ST1", "ST2", "ST3", "ST4"}),
            ("gamma", "station_current", {"ST4"}),
            ("omega", "station_current", {"ST5"}),
            ("alpha", "group_current", {"A", "B", "C"}),
            ("gamma", "firmware_update", {"C"}),
        ],
    )
    async def test_only_the_domain_is_offered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        setup: Setup,
        who: str,
        task_type: str,
        expected: set[str],
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        body = (
            await client.get(
                "/api/v1/schedules/keys", params={"task_type": task_type}, headers=headers
            )
        ).json()
        assert {c["label"].split(" - ")[0] for c in body} == expected

    async def test_search_narrows_the_choices(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup
    ) -> None:
        headers = await api_token(session, setup.world.alpha)
        params = {"task_type": "station_current", "q": "st3"}
        body = (await client.get("/api/v1/schedules/keys", params=params, headers=headers)).json()
        assert [c["label"].split(" - ")[0] for c in body] == ["ST3"]

    async def test_a_key_outside_the_domain_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup
    ) -> None:
        headers = await api_token(session, setup.world.gamma)
        body = {
            "name": "x",
            "task_type": "station_current",
            "key_id": setup.world.stations[2].id,
            "max_current": "6",
            "schedule": "daily",
        }
        response = await client.post("/api/v1/schedules/tasks", json=body, headers=headers)
        assert response.status_code == 422 and response.json()["field"] == "key_id"
        foreign = body | {"key_id": setup.world.stations[5].id}
        assert (
            await client.post("/api/v1/schedules/tasks", json=foreign, headers=headers)
        ).status_code == 422


API_CASES = [
    (
        "GET",
        "/api/v1/schedules/tasks/{alpha_task}",
        {"alpha": 200, "beta": 403, "gamma": 404, "omega": 404},
    ),
    (
        "GET",
        "/api/v1/schedules/tasks/{gamma_task}",
        {"alpha": 200, "beta": 403, "gamma": 200, "omega": 404},
    ),
    (
        "POST",
        "/api/v1/schedules/tasks/{alpha_task}/copy",
        {"alpha": 201, "beta": 403, "gamma": 404, "omega": 404},
    ),
    (
        "DELETE",
        "/api/v1/schedules/tasks/{gamma_task}",
        {"alpha": 204, "beta": 403, "gamma": 204, "omega": 404},
    ),
    (
        "GET",
        "/api/v1/schedules/runs/{gamma_run}",
        {"alpha": 200, "beta": 403, "gamma": 200, "omega": 404},
    ),
    (
        "POST",
        "/api/v1/schedules/runs/{gamma_run}/retry",
        {"alpha": 201, "beta": 403, "gamma": 201, "omega": 404},
    ),
    ("GET", "/api/v1/schedules/tasks", {"alpha": 200, "beta": 403, "gamma": 200, "omega": 200}),
    ("GET", "/api/v1/schedules/runs", {"alpha": 200, "beta": 403, "gamma": 200, "omega": 200}),
]


class TestApiMatrix:
    @pytest.mark.parametrize(("method", "path", "expected"), API_CASES)
    @pytest.mark.parametrize("who", ALL)
    async def test_status(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        setup: Setup,
        method: str,
        path: str,
        expected: dict[str, int],
        who: str,
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        url = path.format(
            alpha_task=setup.alpha_task, gamma_task=setup.gamma_task, gamma_run=setup.gamma_run
        )
        response = await client.request(method, url, headers=headers)
        assert response.status_code == expected[who], (who, response.text)
        if expected[who] == 403:
            assert response.json()["message"] == "Access denied."

    @pytest.mark.parametrize("who", ["gamma", "omega"])
    async def test_activating_a_task_outside_the_domain_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, setup: Setup, who: str
    ) -> None:
        headers = await api_token(session, setup.world.operator(who))
        body = {"task_ids": [setup.gamma_task, setup.alpha_task], "active": True}
        response = await client.post("/api/v1/schedules/tasks/active", json=body, headers=headers)
        assert response.status_code == 404
        alpha = await api_token(session, setup.world.alpha)
        tasks = (await client.get("/api/v1/schedules/tasks", headers=alpha)).json()
        assert not any(t["active"] for t in tasks)


PANEL_PAGES = [
    "/schedules",
    "/schedules/new",
    "/schedules/feed",
    "/schedules/{gamma_task}/edit",
    "/schedules/runs/{gamma_run}",
]


class TestPanel:
    @pytest.mark.parametrize("path", PANEL_PAGES)
    async def test_basic_operators_are_denied(
        self, client: httpx.AsyncClient, setup: Setup, path: str
    ) -> None:
        await log_in(client, "beta")
        response = await client.get(
            path.format(gamma_task=setup.gamma_task, gamma_run=setup.gamma_run)
        )
        assert response.status_code == 403 and "Access denied." in response.text

    @pytest.mark.parametrize(
        "path", ["/schedules/{gamma_task}/edit", "/schedules/runs/{gamma_run}"]
    )
    async def test_omega_learns_nothing_of_another_organisation(
        self, client: httpx.AsyncClient, setup: Setup, path: str
    ) -> None:
        await log_in(client, "omega")
        response = await client.get(
            path.format(gamma_task=setup.gamma_task, gamma_run=setup.gamma_run)
        )
        assert response.status_code == 404 and "Gamma" not in response.text

    async def test_basic_operators_cannot_post(
        self, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        await log_in(client, "beta")
        response = await client.post(
            f"/schedules/{setup.gamma_task}/delete", data={"csrf_token": csrf(client)}
        )
        assert response.status_code == 403

    @pytest.mark.parametrize(("who", "shown"), [("alpha", True), ("beta", False), ("gamma", True)])
    async def test_menu_link_only_for_admins(
        self, client: httpx.AsyncClient, setup: Setup, who: str, shown: bool
    ) -> None:
        await log_in(client, who)
        page = (await client.get("/")).text
        assert ('href="/schedules"' in page) == shown
