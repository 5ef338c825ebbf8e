"""The dashboard and group statistics: states, counters, 24-hour figures, consumption, the
remembered group selection and the domain matrix (over the API and the panel fragments).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.dependencies import SESSION_COOKIE
from laturi.auth.secrets import digest, new_token
from laturi.dashboard.states import PointState, state_of
from laturi.kit.time import utcnow
from laturi.models import DashboardGroup, OperatorSession
from laturi.web.csrf import CSRF_COOKIE
from tests.fixtures.factories import create_charging_point
from tests.fixtures.world import World, api_token
from tests.reports.sessions_data import add_session

WHO = ("alpha", "beta", "gamma", "omega")


class TestStates:
    @pytest.mark.parametrize(
        ("online", "status", "state"),
        [
            (True, "Charging", PointState.CHARGING),
            (True, "Preparing", PointState.CHARGING),
            (True, "Available", PointState.AVAILABLE),
            (True, "Faulted", PointState.FAULTED),
            (True, "SuspendedEV", PointState.SUSPENDED),
            (True, "SuspendedEVSE", PointState.SUSPENDED),
            (True, "Unavailable", PointState.UNAVAILABLE),
            (True, None, PointState.DISABLED),
            (False, "Charging", PointState.DISABLED),
        ],
    )
    def test_manual_state_of_a_point(
        self, online: bool, status: str | None, state: PointState
    ) -> None:
        assert state_of(online, status) is state


@pytest.fixture
async def points(session: AsyncSession, world: World) -> World:
    """A point at each station: 2 charging, 3 faulted, the rest available (all offline here)."""
    statuses = {1: "Available", 2: "Charging", 3: "Faulted", 4: "Available", 5: "Charging"}
    for n, status in statuses.items():
        await create_charging_point(session, station=world.stations[n], status=status)
    await session.commit()
    return world


class TestFigures:
    async def test_last_24_hours_and_consumption_count_what_ended(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        now = utcnow()
        await add_session(session, world.stations[1], ended=now - timedelta(hours=2), wh=1500)
        await add_session(session, world.stations[2], ended=now - timedelta(hours=3), wh=500)
        await add_session(
            session, world.stations[2], ended=now - timedelta(hours=30), wh=9000, connector=2
        )
        await add_session(session, world.stations[3], ended=None, wh=0, last_wh=5000)
        await add_session(session, world.stations[5], ended=now - timedelta(hours=1), wh=7)
        await session.commit()
        body = (await client.get("/api/v1/dashboard?frame=7d", headers=alpha)).json()
        assert body["last_24_hours"] == {"sessions": 2, "points_used": 2, "energy_wh": 2000}
        assert sum(body["consumption"]["energy_wh"]) == 11000
        assert len(body["consumption"]["labels"]) == 7
        hourly = (await client.get("/api/v1/dashboard?frame=24h", headers=alpha)).json()
        assert hourly["consumption"]["unit"] == "hour"
        assert sum(hourly["consumption"]["energy_wh"]) == 2000
        group = (await client.get(f"/api/v1/dashboard?group={world.b.id}", headers=alpha)).json()
        assert group["last_24_hours"]["energy_wh"] == 500

    async def test_custom_frame_is_checked(
        self, client: httpx.AsyncClient, alpha: dict[str, str]
    ) -> None:
        response = await client.get(
            "/api/v1/dashboard?frame=custom&from=2026-02-02&to=2026-02-01", headers=alpha
        )
        assert response.status_code == 422 and response.json()["field"] == "to"

    async def test_states_and_counters_per_domain(
        self, client: httpx.AsyncClient, session: AsyncSession, points: World
    ) -> None:
        # No station is connected in this test: every point shows Disabled.
        for who, stations in (("alpha", 4), ("beta", 2), ("gamma", 1), ("omega", 1)):
            headers = await api_token(session, points.operator(who))
            body = (await client.get("/api/v1/dashboard", headers=headers)).json()
            assert body["counters"]["stations"] == stations, who
            assert body["points_by_state"]["Disabled"] == stations, who
        beta = await api_token(session, points.beta)
        for group in (points.a.id, points.c.id, points.x.id):
            response = await client.get(f"/api/v1/dashboard?group={group}", headers=beta)
            assert response.status_code == 404


@pytest.fixture
async def tokens(client: httpx.AsyncClient, session: AsyncSession, world: World) -> dict[str, str]:
    found = {}
    for who in WHO:
        token = found[who] = new_token()
        expires = utcnow() + timedelta(hours=1)
        session.add(
            OperatorSession(
                operator_id=world.operator(who).id, token_hash=digest(token), expires_at=expires
            )
        )
    await session.commit()
    client.cookies.set(CSRF_COOKIE, new_token())
    return found


class TestPanel:
    async def test_each_sees_his_stations_in_the_live_view(
        self, client: httpx.AsyncClient, points: World, tokens: dict[str, str]
    ) -> None:
        sees = {"alpha": {1, 2, 3, 4}, "beta": {2, 3}, "gamma": {4}, "omega": {5}}
        for who, mine in sees.items():
            client.cookies.set(SESSION_COOKIE, tokens[who])
            assert (await client.get("/")).status_code == 200
            live = (await client.get("/dashboard/live")).text
            for n, station in points.stations.items():
                assert (f'data-station="{station.id}"' in live) == (n in mine), (who, n)
            figures = await client.get("/dashboard/figures?frame=30d")
            assert figures.status_code == 200

    async def test_orphans_show_to_whole_organisation_operators_only(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        points: World,
        tokens: dict[str, str],
    ) -> None:
        points.stations[3].group_id = None
        await session.commit()
        orphan = f'data-station="{points.stations[3].id}"'
        client.cookies.set(SESSION_COOKIE, tokens["alpha"])
        live = (await client.get("/dashboard/live")).text
        assert "Orphan stations" in live and orphan in live
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        live = (await client.get("/dashboard/live")).text
        assert "Orphan stations" not in live and orphan not in live

    async def test_group_pages_outside_the_domain_do_not_exist(
        self, client: httpx.AsyncClient, points: World, tokens: dict[str, str]
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        assert (await client.get(f"/groups/{points.b.id}/statistics")).status_code == 200
        for group in (points.a.id, points.c.id, points.x.id):
            assert (await client.get(f"/groups/{group}/statistics")).status_code == 404
            assert (await client.get(f"/dashboard/live?group={group}")).status_code == 404
            assert (await client.get(f"/dashboard/figures?group={group}")).status_code == 404

    async def test_the_group_choice_is_remembered_and_checked(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        points: World,
        tokens: dict[str, str],
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["alpha"])
        form = {"csrf_token": client.cookies[CSRF_COOKIE], "groups": [str(points.c.id)]}
        assert (await client.post("/dashboard/groups", data=form)).status_code == 303
        live = (await client.get("/dashboard/live")).text
        assert f'data-station="{points.stations[4].id}"' in live
        assert f'data-station="{points.stations[2].id}"' not in live
        stored = (await session.scalars(select(DashboardGroup.group_id))).all()
        assert stored == [points.c.id]
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        refused = {"csrf_token": client.cookies[CSRF_COOKIE], "groups": [str(points.c.id)]}
        assert (await client.post("/dashboard/groups", data=refused)).status_code == 422

    async def test_a_state_button_filters_the_group_view(
        self, client: httpx.AsyncClient, points: World, tokens: dict[str, str]
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["alpha"])
        everything = (await client.get("/dashboard/live")).text
        assert everything.count('class="d-flex align-items-center gap-2 py-1 station-row"') == 4
        charging = (await client.get("/dashboard/live?state=Charging")).text
        assert "station-row" not in charging  # offline here: nothing is charging
        disabled = (await client.get("/dashboard/live?state=Disabled")).text
        assert disabled.count('station-row"') == 4
