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
from laturi.models import OperatorSession
from laturi.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.fixtures.factories import create_charging_point, create_transaction
from tests.fixtures.world import World, build_world, csrf, log_in

WHO = ("alpha", "beta", "gamma", "omega")
# The order they act in within a test: those allowed the least first, so that what a
# permitted operator changes (a station deleted, one added) cannot change the others' answer.
ORDER = ("omega", "beta", "gamma", "alpha")
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


@pytest.fixture
async def tokens(client: httpx.AsyncClient, session: AsyncSession, world: World) -> dict[str, str]:
    """A live panel session per operator, made without the log-in form: its argon2 check
    costs 0.15 s a time. The form has its own tests (TestPanelGuards uses it here too).
    """
    found = {}
    expires = utcnow() + timedelta(hours=1)
    for who in WHO:
        token = found[who] = new_token()
        operator_id = world.operator(who).id
        session.add(
            OperatorSession(operator_id=operator_id, token_hash=digest(token), expires_at=expires)
        )
    await session.commit()
    client.cookies.set(CSRF_COOKIE, new_token())
    return found


def fill(template: str, world: World, who: str = "") -> str:
    ids = {f"s{n}": s.id for n, s in world.stations.items()}
    return template.format(**ids, b=world.b.id, c=world.c.id, who=who)


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
    ("/stations/new", {"identifier": "NEW-{who}", "group_id": "{b}"}, (303, 403, 422, 422)),
    ("/stations/new", {"identifier": "NEW-{who}", "group_id": "{c}"}, (303, 403, 303, 422)),
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


def _check_message(response: httpx.Response, path: str) -> None:
    said = {403: DENIED, 404: NOT_FOUND}.get(response.status_code)
    assert said is None or said in response.text, (path, response.status_code)
    if response.status_code == 200 and "/commands/" in path:
        assert OFFLINE in response.text


class TestPanelMatrix:
    """One test per page or form; the four operators try it in turn, in `ORDER`."""

    @pytest.mark.parametrize(("path", "expected"), PAGES, ids=[p for p, _ in PAGES])
    async def test_page(
        self,
        client: httpx.AsyncClient,
        world: World,
        tokens: dict[str, str],
        path: str,
        expected: tuple[int, int, int, int],
    ) -> None:
        got = {}
        for who in ORDER:
            client.cookies.set(SESSION_COOKIE, tokens[who])
            response = await client.get(fill(path, world))
            _check_message(response, path)
            got[who] = response.status_code
        assert got == dict(zip(WHO, expected, strict=True))

    @pytest.mark.parametrize(("path", "form", "expected"), FORMS, ids=[p for p, _, _ in FORMS])
    async def test_form(
        self,
        client: httpx.AsyncClient,
        world: World,
        tokens: dict[str, str],
        path: str,
        form: dict[str, str],
        expected: tuple[int, int, int, int],
    ) -> None:
        got = {}
        for who in ORDER:
            client.cookies.set(SESSION_COOKIE, tokens[who])
            data = {k: fill(v, world, who) for k, v in form.items()} | {"csrf_token": csrf(client)}
            response = await client.post(fill(path, world), data=data)
            _check_message(response, path)
            got[who] = response.status_code
        assert got == dict(zip(WHO, expected, strict=True))


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
