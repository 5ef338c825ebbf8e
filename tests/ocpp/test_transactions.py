"""Charging sessions over a real OCPP connection: authorize, start, meter values, stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ocpp.v16 import call
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup, MeterValue, Organization, StationEvent, Transaction
from laturi.models.station_event import EventKind
from tests.fixtures.factories import (
    create_charging_user,
    create_group,
    create_organization,
    create_station,
    create_token,
)
from tests.fixtures.station import connected
from tests.fixtures.wait import read
from tests.ocpp.conftest import Site


def at(minutes: int) -> str:
    """A timestamp `minutes` after a fixed past moment, as a station writes it."""
    moment = datetime(2026, 3, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return moment.isoformat().replace("+00:00", "Z")


def when(minutes: int) -> datetime:
    return datetime(2026, 3, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)


async def transactions(database: Database) -> list[Transaction]:
    async def work(s: AsyncSession) -> list[Transaction]:
        return list((await s.scalars(select(Transaction).order_by(Transaction.id))).all())

    return await read(database, work)


async def samples(database: Database) -> list[MeterValue]:
    async def work(s: AsyncSession) -> list[MeterValue]:
        query = select(MeterValue).order_by(MeterValue.sampled_at, MeterValue.id)
        return list((await s.scalars(query)).all())

    return await read(database, work)


async def events(database: Database, kind: EventKind) -> list[StationEvent]:
    async def work(s: AsyncSession) -> list[StationEvent]:
        query = select(StationEvent).where(StationEvent.kind == kind).order_by(StationEvent.id)
        return list((await s.scalars(query)).all())

    return await read(database, work)


def meter_value(minute: int, wh: int, **extra: str) -> dict[str, object]:
    sampled = [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    sampled += [{"value": v, "measurand": m} for m, v in extra.items()]
    return {"timestamp": at(minute), "sampledValue": sampled}


class TestAuthorize:
    async def test_an_unknown_tag_is_invalid_at_a_station_that_needs_tokens(
        self, site: Site, ocpp_url: str
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            answer = await station.call(call.Authorize(id_tag="NOBODY"), suppress=False)
        assert answer.id_tag_info["status"] == "Invalid"

    async def test_a_free_charging_station_accepts_any_tag(self, site: Site, ocpp_url: str) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            answer = await station.call(call.Authorize(id_tag="ANYONE"), suppress=False)
        assert answer.id_tag_info["status"] == "Accepted"


class TestFullSession:
    async def test_start_meter_values_stop_records_the_energy(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            started = await station.start_tx(1, "TAG1", 1000, at(0))
            tx_id = started.transaction_id
            assert started.id_tag_info["status"] == "Accepted"
            await station.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx_id,
                    meter_value=[
                        {
                            "timestamp": at(10),
                            "sampledValue": [
                                {"value": "3500", "measurand": "Energy.Active.Import.Register"},
                                {"value": "11.2", "measurand": "Power.Active.Import", "unit": "kW"},
                                {"value": "16.1", "measurand": "Current.Import", "phase": "L1"},
                                {"value": "16.0", "measurand": "Current.Import", "phase": "L2"},
                                {"value": "15.9", "measurand": "Current.Import", "phase": "L3"},
                                {"value": "54", "measurand": "SoC", "unit": "Percent"},
                            ],
                        }
                    ],
                ),
                suppress=False,
            )
            stopped = await station.stop_tx(
                tx_id,
                8510,
                timestamp=at(60),
                reason="EVDisconnected",
                id_tag="TAG1",
                transaction_data=[meter_value(59, 8500)],
            )
        assert stopped.id_tag_info["status"] == "Accepted"
        (tx,) = await transactions(database)
        assert (tx.id, tx.meter_start, tx.meter_stop, tx.energy_wh) == (tx_id, 1000, 8510, 7510)
        assert (tx.started_at, tx.stopped_at) == (when(0), when(60))
        assert tx.stop_reason == "EVDisconnected" and tx.free_charging
        assert not tx.closed_at_reboot
        stored = await samples(database)
        assert {(s.measurand, s.phase) for s in stored} == {
            ("Energy.Active.Import.Register", None),
            ("Power.Active.Import", None),
            ("Current.Import", "L1"),
            ("Current.Import", "L2"),
            ("Current.Import", "L3"),
            ("SoC", None),
        }
        soc = next(s for s in stored if s.measurand == "SoC")
        assert soc.value == Decimal(54) and soc.unit == "Percent" and soc.transaction_id == tx_id
        assert [s.value for s in stored if s.sampled_at == when(59)] == [Decimal(8500)]

    async def test_a_refused_tag_still_gets_a_transaction_the_station_can_stop(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            started = await station.start_tx(1, "NOBODY", 0, at(0))
            assert started.id_tag_info["status"] == "Invalid"
            await station.stop_tx(started.transaction_id, 0, timestamp=at(1), reason="DeAuthorized")
        (tx,) = await transactions(database)
        assert tx.authorization_status == "Invalid" and tx.stop_reason == "DeAuthorized"

    async def test_meter_values_in_kwh_are_read_as_watt_hours(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            started = await station.start_tx(2, "TAG", 12000, at(0))
            await station.call(
                call.MeterValues(
                    connector_id=2,
                    transaction_id=started.transaction_id,
                    meter_value=[
                        {"timestamp": at(5), "sampledValue": [{"value": "12.75", "unit": "kWh"}]}
                    ],
                ),
                suppress=False,
            )
        (tx,) = await transactions(database)
        assert tx.last_meter_wh == 12750 and tx.last_meter_at == when(5)


class TestRetries:
    async def test_a_retried_start_transaction_gets_the_same_transaction_id(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            first = await station.start_tx(1, "TAG1", 500, at(0))
            again = await station.start_tx(1, "TAG1", 500, at(0))
            other = await station.start_tx(1, "TAG1", 500, at(1))
        assert first.transaction_id == again.transaction_id != other.transaction_id
        assert len(await transactions(database)) == 2

    async def test_a_retried_stop_transaction_keeps_the_first_figures(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            started = await station.start_tx(1, "TAG1", 500, at(0))
            await station.stop_tx(started.transaction_id, 900, timestamp=at(30))
            await station.stop_tx(started.transaction_id, 900, timestamp=at(30))
        (tx,) = await transactions(database)
        assert (tx.meter_stop, tx.stopped_at, tx.stop_reason) == (900, when(30), "Local")

    async def test_a_stop_for_an_unknown_transaction_is_accepted_and_recorded(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            answer = await station.stop_tx(
                987654, 4200, timestamp=at(3), transaction_data=[meter_value(2, 4100)]
            )
            assert answer.id_tag_info is None
        (event,) = await events(database, EventKind.UNKNOWN_STOP)
        assert "987654" in (event.info or "") and "4200" in (event.info or "")
        (tx,) = await transactions(database)
        assert tx.unmatched_stop and tx.reported_transaction_id == 987654
        (sample,) = await samples(database)
        assert sample.transaction_id == tx.id and sample.value == Decimal(4100)


class TestOfflineQueue:
    async def test_queued_messages_are_stored_by_their_own_timestamps(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        """A station back online sends what it queued: hours old, and in its order."""
        async with connected(ocpp_url, site.free_identifier) as station:
            await station.boot()
            started = await station.start_tx(1, "TAG1", 100, at(0))
            tx_id = started.transaction_id
            for minute, wh in ((15, 900), (30, 1900), (45, 2600)):
                await station.call(
                    call.MeterValues(
                        connector_id=1, transaction_id=tx_id, meter_value=[meter_value(minute, wh)]
                    ),
                    suppress=False,
                )
            await station.status(1, "Finishing", timestamp=at(46))
            await station.stop_tx(tx_id, 2700, timestamp=at(46))
        (tx,) = await transactions(database)
        assert (tx.started_at, tx.stopped_at, tx.last_meter_at) == (when(0), when(46), when(45))
        assert [s.sampled_at for s in await samples(database)] == [when(15), when(30), when(45)]
        (status,) = await events(database, EventKind.STATUS)
        assert status.at == when(46) and status.received_at > when(46)

    async def test_a_late_meter_value_does_not_move_the_last_reading_back(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            started = await station.start_tx(1, "TAG1", 100, at(0))
            for minute, wh in ((30, 1900), (15, 900)):
                await station.call(
                    call.MeterValues(
                        connector_id=1,
                        transaction_id=started.transaction_id,
                        meter_value=[meter_value(minute, wh)],
                    ),
                    suppress=False,
                )
        (tx,) = await transactions(database)
        assert (tx.last_meter_wh, tx.last_meter_at) == (1900, when(30))


class TestRebootMidTransaction:
    async def test_the_next_boot_closes_it_with_the_last_known_reading(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            await station.boot()
            started = await station.start_tx(1, "TAG1", 1000, at(0))
            await station.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[meter_value(20, 4000)],
                ),
                suppress=False,
            )
        async with connected(ocpp_url, site.free_identifier) as station:
            await station.boot()  # power came back: the station forgot its transaction
        (tx,) = await transactions(database)
        assert tx.closed_at_reboot and tx.stop_reason == "Reboot"
        assert (tx.meter_stop, tx.energy_wh) == (4000, 3000)
        (event,) = await events(database, EventKind.REBOOT_CLOSE)
        assert str(tx.id) in (event.info or "")

    async def test_the_station_s_own_stop_sent_after_the_boot_replaces_the_guess(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            await station.boot()
            started = await station.start_tx(1, "TAG1", 1000, at(0))
            await station.boot()
            await station.stop_tx(
                started.transaction_id, 4400, timestamp=at(25), reason="PowerLoss"
            )
        (tx,) = await transactions(database)
        assert not tx.closed_at_reboot
        assert (tx.meter_stop, tx.stop_reason, tx.stopped_at) == (4400, "PowerLoss", when(25))

    async def test_a_transaction_without_readings_closes_at_its_start_meter(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            await station.start_tx(1, "TAG1", 1000, at(0))
            await station.boot()
        (tx,) = await transactions(database)
        assert tx.closed_at_reboot and tx.energy_wh == 0


class TestAuthorizationRule:
    """Authorize and StartTransaction answer with the charging-users rule."""

    @pytest.fixture
    async def tokens(self, session: AsyncSession, site: Site) -> dict[str, int]:
        org = await session.get(Organization, site.station.organization_id)
        assert org is not None
        group = await session.get(ChargingGroup, site.station.group_id)
        elsewhere = await create_group(session, organization=org)
        mine = await create_charging_user(session, organization=org, groups=[group])  # type: ignore[list-item]
        other = await create_charging_user(session, organization=org, groups=[elsewhere])
        since = utcnow() - timedelta(days=9)
        made = {
            "GOOD": await create_token(session, user=mine, id_tag="GOOD", valid_from=since),
            "OLD": await create_token(
                session,
                user=mine,
                id_tag="OLD",
                valid_to=utcnow() - timedelta(days=1),
                valid_from=utcnow() - timedelta(days=9),
            ),
            "OFF": await create_token(
                session, user=mine, id_tag="OFF", active=False, valid_from=since
            ),
            "AWAY": await create_token(session, user=other, id_tag="AWAY", valid_from=since),
        }
        await session.commit()
        return {tag: token.id for tag, token in made.items()}

    @pytest.mark.parametrize(
        ("tag", "status"),
        [
            ("GOOD", "Accepted"),
            ("good", "Accepted"),
            ("OLD", "Expired"),
            ("OFF", "Blocked"),
            ("AWAY", "Blocked"),
            ("NOBODY", "Invalid"),
        ],
    )
    async def test_authorize_answers_the_rule(
        self, site: Site, tokens: dict[str, int], ocpp_url: str, tag: str, status: str
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            answer = await station.call(call.Authorize(id_tag=tag), suppress=False)
        assert answer.id_tag_info["status"] == status

    async def test_a_transaction_records_the_token_and_its_user(
        self, site: Site, tokens: dict[str, int], ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            started = await station.start_tx(1, "GOOD", 0)
        assert started.id_tag_info["status"] == "Accepted"
        (tx,) = await transactions(database)
        assert tx.token_id == tokens["GOOD"] and tx.charging_user_id is not None
        assert not tx.free_charging

    async def test_a_free_charging_station_accepts_a_blocked_token_and_names_its_user(
        self, site: Site, tokens: dict[str, int], ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.free_identifier) as station:
            started = await station.start_tx(1, "OFF", 0)
        assert started.id_tag_info["status"] == "Accepted"
        (tx,) = await transactions(database)
        assert tx.free_charging and tx.token_id == tokens["OFF"]


class TestAnotherStationsTransaction:
    """Transaction ids are ours and global: a station naming another's touches nothing of it."""

    async def test_its_stop_and_meter_values_leave_the_other_s_transaction_alone(
        self, session: AsyncSession, site: Site, ocpp_url: str, database: Database
    ) -> None:
        other = await create_organization(session, name="Globex")
        group = await create_group(session, organization=other)
        await create_station(session, group=group, identifier="INTRUDER-1", free_charging=True)
        await session.commit()
        async with connected(ocpp_url, site.free_identifier) as station:
            started = await station.start_tx(1, "TAG1", 100, at(0))
        theirs = started.transaction_id
        async with connected(ocpp_url, "INTRUDER-1") as intruder:
            await intruder.call(
                call.MeterValues(
                    connector_id=1, transaction_id=theirs, meter_value=[meter_value(5, 9000)]
                ),
                suppress=False,
            )
            await intruder.stop_tx(theirs, 9999, timestamp=at(6))
        victim, unmatched = await transactions(database)
        assert victim.id == theirs and victim.station_id == site.free.id
        assert (victim.stopped_at, victim.meter_stop, victim.last_meter_wh) == (None, None, None)
        assert unmatched.unmatched_stop and unmatched.reported_transaction_id == theirs
        assert unmatched.station_id != site.free.id
        assert all(s.transaction_id != theirs for s in await samples(database))
