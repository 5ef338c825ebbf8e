"""Who may connect to /ocpp/{identifier}, and what a connection leaves behind."""

from __future__ import annotations

import httpx
import pytest
import websockets
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.secrets import hash_password
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import Station, StationEvent, UnknownStationAttempt
from laturi.models.station_event import EventKind
from laturi.ocpp.throttle import FREE_FAILURES
from tests.fixtures.factories import create_group, create_organization, create_station
from tests.fixtures.station import connected
from tests.fixtures.wait import eventually, read
from tests.fixtures.world import api_token, build_world
from tests.ocpp.conftest import Site


async def attempts(database: Database) -> list[UnknownStationAttempt]:
    async def work(s: AsyncSession) -> list[UnknownStationAttempt]:
        return list((await s.scalars(select(UnknownStationAttempt))).all())

    return await read(database, work)


async def station_row(database: Database, station_id: int) -> Station:
    async def work(s: AsyncSession) -> Station:
        found = await s.get(Station, station_id)
        assert found is not None
        return found

    return await read(database, work)


async def kinds(database: Database, station_id: int) -> list[EventKind]:
    async def work(s: AsyncSession) -> list[EventKind]:
        query = select(StationEvent.kind).where(StationEvent.station_id == station_id)
        return list((await s.scalars(query.order_by(StationEvent.id))).all())

    return await read(database, work)


class TestHandshake:
    async def test_a_known_station_gets_the_ocpp16_subprotocol(
        self, site: Site, ocpp_url: str
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            assert station.ws.subprotocol == "ocpp1.6"
            assert (await station.boot()).status == "Accepted"

    async def test_an_unknown_identifier_is_refused_and_recorded(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        for _ in range(2):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connected(ocpp_url, "NOBODY-1"):
                    pass
            assert refused.value.response.status_code == 404
        (attempt,) = await attempts(database)
        assert (attempt.identifier, attempt.reason, attempt.attempts) == ("NOBODY-1", "unknown", 2)
        # The installation's only organisation is told of it.
        assert attempt.organization_id == site.station.organization_id
        assert attempt.address == "127.0.0.1"

    async def test_a_station_deleted_for_good_is_refused_and_recorded_for_its_organisation(
        self, session: AsyncSession, ocpp_url: str, database: Database
    ) -> None:
        org = await create_organization(session)
        gone = await create_station(session, group=None, organization=org, identifier="OLD-1")
        gone.deleted_at = utcnow()
        await session.commit()
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "OLD-1"):
                pass
        (attempt,) = await attempts(database)
        assert attempt.reason == "deleted" and attempt.organization_id == org.id

    async def test_an_orphan_station_still_connects(
        self, session: AsyncSession, ocpp_url: str
    ) -> None:
        org = await create_organization(session)
        await create_station(session, group=None, organization=org, identifier="ORPHAN-1")
        await session.commit()
        async with connected(ocpp_url, "ORPHAN-1") as station:
            assert (await station.boot()).status == "Accepted"

    async def test_a_station_offering_only_another_ocpp_version_is_refused(
        self, site: Site, ocpp_url: str
    ) -> None:
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, site.identifier, subprotocols=["ocpp2.0.1"]):
                pass

    async def test_a_station_offering_no_subprotocol_is_served_anyway(
        self, site: Site, ocpp_url: str
    ) -> None:
        async with websockets.connect(f"{ocpp_url}/ocpp/{site.identifier}") as ws:
            assert ws.subprotocol is None
            await ws.send('[2,"1","Heartbeat",{}]')
            assert str(await ws.recv()).startswith('[3,"1",')


