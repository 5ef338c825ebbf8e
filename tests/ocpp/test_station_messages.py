"""What a station says about itself: boot, heartbeat, status, uploads, vendor data."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpp.v16 import call
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.models import ChargingPoint, Station, StationEvent
from laturi.models.station_event import EventKind
from tests.fixtures.station import connected
from tests.fixtures.wait import read
from tests.ocpp.conftest import Site


async def station_row(database: Database, station_id: int) -> Station:
    async def work(s: AsyncSession) -> Station:
        found = await s.get(Station, station_id)
        assert found is not None
        return found

    return await read(database, work)


async def points(database: Database, station_id: int) -> list[ChargingPoint]:
    async def work(s: AsyncSession) -> list[ChargingPoint]:
        query = select(ChargingPoint).where(ChargingPoint.station_id == station_id)
        return list((await s.scalars(query.order_by(ChargingPoint.connector_id))).all())

    return await read(database, work)


async def events(database: Database, kind: EventKind) -> list[StationEvent]:
    async def work(s: AsyncSession) -> list[StationEvent]:
        query = select(StationEvent).where(StationEvent.kind == kind).order_by(StationEvent.id)
        return list((await s.scalars(query)).all())

    return await read(database, work)


class TestBootNotification:
    async def test_boot_stores_who_the_station_is_and_gives_the_heartbeat_interval(
        self, site: Site, ocpp_url: str, database: Database, settings: Settings
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            answer = await station.call(
                call.BootNotification(
                    charge_point_model="EVB200",
                    charge_point_vendor="Ensto",
                    charge_point_serial_number="309211",
                    firmware_version="A999",
                    iccid="8935800000000000001",
                    meter_type="MID",
                ),
                suppress=False,
            )
        assert answer.status == "Accepted" and answer.interval == settings.ocpp_heartbeat_interval
        assert datetime.fromisoformat(answer.current_time).tzinfo is not None
        row = await station_row(database, site.station.id)
        assert (row.vendor, row.model, row.serial_number) == ("Ensto", "EVB200", "309211")
        assert (row.firmware_version, row.iccid, row.meter_type) == (
            "A999",
            "8935800000000000001",
            "MID",
        )
        assert row.last_boot_at is not None and row.version == site.station.version
        (boot,) = await events(database, EventKind.BOOT)
        assert "A999" in (boot.info or "")


class TestHeartbeat:
    async def test_heartbeat_answers_the_time_and_is_remembered(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            answer = await station.call(call.Heartbeat(), suppress=False)
        sent = datetime.fromisoformat(answer.current_time)
        row = await station_row(database, site.station.id)
        assert row.last_heartbeat_at is not None
        assert abs((row.last_heartbeat_at - sent).total_seconds()) < 1


class TestStatusNotification:
    async def test_each_connector_becomes_a_charging_point_with_its_live_status(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            await station.status(0, "Available")
            await station.status(1, "Available")
            await station.status(2, "Preparing")
            await station.status(
                1,
                "Faulted",
                "ConnectorLockFailure",
                info="could not handle command",
                vendor_id="com.ensto",
                vendor_error_code="E42",
            )
        found = await points(database, site.station.id)
        assert [(p.connector_id, p.status, p.error_code) for p in found] == [
            (1, "Faulted", "ConnectorLockFailure"),
            (2, "Preparing", "NoError"),
        ]
        assert found[0].info == "could not handle command" and found[0].vendor_error_code == "E42"
        row = await station_row(database, site.station.id)
        assert (row.status, row.error_code) == ("Available", "NoError")
        feed = await events(database, EventKind.STATUS)
        assert [(e.connector_id, e.status) for e in feed] == [
            (0, "Available"),
            (1, "Available"),
            (2, "Preparing"),
            (1, "Faulted"),
        ]
        assert (feed[-1].vendor_id, feed[-1].info) == ("com.ensto", "could not handle command")

    async def test_a_queued_older_status_is_recorded_but_does_not_replace_the_newer(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            await station.status(1, "Charging", timestamp="2026-03-01T10:00:00Z")
            await station.status(1, "Preparing", timestamp="2026-03-01T09:55:00Z")
        (point,) = await points(database, site.station.id)
        assert point.status == "Charging"
        assert point.status_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
        assert len(await events(database, EventKind.STATUS)) == 2


class TestUploadsAndVendorData:
    async def test_firmware_and_diagnostics_statuses_reach_the_event_feed(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            await station.call(
                call.FirmwareStatusNotification(status="Downloading"), suppress=False
            )
            await station.call(call.FirmwareStatusNotification(status="Installed"), suppress=False)
            await station.call(
                call.DiagnosticsStatusNotification(status="Uploaded"), suppress=False
            )
        firmware = await events(database, EventKind.FIRMWARE)
        assert [e.status for e in firmware] == ["Downloading", "Installed"]
        assert [e.status for e in await events(database, EventKind.DIAGNOSTICS)] == ["Uploaded"]

    async def test_data_transfer_is_recorded_and_answered_unknown_vendor(
        self, site: Site, ocpp_url: str, database: Database
    ) -> None:
        async with connected(ocpp_url, site.identifier) as station:
            answer = await station.call(
                call.DataTransfer(vendor_id="com.example", message_id="hello", data="csms"),
                suppress=False,
            )
        assert answer.status == "UnknownVendorId"
        (event,) = await events(database, EventKind.DATA_TRANSFER)
        assert (event.vendor_id, event.info) == ("com.example", "hello: csms")
