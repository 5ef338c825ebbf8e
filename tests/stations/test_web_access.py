"""Who reaches which station panel page and form: the permission and domain matrix.

alpha: admin, whole organisation A; beta: basic, group B (stations 2, 3); gamma: admin,
group C (station 4); omega: admin of organisation B (station 5). No station is connected,
so commands that may be sent answer that the station is offline.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.dependencies import SESSION_COOKIE
from laturi.auth.secrets import digest, new_token
from laturi.kit.time import utcnow
from laturi.models import OperatorSession, StationConfigurationKey, UnknownStationAttempt
from laturi.web.csrf import CSRF_COOKIE
from tests.fixtures.factories import (
    create_charging_point,
    create_charging_user,
    create_event,
    create_token,
    create_transaction,
)
from tests.fixtures.html import refusal
from tests.fixtures.world import World, build_world, csrf, log_in

WHO = ("alpha", "beta", "gamma", "omega")
# The order they act in within a test: those allowed the least first, so that what a
# permitted operator changes (a station deleted, one added) cannot change the others' answer.
ORDER = ("omega", "beta", "gamma", "alpha")
OFFLINE = "Charging station is not connected. Nothing was sent."
NOT_FOUND = "Charging station does not exist."


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
    ("/stations/{s2}/events?sort=-status&day=2026-01-01", (200, 200, 404, 404)),
    ("/stations/{s4}/events", (200, 404, 200, 404)),
    ("/stations/{s5}/events", (404, 404, 404, 200)),
    ("/stations/{s2}/statistics", (200, 200, 404, 404)),
    ("/stations/{s2}/messages", (200, 403, 404, 404)),
    ("/stations/{s2}/messages?direction=in", (200, 403, 404, 404)),
    ("/stations/{s4}/messages", (200, 403, 200, 404)),
    ("/stations/{s2}/edit", (200, 403, 404, 404)),
    ("/stations/{s4}/edit", (200, 403, 200, 404)),
    ("/stations/{s2}/edit/advanced", (200, 403, 404, 404)),
    ("/stations/{s4}/edit/advanced", (200, 403, 200, 404)),
    ("/stations/{s5}/edit/advanced", (404, 403, 404, 200)),
    ("/stations/{s5}/edit", (404, 403, 404, 200)),
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
    ("/stations/{s2}/commands/hard-reset", {}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/set-available", {"connector_id": "1"}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/set-unavailable", {}, (200, 200, 404, 404)),
    ("/stations/{s4}/commands/soft-reset", {}, (200, 404, 200, 404)),
    ("/stations/{s5}/commands/soft-reset", {}, (404, 404, 404, 200)),
    ("/stations/{s4}/edit/advanced/change", {"key": "K", "value": "1"}, (200, 403, 200, 404)),
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


HTMX = {"HX-Request": "true"}
# The HTMX variants: path, the element asking (HX-Target; "" none), status per operator.
FRAGMENTS: list[tuple[str, str, tuple[int, int, int, int]]] = [
    ("/stations", "station-rows", (200, 200, 200, 200)),
    ("/stations", "list", (200, 200, 200, 200)),
    ("/stations?group={c}", "station-rows", (200, 200, 200, 200)),
    ("/stations/{s2}", "", (200, 200, 404, 404)),
    ("/stations/{s4}", "", (200, 404, 200, 404)),
    ("/stations/{s2}/events", "event-rows", (200, 200, 404, 404)),
    ("/stations/{s2}/events?sort=info", "event-rows", (200, 200, 404, 404)),
    ("/stations/{s2}/events", "events", (200, 200, 404, 404)),
    ("/stations/{s5}/events", "event-rows", (404, 404, 404, 200)),
    ("/stations/{s2}/messages", "", (200, 403, 404, 404)),
    ("/stations/{s4}/messages", "", (200, 403, 200, 404)),
]
# The HTMX variants of forms: path, form, status per operator.
FRAGMENT_FORMS: list[tuple[str, dict[str, str], tuple[int, int, int, int]]] = [
    ("/stations/{s2}/edit/advanced", {}, (200, 403, 404, 404)),
    ("/stations/{s2}/edit/advanced/change", {"key": "K", "value": "1"}, (200, 403, 404, 404)),
    ("/stations/{s2}/commands/soft-reset", {}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/start-charging", {"id_tag": "T1"}, (200, 200, 404, 404)),
    ("/stations/{s2}/commands/firmware-update", {"location": "ftp://x/"}, (200, 403, 404, 404)),
    ("/stations/{s4}/commands/refresh-configuration", {}, (200, 404, 200, 404)),
]


def _says(response: httpx.Response) -> str | None:
    """The message a refused request must show."""
    return {403: refusal(response), 404: NOT_FOUND}.get(response.status_code)


def _check_message(response: httpx.Response, path: str) -> None:
    said = _says(response)
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

    @pytest.mark.parametrize(
        ("path", "target", "expected"), FRAGMENTS, ids=[f"{p} {t}" for p, t, _ in FRAGMENTS]
    )
    async def test_fragment(
        self,
        client: httpx.AsyncClient,
        world: World,
        tokens: dict[str, str],
        path: str,
        target: str,
        expected: tuple[int, int, int, int],
    ) -> None:
        headers = HTMX | ({"HX-Target": target} if target else {})
        got = {}
        for who in ORDER:
            client.cookies.set(SESSION_COOKIE, tokens[who])
            response = await client.get(fill(path, world), headers=headers)
            _check_message(response, path)
            got[who] = response.status_code
        assert got == dict(zip(WHO, expected, strict=True))

    @pytest.mark.parametrize(
        ("path", "form", "expected"), FRAGMENT_FORMS, ids=[p for p, _, _ in FRAGMENT_FORMS]
    )
    async def test_fragment_form(
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
            response = await client.post(fill(path, world), data=data, headers=HTMX)
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


def identifiers(page: str) -> list[str]:
    return re.findall(r'data-identifier="([^"]+)"', page)


class TestPanelShowsOnlyTheDomain:
    """What a page or fragment shows for ids beside the station's: never another domain's."""

    async def _as(self, client: httpx.AsyncClient, tokens: dict[str, str], who: str) -> None:
        client.cookies.set(SESSION_COOKIE, tokens[who])

    @pytest.mark.parametrize(
        ("who", "group", "shown"),
        [
            ("alpha", "", ["ST1", "ST2", "ST3", "ST4"]),
            ("beta", "", ["ST2", "ST3"]),
            ("gamma", "", ["ST4"]),
            ("omega", "", ["ST5"]),
            ("beta", "c", []),
            ("beta", "a", []),
            ("gamma", "b", []),
            ("omega", "a", []),
            ("alpha", "x", []),
        ],
    )
    async def test_the_live_rows_of_the_station_list(
        self,
        client: httpx.AsyncClient,
        world: World,
        tokens: dict[str, str],
        who: str,
        group: str,
        shown: list[str],
    ) -> None:
        await self._as(client, tokens, who)
        params = {"group": str(getattr(world, group).id)} if group else {}
        headers = {"HX-Request": "true", "HX-Target": "station-rows"}
        response = await client.get("/stations", params=params, headers=headers)
        assert identifiers(response.text) == shown
        assert "<table" not in response.text  # the rows alone

    async def test_the_live_event_rows_are_the_station_s_own(
        self, session: AsyncSession, client: httpx.AsyncClient, world: World, tokens: dict[str, str]
    ) -> None:
        for n in (2, 3, 4, 5):
            station = world.stations[n]
            await create_event(
                session, station=station, at=utcnow(), info=f"from {station.identifier}"
            )
        await session.commit()
        await self._as(client, tokens, "beta")
        headers = {"HX-Request": "true", "HX-Target": "event-rows"}
        page = await client.get(f"/stations/{world.stations[2].id}/events", headers=headers)
        assert re.findall(r"from (ST\d)", page.text) == ["ST2"]

    @pytest.mark.parametrize(("who", "shown"), [("alpha", ["NEW-A"]), ("omega", ["NEW-B"])])
    async def test_unknown_stations_are_each_organisation_s_own(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        world: World,
        tokens: dict[str, str],
        who: str,
        shown: list[str],
    ) -> None:
        now = utcnow()
        for org, identifier in ((world.org_a, "NEW-A"), (world.org_b, "NEW-B"), (None, "STRAY")):
            session.add(
                UnknownStationAttempt(
                    identifier=identifier,
                    organization_id=org.id if org else None,
                    reason="unknown",
                    address="10.0.0.9",
                    first_at=now,
                    last_at=now,
                )
            )
        await session.commit()
        await self._as(client, tokens, who)
        assert identifiers((await client.get("/stations/unknown")).text) == shown

    @pytest.mark.parametrize(("who", "n", "org"), [("alpha", 2, "org_a"), ("omega", 5, "org_b")])
    async def test_the_basic_tab_gives_the_address_of_the_station_s_own_organisation(
        self,
        client: httpx.AsyncClient,
        world: World,
        tokens: dict[str, str],
        who: str,
        n: int,
        org: str,
    ) -> None:
        await self._as(client, tokens, who)
        page = (await client.get(f"/stations/{world.stations[n].id}/edit")).text
        addresses = re.findall(r"wss?://[^\s<\"']+/ocpp/[^\s<\"']+", page)
        assert addresses and set(addresses) == {
            addresses[0].split("/ocpp/")[0] + f"/ocpp/{getattr(world, org).slug}/ST{n}"
        }

    async def test_the_advanced_tab_shows_the_station_s_own_keys(
        self, session: AsyncSession, client: httpx.AsyncClient, world: World, tokens: dict[str, str]
    ) -> None:
        for n in (2, 4, 5):
            session.add(
                StationConfigurationKey(
                    station_id=world.stations[n].id, key=f"Key{n}", value="1", read_at=utcnow()
                )
            )
        await session.commit()
        await self._as(client, tokens, "alpha")
        page = (await client.get(f"/stations/{world.stations[2].id}/edit/advanced")).text
        assert re.findall(r'data-key="([^"]+)"', page) == ["Key2"]

    async def test_start_charging_never_offers_another_organisation_s_token(
        self, session: AsyncSession, client: httpx.AsyncClient, world: World, tokens: dict[str, str]
    ) -> None:
        since = utcnow() - timedelta(days=1)
        here = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        # Organisation B's user whose rights (wrongly) name organisation A's group B.
        astray = await create_charging_user(session, organization=world.org_b, groups=[world.b])
        await create_token(session, user=here, id_tag="HERE1", valid_from=since)
        await create_token(session, user=astray, id_tag="OMEGA1", valid_from=since)
        await session.commit()
        await self._as(client, tokens, "beta")
        page = (await client.get(f"/stations/{world.stations[2].id}")).text
        offered = re.findall(r'<option value="([^"]+)">', page.split('id="recent-tags"')[1])
        assert "HERE1" in offered and "OMEGA1" not in offered
