"""Ids of another domain or organisation given in a path's tail, a query string or a body.

The matrix checks who reaches a station; these check that the ids a request carries beside
the station's (a group filter, a new group, a connector, a transaction) cannot reach past it.
alpha: admin, all of organisation A; beta: basic, group B (stations 2, 3); gamma: admin,
group C (station 4); omega: admin of organisation B (station 5).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import (
    ChargingGroup,
    Station,
    StationConfigurationKey,
    Transaction,
    UnknownStationAttempt,
)
from tests.fixtures.factories import create_charging_point, create_event, create_transaction
from tests.fixtures.world import World, api_token, build_world

STATIONS = "/api/v1/stations"
IN_DOMAIN = "Charging group does not exist in your domain."


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)


def group(world: World, name: str) -> ChargingGroup:
    found: ChargingGroup = getattr(world, name)
    return found


async def headers_of(session: AsyncSession, world: World, who: str) -> dict[str, str]:
    return await api_token(session, world.operator(who))


class TestGroupFilter:
    @pytest.mark.parametrize(
        ("who", "filtered_by"),
        [("beta", "c"), ("beta", "a"), ("gamma", "b"), ("omega", "a"), ("alpha", "x")],
    )
    async def test_a_group_outside_the_domain_lists_nothing(
        self,
        session: AsyncSession,
        world: World,
        client: httpx.AsyncClient,
        who: str,
        filtered_by: str,
    ) -> None:
        headers = await headers_of(session, world, who)
        params = {"group_id": group(world, filtered_by).id}
        found = (await client.get(STATIONS, params=params, headers=headers)).json()
        assert (found["items"], found["total"]) == ([], 0)

    async def test_a_group_inside_the_domain_lists_its_stations(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient
    ) -> None:
        headers = await headers_of(session, world, "beta")
        found = (
            await client.get(STATIONS, params={"group_id": world.b.id}, headers=headers)
        ).json()
        assert [s["identifier"] for s in found["items"]] == ["ST2", "ST3"]


class TestMovingToAnotherGroup:
    @pytest.mark.parametrize(
        ("who", "station", "into"),
        [("gamma", 4, "b"), ("gamma", 4, "a"), ("alpha", 2, "x"), ("omega", 5, "a")],
    )
    async def test_a_station_cannot_move_into_a_group_outside_the_domain(
        self,
        session: AsyncSession,
        world: World,
        client: httpx.AsyncClient,
        who: str,
        station: int,
        into: str,
    ) -> None:
        headers = await headers_of(session, world, who)
        url = f"{STATIONS}/{world.stations[station].id}"
        response = await client.patch(
            url, json={"group_id": group(world, into).id}, headers=headers
        )
        assert response.status_code == 422
        assert (response.json()["message"], response.json()["field"]) == (IN_DOMAIN, "group_id")
        assert (await client.get(url, headers=headers)).json()["group_id"] == (
            world.stations[station].group_id
        )

    @pytest.mark.parametrize(("who", "into"), [("alpha", "x"), ("gamma", "b"), ("omega", "c")])
    async def test_a_station_cannot_be_added_to_a_group_outside_the_domain(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient, who: str, into: str
    ) -> None:
        headers = await headers_of(session, world, who)
        body = {"identifier": "NEW-9", "group_id": group(world, into).id}
        response = await client.post(STATIONS, json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["message"] == IN_DOMAIN
        assert await session.scalar(select(Station).where(Station.identifier == "NEW-9")) is None


class TestConnectorsOfAnotherStation:
    async def test_sockets_of_a_connector_only_another_station_has_are_not_touched(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient
    ) -> None:
        await create_charging_point(session, station=world.stations[4], connector_id=7)
        await session.commit()
        headers = await headers_of(session, world, "alpha")
        url = f"{STATIONS}/{world.stations[2].id}/charging-points/7/sockets"
        response = await client.put(url, json={"sockets": [{"type": "CCS"}]}, headers=headers)
        assert response.status_code == 404
        assert response.json()["message"] == "Charging point does not exist."
        theirs = f"{STATIONS}/{world.stations[4].id}/charging-points"
        assert (await client.get(theirs, headers=headers)).json()[0]["sockets"] == []


class TestTransactionsOfAnotherStation:
    @pytest.fixture
    async def theirs(self, session: AsyncSession, world: World) -> int:
        """A transaction of station 4 (group C), and an unmatched stop there too."""
        now = utcnow()
        tx = await create_transaction(session, station=world.stations[4], started_at=now)
        session.add(
            Transaction(
                station_id=world.stations[4].id,
                connector_id=0,
                id_tag="C-TAG",
                authorization_status="Unknown",
                started_at=now,
                stopped_at=now,
                meter_stop=10,
                reported_transaction_id=tx.id,
            )
        )
        await create_transaction(session, station=world.stations[2], started_at=now, id_tag="B-TAG")
        await session.commit()
        return tx.id

    @pytest.mark.parametrize("who", ["alpha", "beta"])
    async def test_another_station_s_transaction_is_not_found_under_this_one(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient, theirs: int, who: str
    ) -> None:
        headers = await headers_of(session, world, who)
        url = f"{STATIONS}/{world.stations[2].id}/transactions/{theirs}"
        response = await client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.json()["message"] == "Transaction does not exist."

    async def test_the_list_holds_the_station_s_own_transactions_only(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient, theirs: int
    ) -> None:
        headers = await headers_of(session, world, "beta")
        url = f"{STATIONS}/{world.stations[2].id}/transactions"
        found = (await client.get(url, params={"q": "TAG"}, headers=headers)).json()
        assert [t["id_tag"] for t in found["items"]] == ["B-TAG"]


class TestFeedsOfAnotherStation:
    async def test_events_and_stored_keys_are_the_station_s_own(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient
    ) -> None:
        now = utcnow()
        for n in (2, 4, 5):
            station = world.stations[n]
            await create_event(session, station=station, at=now, info=f"of {station.identifier}")
            session.add(
                StationConfigurationKey(
                    station_id=station.id, key=f"Key{n}", value="1", read_at=now
                )
            )
        await session.commit()
        headers = await headers_of(session, world, "alpha")
        base = f"{STATIONS}/{world.stations[2].id}"
        for sort in ("-time", "info", "-status", "point"):
            events = await client.get(f"{base}/events", params={"sort": sort}, headers=headers)
            assert [e["info"] for e in events.json()["items"]] == ["of ST2"], sort
        keys = (await client.get(f"{base}/configuration", headers=headers)).json()["keys"]
        assert [k["key"] for k in keys] == ["Key2"]


class TestUnknownStationsPerTenant:
    @pytest.fixture
    async def refused(self, session: AsyncSession, world: World) -> None:
        now = utcnow() - timedelta(minutes=1)
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

    @pytest.mark.parametrize(
        ("who", "shown"), [("alpha", ["NEW-A"]), ("gamma", []), ("omega", ["NEW-B"])]
    )
    async def test_each_organisation_s_whole_organisation_admins_see_their_own(
        self,
        session: AsyncSession,
        world: World,
        client: httpx.AsyncClient,
        refused: None,
        who: str,
        shown: list[str],
    ) -> None:
        headers = await headers_of(session, world, who)
        found = (await client.get(f"{STATIONS}/unknown", headers=headers)).json()
        assert [a["identifier"] for a in found] == shown


class TestOcppAddress:
    @pytest.mark.parametrize(
        ("who", "station", "org"), [("alpha", 2, "org_a"), ("omega", 5, "org_b")]
    )
    async def test_the_address_names_the_station_s_own_organisation(
        self,
        session: AsyncSession,
        world: World,
        client: httpx.AsyncClient,
        who: str,
        station: int,
        org: str,
    ) -> None:
        headers = await headers_of(session, world, who)
        found: Station = world.stations[station]
        detail = (await client.get(f"{STATIONS}/{found.id}", headers=headers)).json()
        slug = getattr(world, org).slug
        assert detail["ocpp_url"].endswith(f"/ocpp/{slug}/{found.identifier}")
