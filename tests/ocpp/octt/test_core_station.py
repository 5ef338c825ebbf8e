"""OCTT Core profile, the cases a charge point drives: boot, sessions, authorization, offline.

One test per `TC_…_CSMS` case; the case id is the test's name. See docs/ocpp-conformance.md.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ocpp.v16 import call

from laturi.config import Settings
from laturi.models.station_event import EventKind
from tests.ocpp.octt.conftest import (
    BLOCKED,
    EXPIRED,
    GOOD,
    UNKNOWN,
    Stage,
    at,
    energy,
    when,
)
from tests.ocpp.octt.test_core_messages import stored_samples


def meter_values(
    connector: int, transaction_id: int, *values: dict[str, object]
) -> call.MeterValues:
    return call.MeterValues(
        connector_id=connector, transaction_id=transaction_id, meter_value=list(values)
    )


class TestBootAndStatus:
    async def test_tc_001_cold_boot(self, stage: Stage, settings: Settings) -> None:
        """TC_001: boot Accepted with an interval; StatusNotification, Heartbeat answered."""
        async with stage.station() as station:
            booted = await station.boot()
            await station.status(0, "Available")
            await station.status(1, "Available")
            beat = await station.call(call.Heartbeat(), suppress=False)
        assert booted.status == "Accepted" and booted.interval == settings.ocpp_heartbeat_interval
        assert booted.current_time.endswith("Z") and beat.current_time.endswith("Z")
        assert [e.info for e in await stage.events(EventKind.BOOT)] == [
            "Laturi Fake-1, firmware 1.0.0"
        ]
        point = await stage.point(1)
        assert point is not None and point.status == "Available"

    async def test_tc_024_lock_failure(self, stage: Stage) -> None:
        """TC_024: a Faulted/ConnectorLockFailure status is answered and shown; no session."""
        async with stage.station() as station:
            await station.status(1, "Preparing", timestamp=at(0))
            await station.status(1, "Faulted", "ConnectorLockFailure", timestamp=at(1))
            await station.status(1, "Available", timestamp=at(2))
        statuses = [(e.status, e.error_code) for e in await stage.events(EventKind.STATUS)]
        assert ("Faulted", "ConnectorLockFailure") in statuses
        assert await stage.transactions() == []


class TestChargingSessions:
    async def test_tc_003_plugin_first(self, stage: Stage) -> None:
        """TC_003: plug in, Authorize, start, MeterValues, stop: one closed session."""
        async with stage.station() as station:
            await station.boot()
            await station.status(1, "Preparing", timestamp=at(0))
            authorized = await station.call(call.Authorize(id_tag=GOOD), suppress=False)
            started = await station.start_tx(1, GOOD, 1000, at(1))
            await station.status(1, "Charging", timestamp=at(1))
            tx_id = started.transaction_id
            await station.call(meter_values(1, tx_id, energy(10, 3000)), suppress=False)
            stopped = await station.stop_tx(tx_id, 5000, timestamp=at(20), id_tag=GOOD)
            await station.status(1, "Finishing", timestamp=at(20))
            await station.status(1, "Available", timestamp=at(21))
        assert authorized.id_tag_info["status"] == "Accepted"
        assert started.id_tag_info["status"] == "Accepted"
        assert stopped.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert (tx.id, tx.id_tag, tx.energy_wh, tx.stopped_at) == (tx_id, GOOD, 4000, when(20))

    async def test_tc_004_1_identification_first(self, stage: Stage) -> None:
        """TC_004_1: Authorize before plugging in, then the session starts and stops normally."""
        async with stage.station() as station:
            authorized = await station.call(call.Authorize(id_tag=GOOD), suppress=False)
            await station.status(1, "Preparing", timestamp=at(0))
            started = await station.start_tx(1, GOOD, 0, at(1))
            await station.status(1, "Charging", timestamp=at(1))
            await station.stop_tx(started.transaction_id, 700, timestamp=at(9), id_tag=GOOD)
            await station.status(1, "Available", timestamp=at(10))
        assert authorized.id_tag_info["status"] == started.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert tx.stopped_at == when(9) and tx.energy_wh == 700

    async def test_tc_004_2_identification_first_connection_timeout(self, stage: Stage) -> None:
        """TC_004_2: Authorize Accepted, the cable never comes: back to Available, no session."""
        async with stage.station() as station:
            authorized = await station.call(call.Authorize(id_tag=GOOD), suppress=False)
            await station.status(1, "Preparing", timestamp=at(0))
            await station.status(1, "Available", timestamp=at(1))
        assert authorized.id_tag_info["status"] == "Accepted"
        assert await stage.transactions() == []
        point = await stage.point(1)
        assert point is not None and point.status == "Available"

    async def test_tc_005_1_ev_side_disconnected(self, stage: Stage) -> None:
        """TC_005_1: the EV unplugs; the EVDisconnected StopTransaction is kept."""
        async with stage.station() as station:
            started = await station.start_tx(1, GOOD, 0, at(0))
            await station.status(1, "Charging", timestamp=at(0))
            stopped = await station.stop_tx(
                started.transaction_id, 2500, timestamp=at(15), reason="EVDisconnected"
            )
            await station.status(1, "Finishing", timestamp=at(15))
        assert stopped is not None
        (tx,) = await stage.transactions()
        assert (tx.stop_reason, tx.meter_stop) == ("EVDisconnected", 2500)

    async def test_tc_007_cached_id(self, stage: Stage) -> None:
        """TC_007: a cached idTag starts without Authorize: StartTransaction is Accepted."""
        async with stage.station() as station:
            await station.status(1, "Preparing", timestamp=at(0))
            started = await station.start_tx(1, GOOD, 0, at(0))
            await station.stop_tx(started.transaction_id, 100, timestamp=at(5))
        assert started.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert tx.authorization_status == "Accepted" and tx.token_id is not None


class TestAuthorizeRefused:
    async def test_tc_023_1_authorize_invalid(self, stage: Stage) -> None:
        """TC_023_1: an unknown idTag gets Authorize.conf Invalid; no session is recorded."""
        async with stage.station() as station:
            answer = await station.call(call.Authorize(id_tag=UNKNOWN), suppress=False)
        assert answer.id_tag_info["status"] == "Invalid"
        assert await stage.transactions() == []

    async def test_tc_023_2_authorize_expired(self, stage: Stage) -> None:
        """TC_023_2: an idTag past its validity gets Authorize.conf Expired."""
        async with stage.station() as station:
            answer = await station.call(call.Authorize(id_tag=EXPIRED), suppress=False)
        assert answer.id_tag_info["status"] == "Expired"
        assert datetime.fromisoformat(answer.id_tag_info["expiry_date"]) < when(0)
        assert await stage.transactions() == []

    async def test_tc_023_3_authorize_blocked(self, stage: Stage) -> None:
        """TC_023_3: a blocked (deactivated) idTag gets Authorize.conf Blocked."""
        async with stage.station() as station:
            answer = await station.call(call.Authorize(id_tag=BLOCKED), suppress=False)
        assert answer.id_tag_info["status"] == "Blocked"
        assert await stage.transactions() == []


class TestPowerFailureAndOffline:
    async def test_tc_032_1_power_failure_boot_stop_transactions(self, stage: Stage) -> None:
        """TC_032_1: a boot closes the cut session at its last reading; its PowerLoss stop wins."""
        async with stage.station() as station:
            await station.boot()
            started = await station.start_tx(1, GOOD, 1000, at(0))
            await station.call(
                meter_values(1, started.transaction_id, energy(10, 2000)), suppress=False
            )
        async with stage.station() as station:  # power is back
            booted = await station.boot()
            (cut,) = await stage.transactions()  # closed at the boot with the last reading
            assert cut.closed_at_reboot and cut.meter_stop == 2000
            await station.status(1, "Finishing", timestamp=at(30))
            stopped = await station.stop_tx(
                started.transaction_id, 2100, timestamp=at(12), reason="PowerLoss", id_tag=GOOD
            )
            await station.status(1, "Available", timestamp=at(31))
        assert booted.status == "Accepted" and stopped.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert (tx.stop_reason, tx.meter_stop, tx.stopped_at) == ("PowerLoss", 2100, when(12))
        assert not tx.closed_at_reboot and tx.energy_wh == 1100

    async def test_tc_037_1_offline_start_transaction(self, stage: Stage) -> None:
        """TC_037_1: a start made offline arrives late: Accepted, dated by the station."""
        async with stage.station() as station:
            await station.boot()
        async with stage.station() as station:  # back online with what it queued
            await station.status(1, "Charging", timestamp=at(3))
            started = await station.start_tx(1, GOOD, 400, at(2))
            await station.call(
                meter_values(1, started.transaction_id, energy(20, 900)), suppress=False
            )
        assert started.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert tx.started_at == when(2) and tx.is_open and tx.last_meter_wh == 900

    async def test_tc_037_3_offline_start_invalid_id(self, stage: Stage) -> None:
        """TC_037_3: an offline start with a bad idTag: Invalid; its DeAuthorized stop kept."""
        async with stage.station() as station:
            started = await station.start_tx(1, UNKNOWN, 400, at(2))
            assert started.id_tag_info["status"] == "Invalid"
            stopped = await station.stop_tx(
                started.transaction_id, 410, timestamp=at(3), reason="DeAuthorized"
            )
        assert stopped is not None
        (tx,) = await stage.transactions()
        assert (tx.authorization_status, tx.stop_reason) == ("Invalid", "DeAuthorized")
        assert tx.energy_wh == 10

    async def test_tc_039_offline_transaction(self, stage: Stage) -> None:
        """TC_039: a session queued offline: every message answered, stored in order."""
        async with stage.station() as station:
            await station.status(1, "Preparing", timestamp=at(0))
            started = await station.start_tx(1, GOOD, 100, at(1))
            tx_id = started.transaction_id
            await station.status(1, "Charging", timestamp=at(1))
            for minute, wh in ((10, 600), (20, 1100)):
                await station.call(meter_values(1, tx_id, energy(minute, wh)), suppress=False)
            stopped = await station.stop_tx(
                tx_id, 1300, timestamp=at(25), id_tag=GOOD, transaction_data=[energy(25, 1300)]
            )
            await station.status(1, "Available", timestamp=at(26))
        assert stopped.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert (tx.started_at, tx.stopped_at, tx.energy_wh) == (when(1), when(25), 1200)
        assert tx.last_meter_at == when(25)
        samples = [(s.sampled_at, s.value, s.transaction_id) for s in await stored_samples(stage)]
        assert samples == [
            (when(10), Decimal(600), tx_id),
            (when(20), Decimal(1100), tx_id),
            (when(25), Decimal(1300), tx_id),
        ]
        statuses = [(e.status, e.at) for e in await stage.events(EventKind.STATUS)]
        assert statuses == [("Preparing", when(0)), ("Charging", when(1)), ("Available", when(26))]
        point = await stage.point(1)
        assert point is not None and point.status == "Available"


class TestDataTransfer:
    async def test_tc_064_data_transfer(self, stage: Stage) -> None:
        """TC_064: DataTransfer is recorded and answered UnknownVendorId (no extension is known)."""
        async with stage.station() as station:
            answer = await station.call(
                call.DataTransfer(vendor_id="com.example", message_id="certTest", data="hello"),
                suppress=False,
            )
        assert answer.status == "UnknownVendorId"
        (event,) = await stage.events(EventKind.DATA_TRANSFER)
        assert event.vendor_id == "com.example" and event.info == "certTest: hello"