class TestBasicAuth:
    @pytest.fixture
    async def locked(self, session: AsyncSession) -> Station:
        org = await create_organization(session)
        group = await create_group(session, organization=org)
        station = await create_station(
            session, group=group, identifier="LOCKED-1", password="s3cret-Pass"
        )
        await session.commit()
        return station

    async def test_the_right_password_opens(self, locked: Station, ocpp_url: str) -> None:
        async with connected(ocpp_url, "LOCKED-1", password="s3cret-Pass") as station:
            assert (await station.boot()).status == "Accepted"

    @pytest.mark.parametrize("password", [None, "wrong"])
    async def test_a_missing_or_wrong_password_is_refused(
        self, locked: Station, ocpp_url: str, database: Database, password: str | None
    ) -> None:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(ocpp_url, "LOCKED-1", password=password):
                pass
        assert refused.value.response.status_code == 401
        assert await kinds(database, locked.id) == [EventKind.AUTH_FAILED]

    async def test_passwords_are_stored_with_the_fast_keyed_hash(
        self, locked: Station, database: Database
    ) -> None:
        stored = await read(database, lambda s: s.get(Station, locked.id))
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("hmac-sha256$")
        assert "s3cret" not in stored.password_hash

    async def test_an_older_argon2_password_is_rehashed_at_the_next_log_in(
        self, locked: Station, ocpp_url: str, session: AsyncSession, database: Database
    ) -> None:
        await session.execute(
            update(Station)
            .where(Station.id == locked.id)
            .values(password_hash=hash_password("s3cret-Pass"))
        )
        await session.commit()
        async with connected(ocpp_url, "LOCKED-1", password="s3cret-Pass") as station:
            assert (await station.boot()).status == "Accepted"
        stored = await read(database, lambda s: s.get(Station, locked.id))
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("hmac-sha256$")
        async with connected(ocpp_url, "LOCKED-1", password="s3cret-Pass") as station:
            assert (await station.boot()).status == "Accepted"

    async def test_repeated_wrong_passwords_are_refused_before_any_lookup(
        self, locked: Station, ocpp_url: str, database: Database
    ) -> None:
        for _ in range(FREE_FAILURES + 1):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connected(ocpp_url, "LOCKED-1", password="wrong"):
                    pass
            assert refused.value.response.status_code == 401
        # The last one was throttled: refused before the database saw it.
        failed = await kinds(database, locked.id)
        assert failed == [EventKind.AUTH_FAILED] * FREE_FAILURES
        with pytest.raises(websockets.InvalidStatus):  # the right one waits its turn too
            async with connected(ocpp_url, "LOCKED-1", password="s3cret-Pass"):
                pass

    async def test_the_short_address_opens_only_the_first_of_two_twins(
        self, session: AsyncSession, ocpp_url: str, database: Database
    ) -> None:
        first, second = await create_organization(session), await create_organization(session)
        theirs = await create_station(
            session, group=None, organization=first, identifier="TWIN", password="a-Pass-1"
        )
        mine = await create_station(
            session, group=None, organization=second, identifier="TWIN", password="b-Pass-2"
        )
        await session.commit()
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "TWIN", password="b-Pass-2"):
                pass
        async with connected(ocpp_url, "TWIN", password="a-Pass-1") as station:
            await station.boot()
        assert (await station_row(database, theirs.id)).vendor == "Laturi"
        assert (await station_row(database, mine.id)).vendor is None


