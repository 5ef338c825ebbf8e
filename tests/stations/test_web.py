"""The station panel pages without a live station: list, add, edit, sockets, unknown stations.

The world is the manual's picture (see tests/fixtures/world.py): alpha is an admin over the
whole of organisation A, beta a basic operator in group B, gamma an admin in group C.
"""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import Socket, Station, UnknownStationAttempt
from tests.fixtures.factories import (
    create_charging_point,
    create_charging_user,
    create_station,
    create_token,
    create_transaction,
)
from tests.fixtures.html import by_id, field_error, table_rows, text
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import connected
from tests.fixtures.wait import read
from tests.fixtures.world import World, csrf, log_in

__all__ = ["ocpp_url"]


async def stored(database: Database, station_id: int) -> Station:
    async def work(s: AsyncSession) -> Station:
        found = await s.get(Station, station_id)
        assert found is not None
        return found

    return await read(database, work)


def listed(page: str) -> list[str]:
    """Identifiers in the station list, in order."""
    return re.findall(r'data-identifier="([^"]+)"', page)


class TestList:
    async def test_an_admin_sees_the_domain_with_group_points_and_status(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await create_charging_point(session, station=world.stations[2], connector_id=1)
        await create_charging_point(session, station=world.stations[2], connector_id=2)
        world.stations[2].firmware_version = "A999"
        await session.commit()
        await log_in(client, "alpha")
        page = (await client.get("/stations")).text
        assert listed(page) == ["ST1", "ST2", "ST3", "ST4"]
        row = next(r for r in table_rows(page, "stations-table") if "ST2" in r)
        assert row == "ST2 ST2 B 2 A999 Offline View Edit"
        assert "Add new charging station +" in page

    async def test_filter_by_group_search_sort_and_page(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        assert listed((await client.get(f"/stations?group={world.b.id}")).text) == ["ST2", "ST3"]
        assert listed((await client.get("/stations?q=t4")).text) == ["ST4"]
        assert listed((await client.get("/stations?sort=-identifier")).text)[:2] == ["ST4", "ST3"]
        second = (await client.get("/stations?size=3&page=2")).text
        assert listed(second) == ["ST4"]
        assert "4 in all" in second

    async def test_an_htmx_request_gets_only_the_table_keeping_the_group_filter(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        response = await client.get(
            f"/stations?group={world.b.id}&sort=identifier", headers={"HX-Request": "true"}
        )
        assert "<html" not in response.text and 'id="stations-table"' in response.text
        assert f"group={world.b.id}" in response.text  # sort and page links keep the filter

    @pytest.mark.parametrize(("who", "sees_orphan"), [("alpha", True), ("gamma", False)])
    async def test_orphans_are_listed_for_whole_organisation_operators(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        who: str,
        sees_orphan: bool,
    ) -> None:
        await create_station(session, group=None, organization=world.org_a, identifier="LOST-1")
        await session.commit()
        await log_in(client, who)
        page = (await client.get("/stations")).text
        assert ("LOST-1" in listed(page)) == sees_orphan
        if sees_orphan:
            row = next(r for r in table_rows(page, "stations-table") if "LOST-1" in r)
            assert "Orphan" in row

    async def test_a_basic_operator_has_no_add_or_edit_buttons(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        page = (await client.get("/stations")).text
        assert listed(page) == ["ST2", "ST3"]
        assert "Add new charging station +" not in page and "/edit" not in page


class TestStationView:
    async def test_a_basic_operator_sends_commands_but_neither_edits_nor_updates_firmware(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        page = (await client.get(f"/stations/{world.stations[2].id}")).text
        assert "Soft reset" in page and "Get diagnostics" in page
        for hidden in ("Firmware update", "Edit this charging station", "OCPP message log"):
            assert hidden not in page, hidden

    async def test_an_admin_has_every_command_and_the_edit_link(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"/stations/{world.stations[2].id}")).text
        menu = ("Clear cache", "Soft reset", "Hard reset", "Set available", "Set unavailable")
        for shown in (*menu, "Refresh configuration", "Firmware update", "Get diagnostics"):
            assert shown in page, shown
        assert f'href="/stations/{world.stations[2].id}/edit"' in page

    async def test_start_charging_offers_the_tokens_valid_here_then_recent_ones(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, ocpp_url: str
    ) -> None:
        station = world.stations[2]
        await create_charging_point(session, station=station, connector_id=1)
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        await create_token(session, user=user, id_tag="VALID-1")
        await create_token(session, user=user, id_tag="OFF-1", active=False)
        await create_transaction(
            session, station=station, started_at=utcnow(), stopped_at=utcnow(), id_tag="OLD-9"
        )
        await session.commit()
        await log_in(client, "beta")
        async with connected(ocpp_url, "ST2"):  # commands are offered to a station online
            page = (await client.get(f"/stations/{station.id}")).text
        datalist = re.search(r'<datalist id="recent-tags">(.*?)</datalist>', page, re.S)
        assert datalist is not None
        assert re.findall(r'value="([^"]+)"', datalist.group(1)) == ["VALID-1", "OLD-9"]
        assert 'list="recent-tags"' in page and "Start charging" in page


class TestAdd:
    async def test_an_admin_adds_a_station_and_lands_on_its_view(
        self, client: httpx.AsyncClient, world: World, database: Database
    ) -> None:
        await log_in(client, "alpha")
        form = (await client.get("/stations/new")).text
        assert "cannot be changed after the station has been created" in form
        response = await client.post(
            "/stations/new",
            data={
                "name": "Pine Mall entry",
                "identifier": "EVI00000013",
                "group_id": str(world.c.id),
                "csrf_token": csrf(client),
            },
        )
        assert response.status_code == 303
        view = (await client.get(response.headers["location"])).text
        assert "Charging station Pine Mall entry added." in view
        assert by_id(view, "station-group") == "C"
        assert "EVI00000013" in listed((await client.get("/stations")).text)

    @pytest.mark.parametrize(
        ("identifier", "message"),
        [
            ("", "Invalid charging station identifier."),
            ("x" * 65, "Invalid charging station identifier."),
            ("EVI/13", "Identifier contains forbidden characters."),
            ("EVI 13", "Identifier contains forbidden characters."),
            ("ST2", "Charging station already exists for that identifier."),
        ],
    )
    async def test_identifier_errors_are_shown_beside_the_field(
        self, client: httpx.AsyncClient, world: World, identifier: str, message: str
    ) -> None:
        await log_in(client, "alpha")
        response = await client.post(
            "/stations/new",
            data={
                "name": "N",
                "identifier": identifier,
                "group_id": "",
                "csrf_token": csrf(client),
            },
        )
        assert response.status_code in (409, 422)
        assert field_error(response.text, "identifier") == message
        assert 'value="N"' in response.text  # what was typed stays

    async def test_a_group_outside_the_domain_is_refused_beside_the_group(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "gamma")
        response = await client.post(
            "/stations/new",
            data={"identifier": "NEW-1", "group_id": str(world.b.id), "csrf_token": csrf(client)},
        )
        assert field_error(response.text, "group_id") == (
            "Charging group does not exist in your domain."
        )

    async def test_an_unknown_device_s_identifier_fills_the_form(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/stations/new?identifier=EVB-77")).text
        assert 'name="identifier" value="EVB-77"' in page


class TestEditBasicSettings:
    async def test_rename_and_move_to_another_group(
        self, client: httpx.AsyncClient, world: World, database: Database
    ) -> None:
        station = world.stations[2]
        await log_in(client, "alpha")
        page = (await client.get(f"/stations/{station.id}/edit")).text
        assert by_id(page, "identifier") == "ST2"
        assert by_id(page, "ocpp-address").endswith("/ocpp/a/ST2")
        response = await client.post(
            f"/stations/{station.id}/edit",
            data={
                "name": "Pine Mall entry",
                "group_id": str(world.c.id),
                "version": str(station.version),
                "csrf_token": csrf(client),
            },
        )
        assert response.status_code == 303
        assert "Changes saved." in (await client.get(response.headers["location"])).text
        saved = await stored(database, station.id)
        assert (saved.name, saved.group_id, saved.identifier) == (
            "Pine Mall entry",
            world.c.id,
            "ST2",
        )

    async def test_ocpp_password_set_then_removed_and_free_charging(
        self, client: httpx.AsyncClient, world: World, database: Database
    ) -> None:
        station = world.stations[1]
        await log_in(client, "alpha")
        base = {"name": "ST1", "group_id": str(world.a.id), "csrf_token": csrf(client)}
        await client.post(
            f"/stations/{station.id}/edit",
            data={**base, "password": "s3cret-pw", "free_charging": "1"},
        )
        saved = await stored(database, station.id)
        assert saved.password_hash and saved.free_charging
        page = (await client.get(f"/stations/{station.id}/edit")).text
        assert "must give a password" in by_id(page, "password-state")
        assert "s3cret-pw" not in page
        await client.post(f"/stations/{station.id}/edit", data={**base, "remove_password": "1"})
        saved = await stored(database, station.id)
        assert saved.password_hash is None and not saved.free_charging

    async def test_an_empty_name_is_refused_beside_the_name(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        response = await client.post(
            f"/stations/{world.stations[2].id}/edit",
            data={"name": "  ", "group_id": "", "csrf_token": csrf(client)},
        )
        assert response.status_code == 422
        assert field_error(response.text, "name") == "Name is required."

    async def test_an_edit_of_an_older_version_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        station = world.stations[2]
        seen = station.version
        station.name = "Changed meanwhile"
        await session.commit()
        await log_in(client, "alpha")
        response = await client.post(
            f"/stations/{station.id}/edit",
            data={"name": "Mine", "version": str(seen), "csrf_token": csrf(client)},
        )
        assert response.status_code == 409
        assert (
            "Charging station was changed by another operator. Exit this view, refresh the page"
            " and retry." in text(response.text)
        )


class TestDelete:
    async def test_delete_makes_an_orphan_then_deleting_the_orphan_frees_the_identifier(
        self, client: httpx.AsyncClient, world: World, database: Database
    ) -> None:
        station = world.stations[2]
        await log_in(client, "alpha")
        first = await client.post(
            f"/stations/{station.id}/delete", data={"csrf_token": csrf(client)}
        )
        assert first.headers["location"] == "/stations"
        page = (await client.get("/stations")).text
        assert "Charging station is now an orphan station." in page
        assert "Orphan" in next(r for r in table_rows(page, "stations-table") if "ST2" in r)
        edit = (await client.get(f"/stations/{station.id}/edit")).text
        assert "Delete for good" in edit and "Select charging group (now an orphan" in edit
        await client.post(f"/stations/{station.id}/delete", data={"csrf_token": csrf(client)})
        page = (await client.get("/stations")).text
        assert "Charging station deleted for good." in page and "ST2" not in listed(page)
        assert (await stored(database, station.id)).deleted_at is not None
        again = await client.post(
            "/stations/new", data={"identifier": "ST2", "csrf_token": csrf(client)}
        )
        assert again.status_code == 303

    async def test_an_orphan_is_out_of_sight_of_an_operator_below_the_root(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "gamma")
        station = world.stations[4]
        await client.post(f"/stations/{station.id}/delete", data={"csrf_token": csrf(client)})
        assert (await client.get(f"/stations/{station.id}")).status_code == 404


class TestSockets:
    async def test_add_and_remove_sockets_of_a_charging_point(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, database: Database
    ) -> None:
        station = world.stations[2]
        await create_charging_point(session, station=station, connector_id=1)
        await session.commit()
        await log_in(client, "alpha")
        url = f"/stations/{station.id}/edit/points/1"
        token = csrf(client)
        await client.post(
            url, data={"type": ["Type 2"], "max_power_kw": ["22"], "csrf_token": token}
        )
        added = await client.post(
            url,
            data={"type": ["Type 2", "Schuko"], "max_power_kw": ["22", "3,7"], "csrf_token": token},
        )
        assert added.status_code == 303
        page = (await client.get(f"/stations/{station.id}")).text
        assert "Type 2 (Socket #1) 22 kW max. power" in text(page)
        assert "Schuko (Socket #2) 3.7 kW max. power" in text(page)
        await client.post(
            url,
            data={
                "type": ["Type 2", "Schuko", ""],
                "max_power_kw": ["22", "3.7", ""],
                "remove": "0",
                "csrf_token": token,
            },
        )
        assert await self._sockets(database) == [(1, "Schuko")]

    @staticmethod
    async def _sockets(database: Database) -> list[tuple[int, str]]:
        async def work(s: AsyncSession) -> list[tuple[int, str]]:
            rows = await s.scalars(select(Socket).order_by(Socket.position))
            return [(r.position, str(r.type)) for r in rows]

        return await read(database, work)

    @pytest.mark.parametrize(
        ("types", "powers", "message"),
        [
            (["CCS"] * 5, ["50"] * 5, "A charging point has at most 4 sockets."),
            (["CCS"], ["lots"], "Max. power must be between 0 and 1000 kW."),
            (["CCS"], ["2000"], "Max. power must be between 0 and 1000 kW."),
        ],
    )
    async def test_a_refused_socket_list_is_shown_with_the_reason(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        types: list[str],
        powers: list[str],
        message: str,
    ) -> None:
        station = world.stations[2]
        await create_charging_point(session, station=station, connector_id=1)
        await session.commit()
        await log_in(client, "alpha")
        response = await client.post(
            f"/stations/{station.id}/edit/points/1",
            data={"type": types, "max_power_kw": powers, "csrf_token": csrf(client)},
        )
        assert response.status_code == 422
        assert field_error(response.text, "sockets") == message
        assert f'value="{powers[0]}"' in response.text  # the rows typed stay on the page

    async def test_a_station_that_never_connected_has_no_charging_points_yet(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"/stations/{world.stations[3].id}/edit/points")).text
        assert "No charging points yet" in page


class TestUnknownStations:
    async def test_admins_see_refused_devices_and_can_add_one(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        now = utcnow()
        session.add(
            UnknownStationAttempt(
                identifier="EVB-77",
                organization_id=world.org_a.id,
                reason="unknown",
                address="10.0.0.7",
                attempts=3,
                first_at=now,
                last_at=now,
            )
        )
        await session.commit()
        await log_in(client, "alpha")
        page = (await client.get("/stations/unknown")).text
        (row,) = table_rows(page, "unknown-table")
        assert row.startswith("EVB-77 Unknown identifier 10.0.0.7 3")
        assert 'href="/stations/new?identifier=EVB-77"' in page
        assert "/ocpp/a/ identifier" in by_id(page, "tenant-address")
        await log_in(client, "gamma")  # an admin below the root does not see them
        below = (await client.get("/stations/unknown")).text
        assert "shown to operators whose domain is the whole organisation" in below
        assert "EVB-77" not in below
