"""The manual's station rules through the REST API: add, edit, delete, orphans, sockets."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import UnknownStationAttempt
from tests.fixtures.factories import create_charging_point
from tests.fixtures.world import World, api_token

STATIONS = "/api/v1/stations"


@pytest.fixture
async def gamma(session: AsyncSession, world: World) -> dict[str, str]:
    return await api_token(session, world.gamma)


class TestAddStation:
    async def test_an_admin_adds_a_station_to_a_group(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        body = {"name": "Pine Mall entry", "identifier": "EVI00000013", "group_id": world.b.id}
        response = await client.post(STATIONS, json=body, headers=alpha)
        assert response.status_code == 201, response.text
        made = response.json()
        assert (made["name"], made["identifier"], made["group_name"]) == (
            "Pine Mall entry",
            "EVI00000013",
            "B",
        )
        assert made["online"] is False and made["live_status"] == "Offline"
        assert made["charging_points"] == [] and made["has_password"] is False
        # The organisation's slug in the address tells the tenant at the handshake.
        assert made["ocpp_url"].startswith("ws://")
        assert made["ocpp_url"].endswith("/ocpp/a/EVI00000013")

    async def test_without_a_group_it_goes_to_the_base_group_and_the_name_defaults(
        self, world: World, gamma: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        body = {"identifier": "GAMMA-1", "free_charging": True, "password": "Station-pass-1"}
        made = (await client.post(STATIONS, json=body, headers=gamma)).json()
        assert (made["group_id"], made["name"]) == (world.c.id, "GAMMA-1")
        assert made["free_charging"] is True and made["has_password"] is True

    @pytest.mark.parametrize(
        ("identifier", "message"),
        [
            ("", "Invalid charging station identifier."),
            ("X" * 65, "Invalid charging station identifier."),
            ("EVI/0001", "Identifier contains forbidden characters."),
            ("EVI 0001", "Identifier contains forbidden characters."),
            ("EVI:0001", "Identifier contains forbidden characters."),
            ("ÄVI0001", "Identifier contains forbidden characters."),
        ],
    )
    async def test_the_identifier_takes_only_letters_digits_dash_and_underscore(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        identifier: str,
        message: str,
    ) -> None:
        response = await client.post(STATIONS, json={"identifier": identifier}, headers=alpha)
        assert response.status_code == 422
        assert (response.json()["message"], response.json()["field"]) == (message, "identifier")

    async def test_an_identifier_is_unique_within_the_organisation_only(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        duplicate = await client.post(STATIONS, json={"identifier": "ST4"}, headers=alpha)
        assert duplicate.status_code == 409
        assert duplicate.json()["message"] == "Charging station already exists for that identifier."
        omega = await api_token(session, world.omega)
        other_org = await client.post(STATIONS, json={"identifier": "ST4"}, headers=omega)
        assert other_org.status_code == 201

    async def test_adding_a_station_for_an_unknown_device_clears_its_attempts(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        now = utcnow()
        for org in (world.org_a, world.org_b):
            session.add(
                UnknownStationAttempt(
                    identifier="NEW-1",
                    organization_id=org.id,
                    reason="unknown",
                    address="10.0.0.9",
                    first_at=now,
                    last_at=now,
                )
            )
        await session.commit()
        omega = await api_token(session, world.omega)
        listed = (await client.get(f"{STATIONS}/unknown", headers=alpha)).json()
        assert [(a["identifier"], a["attempts"]) for a in listed] == [("NEW-1", 1)]
        await client.post(STATIONS, json={"identifier": "NEW-1"}, headers=alpha)
        assert (await client.get(f"{STATIONS}/unknown", headers=alpha)).json() == []
        # The other organisation's record of its own device is its own business.
        theirs = (await client.get(f"{STATIONS}/unknown", headers=omega)).json()
        assert [a["identifier"] for a in theirs] == ["NEW-1"]

    async def test_attempts_no_organisation_was_named_in_are_shown_to_none(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        now = utcnow()
        session.add(
            UnknownStationAttempt(
                identifier="STRAY-1",
                reason="unknown",
                address="10.0.0.9",
                first_at=now,
                last_at=now,
            )
        )
        await session.commit()
        omega = await api_token(session, world.omega)
        for headers in (alpha, omega):
            assert (await client.get(f"{STATIONS}/unknown", headers=headers)).json() == []


class TestEditStation:
    async def test_name_group_and_settings_change_the_identifier_does_not(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        url = f"{STATIONS}/{world.stations[2].id}"
        changed = await client.patch(
            url,
            json={"name": "Renamed", "group_id": world.c.id, "free_charging": True},
            headers=alpha,
        )
        assert changed.status_code == 200
        body = changed.json()
        assert (body["name"], body["group_id"], body["free_charging"]) == (
            "Renamed",
            world.c.id,
            True,
        )
        refused = await client.patch(url, json={"identifier": "OTHER"}, headers=alpha)
        assert refused.status_code == 422

    async def test_an_edit_of_an_older_version_is_refused(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        url = f"{STATIONS}/{world.stations[2].id}"
        version = (await client.get(url, headers=alpha)).json()["version"]
        await client.patch(url, json={"name": "First", "version": version}, headers=alpha)
        late = await client.patch(url, json={"name": "Second", "version": version}, headers=alpha)
        assert late.status_code == 409 and "refresh" in late.json()["message"]

    async def test_a_group_outside_the_domain_is_refused(
        self, world: World, gamma: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        url = f"{STATIONS}/{world.stations[4].id}"
        response = await client.patch(url, json={"group_id": world.b.id}, headers=gamma)
        assert response.status_code == 422 and response.json()["field"] == "group_id"


class TestDeleteStation:
    async def test_delete_makes_an_orphan_then_deleting_the_orphan_frees_its_identifier(
        self, world: World, alpha: dict[str, str], gamma: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        url = f"{STATIONS}/{world.stations[4].id}"
        first = await client.delete(url, headers=alpha)
        assert first.json() == {"outcome": "orphaned"}
        orphan = (await client.get(url, headers=alpha)).json()
        assert orphan["group_id"] is None
        # Only an operator whose domain is the whole organisation sees orphans.
        assert (await client.get(url, headers=gamma)).status_code == 404
        listed = (await client.get(STATIONS, headers=alpha)).json()["items"]
        assert "ST4" in [s["identifier"] for s in listed]
        second = await client.delete(url, headers=alpha)
        assert second.json() == {"outcome": "deleted"}
        assert (await client.get(url, headers=alpha)).status_code == 404
        again = await client.post(STATIONS, json={"identifier": "ST4"}, headers=alpha)
        assert again.status_code == 201 and again.json()["id"] != world.stations[4].id


class TestListStations:
    async def test_search_filter_sort_and_page(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        await create_charging_point(session, station=world.stations[3], connector_id=1)
        await create_charging_point(session, station=world.stations[3], connector_id=2)
        await session.commit()
        everything = (await client.get(STATIONS, headers=alpha)).json()
        assert everything["total"] == 4
        in_b = (await client.get(STATIONS, params={"group_id": world.b.id}, headers=alpha)).json()
        assert [s["identifier"] for s in in_b["items"]] == ["ST2", "ST3"]
        assert [s["charging_point_count"] for s in in_b["items"]] == [0, 2]
        found = (await client.get(STATIONS, params={"q": "st3"}, headers=alpha)).json()
        assert [s["identifier"] for s in found["items"]] == ["ST3"]
        paged = await client.get(
            STATIONS, params={"sort": "-identifier", "size": 2, "page": 2}, headers=alpha
        )
        assert [s["identifier"] for s in paged.json()["items"]] == ["ST2", "ST1"]


class TestSockets:
    async def test_a_charging_point_has_at_most_four_sockets_of_known_types(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        await create_charging_point(session, station=world.stations[2], connector_id=1)
        await session.commit()
        url = f"{STATIONS}/{world.stations[2].id}/charging-points/1/sockets"
        two = [{"type": "Type 2", "max_power_kw": "22"}, {"type": "Schuko", "max_power_kw": 3.7}]
        saved = await client.put(url, json={"sockets": two}, headers=alpha)
        assert saved.status_code == 200
        assert [(s["position"], s["type"], s["max_power_kw"]) for s in saved.json()["sockets"]] == [
            (1, "Type 2", 22.0),
            (2, "Schuko", 3.7),
        ]
        points = await client.get(
            f"{STATIONS}/{world.stations[2].id}/charging-points", headers=alpha
        )
        assert [len(p["sockets"]) for p in points.json()] == [2]
        five = {"sockets": [{"type": "CCS"}] * 5}
        assert (await client.put(url, json=five, headers=alpha)).status_code == 422
        odd = {"sockets": [{"type": "Garden hose"}]}
        assert (await client.put(url, json=odd, headers=alpha)).json()["field"] == "type"
        missing = url.replace("/1/", "/9/")
        assert (await client.put(missing, json={"sockets": []}, headers=alpha)).status_code == 404