class TestTenantInThePath:
    """/ocpp/{slug}/{identifier}: the organisation is named, not guessed."""

    @pytest.fixture
    async def twins(self, session: AsyncSession) -> tuple[Station, Station]:
        first = await create_organization(session, name="Äänekoski Energia")
        second = await create_organization(session, name="Globex")
        theirs = await create_station(session, group=None, organization=first, identifier="TWIN")
        mine = await create_station(session, group=None, organization=second, identifier="TWIN")
        await session.commit()
        return theirs, mine

    async def test_the_slug_picks_the_station_of_one_identifier_in_two_organisations(
        self, twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        theirs, mine = twins
        async with connected(ocpp_url, "TWIN", tenant="aanekoski-energia") as station:
            await station.boot()
        assert (await station_row(database, theirs.id)).vendor == "Laturi"
        assert (await station_row(database, mine.id)).vendor is None

    async def test_without_a_slug_the_identifier_s_first_owner_keeps_the_short_address(
        self, twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        theirs, mine = twins
        async with connected(ocpp_url, "TWIN") as station:
            await station.boot()
        assert (await station_row(database, theirs.id)).vendor == "Laturi"
        assert (await station_row(database, mine.id)).vendor is None

    async def test_a_later_twin_in_another_organisation_does_not_knock_a_station_offline(
        self, session: AsyncSession, ocpp_url: str, database: Database
    ) -> None:
        first = await create_organization(session, name="Hooli")
        station = await create_station(session, group=None, organization=first, identifier="T-1")
        await session.commit()
        async with connected(ocpp_url, "T-1") as device:
            assert (await device.boot()).status == "Accepted"
        later = await create_organization(session, name="Pied Piper")
        await create_station(session, group=None, organization=later, identifier="T-1")
        await session.commit()
        async with connected(ocpp_url, "T-1") as device:
            assert (await device.boot()).status == "Accepted"
        seen = await kinds(database, station.id)
        assert seen.count(EventKind.BOOT) == 2
        assert EventKind.AUTH_FAILED not in seen

    async def test_the_later_twin_must_use_the_full_address(
        self, session: AsyncSession, ocpp_url: str
    ) -> None:
        first = await create_organization(session, name="Hooli")
        await create_station(
            session, group=None, organization=first, identifier="T-2", password="First-secret-123"
        )
        later = await create_organization(session, name="Pied Piper")
        await create_station(
            session, group=None, organization=later, identifier="T-2", password="Twin-secret-12345"
        )
        await session.commit()
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(ocpp_url, "T-2", password="Twin-secret-12345"):
                pass
        assert refused.value.response.status_code == 401
        async with connected(
            ocpp_url, "T-2", password="Twin-secret-12345", tenant="pied-piper"
        ) as device:
            assert (await device.boot()).status == "Accepted"

    async def test_a_trailing_slash_after_the_identifier_is_forgiven(
        self, twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        theirs, _ = twins
        async with websockets.connect(
            f"{ocpp_url}/ocpp/aanekoski-energia/TWIN/",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        ) as ws:
            await ws.send('[2,"1","Heartbeat",{}]')
            assert str(await ws.recv()).startswith('[3,"1",')
        assert (await station_row(database, theirs.id)).last_heartbeat_at is not None

    async def test_an_unknown_device_under_a_slug_is_shown_to_that_organisation_only(
        self, twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "NEW-7", tenant="globex"):
                pass
        (attempt,) = await attempts(database)
        assert (attempt.identifier, attempt.organization_id) == ("NEW-7", twins[1].organization_id)

    async def test_with_several_organisations_and_no_slug_no_organisation_is_told(
        self, twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "NEW-8"):
                pass
        (attempt,) = await attempts(database)
        assert attempt.organization_id is None

    async def test_a_slug_nobody_has_is_refused_and_not_recorded(
        self, twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(ocpp_url, "TWIN", tenant="initech"):
                pass
        assert refused.value.response.status_code == 404
        assert await attempts(database) == []


class TestConnectionState:
    async def test_connect_and_disconnect_are_events_and_the_bus_knows(
        self, site: Site, ocpp_url: str, database: Database, app: FastAPI
    ) -> None:
        station_id = site.station.id
        async with connected(ocpp_url, site.identifier) as station:
            await station.boot()
            assert app.state.bus.is_online(station_id)
            assert (await station_row(database, station_id)).connected

        async def gone() -> bool:
            return not (await station_row(database, station_id)).connected

        await eventually(gone)
        assert not app.state.bus.is_online(station_id)
        assert await kinds(database, station_id) == [
            EventKind.CONNECT,
            EventKind.BOOT,
            EventKind.DISCONNECT,
        ]

    async def test_a_reconnecting_station_replaces_its_older_connection(
        self, site: Site, ocpp_url: str, database: Database, app: FastAPI
    ) -> None:
        async with (
            connected(ocpp_url, site.identifier) as first,
            connected(ocpp_url, site.identifier) as second,
        ):
            await eventually(lambda: _closed(first))
            assert (await second.boot()).status == "Accepted"
            assert app.state.bus.is_online(site.station.id)
            assert (await station_row(database, site.station.id)).connected


async def _closed(station: object) -> bool:
    ws = station.ws  # type: ignore[attr-defined]
    return bool(ws.close_code is not None)


class TestDeletedWhileConnected:
    async def test_deleting_an_orphan_for_good_drops_the_device_and_refuses_it_after(
        self, session: AsyncSession, ocpp_url: str, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        world = await build_world(session)
        headers = await api_token(session, world.alpha)
        url = f"/api/v1/stations/{world.stations[1].id}"
        async with connected(ocpp_url, "ST1") as station:
            await station.boot()
            assert (await client.delete(url, headers=headers)).json()["outcome"] == "orphaned"
            assert app.state.bus.is_online(world.stations[1].id)
            assert (await client.delete(url, headers=headers)).json()["outcome"] == "deleted"
            await eventually(lambda: _closed(station))
        assert not app.state.bus.is_online(world.stations[1].id)
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "ST1"):
                pass


class TestRefusalsStayWithTheirTenant:
    """A refused device is told to one organisation at most: the one it named or surely is."""

    @pytest.fixture
    async def locked_twins(self, session: AsyncSession) -> tuple[Station, Station]:
        first = await create_organization(session, name="Initrode")
        second = await create_organization(session, name="Umbrella")
        theirs = await create_station(
            session, group=None, organization=first, identifier="TWIN", password="a-Pass-1"
        )
        mine = await create_station(
            session, group=None, organization=second, identifier="TWIN", password="b-Pass-2"
        )
        await session.commit()
        return theirs, mine

    async def test_one_organisation_s_password_does_not_open_the_other_s_station(
        self, locked_twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        theirs, mine = locked_twins
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(ocpp_url, "TWIN", password="a-Pass-1", tenant="umbrella"):
                pass
        assert refused.value.response.status_code == 401
        # Told to the organisation named in the path, whose station it claimed to be.
        assert await kinds(database, mine.id) == [EventKind.AUTH_FAILED]
        assert await kinds(database, theirs.id) == []

    async def test_a_station_of_one_organisation_is_not_admitted_under_another_s_slug(
        self, session: AsyncSession, ocpp_url: str, database: Database
    ) -> None:
        world = await build_world(session)
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(ocpp_url, "ST1", tenant=world.org_b.slug):
                pass
        assert refused.value.response.status_code == 404
        assert await kinds(database, world.stations[1].id) == []
        (attempt,) = await attempts(database)
        assert (attempt.identifier, attempt.organization_id) == ("ST1", world.org_b.id)

    async def test_a_wrong_password_at_the_short_address_is_told_to_its_first_owner_only(
        self, locked_twins: tuple[Station, Station], ocpp_url: str, database: Database
    ) -> None:
        theirs, mine = locked_twins
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(ocpp_url, "TWIN", password="wrong-Pass-3"):
                pass
        assert refused.value.response.status_code == 401
        # The short address is the first owner's (theirs): only its feed may show the attempt.
        assert await kinds(database, theirs.id) == [EventKind.AUTH_FAILED]
        assert await kinds(database, mine.id) == []

    async def test_an_identifier_deleted_in_two_organisations_is_told_to_neither(
        self, session: AsyncSession, ocpp_url: str, database: Database
    ) -> None:
        for name in ("Hooli", "Pied Piper"):
            org = await create_organization(session, name=name)
            gone = await create_station(session, group=None, organization=org, identifier="OLD-2")
            gone.deleted_at = utcnow()
        await session.commit()
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "OLD-2"):
                pass
        (attempt,) = await attempts(database)
        assert (attempt.reason, attempt.organization_id) == ("deleted", None)

    async def test_an_identifier_deleted_in_one_organisation_is_told_to_it_under_its_slug(
        self, session: AsyncSession, ocpp_url: str, database: Database
    ) -> None:
        world = await build_world(session)
        world.stations[5].deleted_at = utcnow()
        await session.commit()
        with pytest.raises(websockets.InvalidStatus):
            async with connected(ocpp_url, "ST5", tenant=world.org_a.slug):
                pass
        (attempt,) = await attempts(database)
        # Organisation A was named and has no ST5: unknown to A, never B's deleted station.
        assert (attempt.reason, attempt.organization_id) == ("unknown", world.org_a.id)
