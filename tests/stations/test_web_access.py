"""Who reaches which station panel page and form: the permission and domain matrix.

alpha: admin, whole organisation A; beta: basic, group B (stations 2, 3); gamma: admin,
group C (station 4); omega: admin of organisation B (station 5). No station is connected,
so commands that may be sent answer that the station is offline.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.secrets import digest, new_token
from laturi.kit.time import utcnow
from laturi.models import Operator, OperatorSession
from laturi.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.fixtures.factories import create_charging_point, create_transaction
from tests.fixtures.world import World, build_world, csrf, log_in

WHO = ("alpha", "beta", "gamma", "omega")
OFFLINE = "Charging station is not connected. Nothing was sent."
NOT_FOUND = "Charging station does not exist."
DENIED = "Access denied."


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    await create_charging_point(session, station=world.stations[2], connector_id=1)
    await create_transaction(session, station=world.stations[2], started_at=utcnow())
    await session.commit()
    return world


async def signed_in(client: httpx.AsyncClient, session: AsyncSession, operator: Operator) -> None:
    """A live panel session without the log-in form, whose argon2 check would cost 0.15 s in
    each of these hundreds of cases; the form has its own tests, and TestPanelGuards uses it.
    """
    token = new_token()
    expires = utcnow() + timedelta(hours=1)
    session.add(
        OperatorSession(operator_id=operator.id, token_hash=digest(token), expires_at=expires)
    )
    await session.commit()
    client.cookies.set(SESSION_COOKIE, token)
    client.cookies.set(CSRF_COOKIE, new_token())


def fill(path: str, world: World) -> str:
    ids = {f"s{n}": s.id for n, s in world.stations.items()}
    return path.format(**ids, b=world.b.id, c=world.c.id)


# path, expected status for alpha, beta, gamma, omega
PAGES: list[tuple[str, tuple[int, int, int, int]]] = [
    ("/stations", (200, 200, 200, 200)),
    ("/stations/new", (200, 403, 200, 200)),
    ("/stations/unknown", (200, 403, 200, 200)),
    ("/stations/{s2}", (200, 200, 404, 404)),
    ("/stations/{s4}", (200, 404, 200, 404)),
    ("/stations/{s5}", (404, 404, 404, 200)),
    ("/stations/{s2}/events", (200, 200, 404, 404)),
    ("/stations/{s2}/statistics", (200, 200, 404, 404)),
    ("/stations/{s2}/messages", (200, 403, 404, 404)),
    ("/stations/{s2}/edit", (200, 403, 404, 404)),
    ("/stations/{s4}/edit", (200, 403, 200, 404)),
    ("/stations/{s2}/edit/advanced", (200, 403, 404, 404)),
    ("/stations/{s2}/edit/points", (200, 403, 404, 404)),
]

# path, form, expected status for alpha, beta, gamma, omega
FORMS: list[tuple[str, dict[str, str], tuple[int, int, int, int]]] = [
    ("/stations/new", {"identifier": "NEW-1", "group_id": "{b}"}, (303, 403, 422, 422)),
    ("/stations/new", {"identifier": "NEW-1", "group_id": "{c}"}, (303, 403, 303, 422)),
    ("/stations/{s2}/edit", {"name": "Renamed"}, (303, 403, 404, 404)),
    ("/stations/{s4}/edit", {"name": "Renamed"}, (303, 403, 303, 404)),
    ("/stations/{s2}/delete", {}, (303, 403, 404, 404)),
    ("/stations/{s2}/edit/points/1", {"type": "CCS"}, (303, 403, 404, 404)),
    ("/stations/{s2}/edit/advanced", {}, (200, 403, 404, 404)),
    ("/stations/{s2}/edit/advanced/change", {"key": "K", "value": "1"}, (200, 403, 404, 404)),
    ("/stations/{s2}/commands/soft-reset", {}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/clear-cache", {}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/release-cable", {"connector_id": "1"}, (200, 200, 404, 404)),
    (
        "/stations/{s2}/commands/start-charging",
        {"connector_id": "1", "id_tag": "T1"},
        (200, 200, 404, 404),
    ),
    ("/stations/{s2}/commands/stop-charging", {"connector_id": "1"}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/refresh-configuration", {}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/firmware-update", {"location": "ftp://x/"}, (200, 403, 404, 404)),
    ("/stations/{s2}/commands/get-diagnostics", {"location": "ftp://x/"}, (200, 200, 404, 404)),
]


def _says(response: httpx.Response) -> str | None:
    """The message a refused request must show."""
    return {403: DENIED, 404: NOT_FOUND}.get(response.status_code)


class TestPanelMatrix:
    @pytest.mark.parametrize("who", WHO)
    @pytest.mark.parametrize(("path", "expected"), PAGES)
    async def test_page(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        who: str,
        path: str,
        expected: tuple[int, int, int, int],
    ) -> None:
        await signed_in(client, session, world.operator(who))
        response = await client.get(fill(path, world))
        assert response.status_code == expected[WHO.index(who)], response.text
        message = _says(response)
        assert message is None or message in response.text

    @pytest.mark.parametrize("who", WHO)
    @pytest.mark.parametrize(("path", "form", "expected"), FORMS)
    async def test_form(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        who: str,
        path: str,
        form: dict[str, str],
        expected: tuple[int, int, int, int],
    ) -> None:
        await signed_in(client, session, world.operator(who))
        data = {k: fill(v, world) for k, v in form.items()} | {"csrf_token": csrf(client)}
        response = await client.post(fill(path, world), data=data)
        assert response.status_code == expected[WHO.index(who)], response.text
        message = _says(response)
        assert message is None or message in response.text
        if response.status_code == 200 and "/commands/" in path:
            assert OFFLINE in response.text


class TestPanelGuards:
    async def test_logged_out_visitors_are_sent_to_log_in(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(f"/stations/{world.stations[2].id}")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    async def test_a_form_without_its_csrf_token_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        response = await client.post(
            f"/stations/{world.stations[2].id}/delete", data={"version": "1"}
        )
        assert response.status_code == 403
        assert "The form has expired. Reload the page and try again." in response.text

    async def test_an_unknown_command_is_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        url = f"/stations/{world.stations[2].id}/commands/self-destruct"
        response = await client.post(url, data={"csrf_token": csrf(client)})
        assert response.status_code == 404

    @pytest.mark.parametrize("who", WHO)
    async def test_the_menu_links_the_station_pages(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        await log_in(client, who)
        assert 'href="/stations">Charging stations</a>' in (await client.get("/")).text
