"""Remote start obeys the authorization rule; a session started with a refused tag (issue 13)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import Transaction
from tests.fixtures.factories import create_charging_point, create_charging_user, create_token
from tests.fixtures.html import text
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import read
from tests.fixtures.world import World, api_token, build_world, csrf, log_in

__all__ = ["ocpp_url"]

HTMX = {"HX-Request": "true"}
UNKNOWN = "NOPE-NOT-KNOWN"


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    await create_charging_point(session, station=world.stations[2], connector_id=1)
    await session.commit()
    return world


class TestRemoteStartIsAuthorized:
    async def test_the_api_refuses_an_unknown_tag_with_the_reason_and_sends_nothing(
        self, world: World, client: httpx.AsyncClient, alpha: dict[str, str], ocpp_url: str
    ) -> None:
        script = Script()
        url = f"/api/v1/stations/{world.stations[2].id}/commands/RemoteStartTransaction"
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(
                url, json={"connectorId": 1, "idTag": UNKNOWN}, headers=alpha
            )
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["field"] == "idTag"
        assert (
            f"Charging refused for RFID token {UNKNOWN}: Invalid, unknown token" in body["message"]
        )
        assert script.received == []

    async def test_the_api_refuses_a_tag_outside_the_user_s_access_rights(
        self, world: World, session: AsyncSession, client: httpx.AsyncClient,
        alpha: dict[str, str], ocpp_url: str,
    ) -> None:  # fmt: skip
        user = await create_charging_user(session, organization=world.org_a, groups=[world.c])
        await create_token(session, user=user, id_tag="ONLY-C")
        await session.commit()
        script = Script()
        url = f"/api/v1/stations/{world.stations[2].id}/commands/RemoteStartTransaction"
        async with connected(ocpp_url, "ST2", script=script):
            refused = await client.post(
                url, json={"connectorId": 1, "idTag": "ONLY-C"}, headers=alpha
            )
            assert refused.status_code == 422, refused.text
            assert "station outside the user's access rights" in refused.json()["message"]
            # The same tag at a station its rights cover is sent.
            other = f"/api/v1/stations/{world.stations[4].id}/commands/RemoteStartTransaction"
            async with connected(ocpp_url, "ST4", script=script):
                sent = await client.post(
                    other, json={"connectorId": 1, "idTag": "ONLY-C"}, headers=alpha
                )
        assert sent.status_code == 200, sent.text
        assert [action for action, _ in script.received] == ["RemoteStartTransaction"]

    async def test_the_panel_shows_why_the_start_was_refused(
        self, world: World, client: httpx.AsyncClient, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(
                f"/stations/{world.stations[2].id}/commands/start-charging",
                data={"connector_id": "1", "id_tag": UNKNOWN, "csrf_token": csrf(client)},
                headers=HTMX,
            )
        assert f"Charging refused for RFID token {UNKNOWN}: Invalid, unknown token" in text(
            response.text
        )
        assert script.received == []


async def transactions(database: Database) -> list[Transaction]:
    async def work(s: AsyncSession) -> list[Transaction]:
        return list((await s.scalars(select(Transaction))).all())

    return await read(database, work)


class TestRefusedSession:
    async def test_a_session_started_with_a_refused_tag_is_shown_so_and_the_operator_ends_it(
        self, world: World, client: httpx.AsyncClient, ocpp_url: str, database: Database
    ) -> None:
        station_id = world.stations[2].id
        await log_in(client, "alpha")
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            started = await station.start_tx(1, UNKNOWN, 1000)
            assert started.id_tag_info["status"] == "Invalid"
            page = (await client.get(f"/stations/{station_id}")).text
        (tx,) = await transactions(database)
        shown = text(page)
        assert f"Token refused (Invalid) Session #{tx.id} started by the station" in shown
        assert re.search(
            rf'action="/sessions/{tx.id}/close" onsubmit="return window\.confirm\(&#34;', page
        )
        closed = await client.post(f"/sessions/{tx.id}/close", data={"csrf_token": csrf(client)})
        assert closed.status_code in (200, 303), closed.text
        (tx,) = await transactions(database)
        assert not tx.is_open and tx.closed_by_username == "alpha"
        after = text((await client.get(f"/stations/{station_id}")).text)
        assert "Token refused" not in after

    async def test_an_accepted_session_offers_no_ending_by_hand_on_the_station_view(
        self, world: World, session: AsyncSession, client: httpx.AsyncClient, ocpp_url: str
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        await create_token(session, user=user, id_tag="GOOD1")
        await session.commit()
        await log_in(client, "alpha")
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            assert (await station.start_tx(1, "GOOD1", 0)).id_tag_info["status"] == "Accepted"
            page = (await client.get(f"/stations/{world.stations[2].id}")).text
        assert "Token refused" not in text(page) and "close-refused" not in page
        assert "Stop charging" in text(page)


async def test_a_token_given_out_now_charges_at_once_on_a_station_stamping_whole_seconds(
    world: World, session: AsyncSession, client: httpx.AsyncClient, ocpp_url: str
) -> None:
    """A token valid "from now" starts a minute early: a card tapped at once charges."""
    headers = await api_token(session, world.alpha)
    made = await client.post(
        "/api/v1/charging-users",
        json={
            "first_name": "New",
            "last_name": "Driver",
            "group_ids": [world.b.id],
            "tokens": [{"id_tag": "FRESH1"}],
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    async with connected(ocpp_url, "ST2") as station:
        await station.boot()
        # A station a second behind, stamping whole seconds (ours stamps now, truncated).
        behind = (utcnow() - timedelta(seconds=1)).isoformat(timespec="seconds")
        started = await station.start_tx(1, "FRESH1", 0, timestamp=behind.replace("+00:00", "Z"))
    assert started.id_tag_info["status"] == "Accepted"
