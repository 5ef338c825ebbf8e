"""The station view's state: socket power, the header refreshing, an offline station (issue 13)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import Socket
from laturi.models.charging_point import SocketType
from tests.fixtures.factories import create_charging_point
from tests.fixtures.html import by_id, text
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import connected
from tests.fixtures.world import World, build_world, csrf, log_in

__all__ = ["ocpp_url"]

HTMX = {"HX-Request": "true"}


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    point = await create_charging_point(session, station=world.stations[2], connector_id=1)
    for position, kw in ((1, "50.00"), (2, "7.40")):
        socket = Socket(
            charging_point_id=point.id,
            position=position,
            type=SocketType.TYPE_2,
            max_power_kw=Decimal(kw),
        )
        session.add(socket)
    await session.commit()
    return world


class TestStationView:
    async def test_socket_power_reads_as_a_plain_number(
        self, world: World, client: httpx.AsyncClient
    ) -> None:
        await log_in(client, "alpha")
        page = text((await client.get(f"/stations/{world.stations[2].id}")).text)
        assert "50 kW max. power" in page and "7.4 kW max. power" in page
        assert "E+" not in page

    async def test_an_offline_station_says_offline_once_and_offers_no_commands(
        self, world: World, client: httpx.AsyncClient
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"/stations/{world.stations[2].id}")).text
        assert by_id(page, "station-state").split()[0] == "Offline"
        assert "Offline Offline" not in text(page)
        points = text(page.split('id="points"', 1)[1])
        assert "Release cable" not in points and "Start charging" not in points
        assert "Commands need the station online." in points

    async def test_the_header_state_refreshes_with_the_points(
        self, world: World, client: httpx.AsyncClient, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        url = f"/stations/{world.stations[2].id}"
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            await station.status(0, "Available")
            await station.status(1, "Available")
            before = text(by_id((await client.get(url, headers=HTMX)).text, "station-state"))
            assert before.startswith("Online Available"), before
            await station.status(1, "Charging")
            fragment = (await client.get(url, headers=HTMX)).text
            assert 'id="station-state-box" hx-swap-oob="true"' in fragment
            state = text(by_id(fragment, "station-state"))
            assert state.startswith("Online Charging"), state
            assert "Release cable" in text(fragment)


class TestManualWording:
    async def test_a_deletion_of_a_station_changed_meanwhile_reads_as_the_manual_says(
        self, world: World, session: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        station = world.stations[2]
        seen = station.version
        station.name = "Changed meanwhile"
        await session.commit()
        await log_in(client, "alpha")
        response = await client.post(
            f"/stations/{station.id}/delete",
            data={"version": str(seen), "csrf_token": csrf(client)},
        )
        assert response.status_code == 409
        assert (
            "Charging station deletion failed. Another operator changed this charging station"
            " meanwhile: exit this view, refresh the page and retry." in text(response.text)
        )
