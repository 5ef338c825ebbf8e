"""Core profile messages no OCTT `_CSMS` case names: availability, meter values, stop details.

The OCTT's Core list has no ChangeAvailability or MeterValues case for the central system;
these hold Laturi to what OCPP 1.6 itself requires of them.
"""

from __future__ import annotations

from decimal import Decimal

from ocpp.v16 import call, call_result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import MeterValue, Station
from tests.fixtures.station import Script
from tests.fixtures.wait import read
from tests.ocpp.octt.conftest import GOOD, Stage, at, energy, when
from tests.ocpp.octt.test_core_commands import answered, refusal


async def station_status(stage: Stage) -> str | None:
    async def work(s: AsyncSession) -> str | None:
        station = await s.get(Station, stage.station_id)
        return station.status if station else None

    return await read(stage.database, work)


async def stored_samples(stage: Stage) -> list[MeterValue]:
    async def work(s: AsyncSession) -> list[MeterValue]:
        query = select(MeterValue).where(MeterValue.station_id == stage.station_id)
        return list((await s.scalars(query.order_by(MeterValue.sampled_at))).all())

    return await read(stage.database, work)


class TestChangeAvailability:
    async def test_change_availability_station_inoperative(self, stage: Stage) -> None:
        """ChangeAvailability 0 Inoperative: Accepted; the Unavailable statuses that follow show."""
        script = Script()
        async with stage.station(script) as station:
            body = answered(
                await stage.command("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
            )
            await station.status(0, "Unavailable", timestamp=at(0))
            await station.status(1, "Unavailable", timestamp=at(0))
        assert body["accepted"]
        assert script.received == [
            ("ChangeAvailability", {"connector_id": 0, "type": "Inoperative"})
        ]
        assert await station_status(stage) == "Unavailable"
        point = await stage.point(1)
        assert point is not None and point.status == "Unavailable"

    async def test_change_availability_connector_operative(self, stage: Stage) -> None:
        """ChangeAvailability of one connector back to Operative: Accepted, its Available shows."""
        script = Script()
        async with stage.station(script) as station:
            await station.status(2, "Unavailable", timestamp=at(0))
            body = answered(
                await stage.command("ChangeAvailability", {"connectorId": 2, "type": "Operative"})
            )
            await station.status(2, "Available", timestamp=at(1))
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
        assert script.received == [("ChangeAvailability", {"connector_id": 2, "type": "Operative"})]
        point = await stage.point(2)
        assert point is not None and point.status == "Available"

    async def test_change_availability_scheduled_while_in_use(self, stage: Stage) -> None:
        """ChangeAvailability of a busy connector: Scheduled counts as done; the session runs on."""
        script = refusal(
            Script(), "ChangeAvailability", call_result.ChangeAvailability("Scheduled")
        )
        async with stage.station(script) as station:
            await station.start_tx(1, GOOD, 0, at(0))
            body = answered(
                await stage.command("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})
            )
        assert body["accepted"] and body["answer"] == {"status": "Scheduled"}
        (tx,) = await stage.transactions()
        assert tx.is_open

    async def test_change_availability_rejected(self, stage: Stage) -> None:
        """ChangeAvailability Rejected is a failed command."""
        script = refusal(Script(), "ChangeAvailability", call_result.ChangeAvailability("Rejected"))
        async with stage.station(script):
            body = answered(
                await stage.command("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
            )
        assert not body["accepted"] and body["message"] == "Remote command execution failed."


class TestMeterValues:
    async def test_meter_values_sampled_and_clock_aligned(self, stage: Stage) -> None:
        """MeterValues are kept: sampled ones with the session, clock-aligned ones without."""
        async with stage.station() as station:
            started = await station.start_tx(1, GOOD, 0, at(0))
            await station.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[energy(5, 250)],
                ),
                suppress=False,
            )
            await station.call(
                call.MeterValues(connector_id=0, meter_value=[energy(15, 99000, "Sample.Clock")]),
                suppress=False,
            )
        sampled, aligned = await stored_samples(stage)
        assert (sampled.transaction_id, sampled.value) == (started.transaction_id, Decimal(250))
        assert (aligned.transaction_id, aligned.context) == (None, "Sample.Clock")
        (tx,) = await stage.transactions()
        assert (tx.last_meter_wh, tx.last_meter_at) == (250, when(5))


class TestStopTransaction:
    async def test_stop_transaction_id_tag_info(self, stage: Stage) -> None:
        """StopTransaction with an idTag gets idTagInfo for it; without one, none."""
        async with stage.station() as station:
            one = await station.start_tx(1, GOOD, 0, at(0))
            two = await station.start_tx(2, GOOD, 0, at(0))
            with_tag = await station.stop_tx(one.transaction_id, 10, timestamp=at(1), id_tag=GOOD)
            without = await station.stop_tx(two.transaction_id, 10, timestamp=at(1))
        assert with_tag.id_tag_info["status"] == "Accepted"
        assert without.id_tag_info is None

    async def test_stop_transaction_reason_and_data(self, stage: Stage) -> None:
        """StopTransaction keeps the reason (Local when none), the stop tag and transactionData."""
        async with stage.station() as station:
            one = await station.start_tx(1, GOOD, 0, at(0))
            two = await station.start_tx(2, GOOD, 0, at(0))
            await station.stop_tx(
                one.transaction_id,
                500,
                timestamp=at(9),
                reason="EmergencyStop",
                id_tag=GOOD,
                transaction_data=[
                    energy(0, 0, "Transaction.Begin"),
                    energy(9, 500, "Transaction.End"),
                ],
            )
            await station.stop_tx(two.transaction_id, 20, timestamp=at(9))
        first, second = await stage.transactions()
        assert (first.stop_reason, first.stop_id_tag) == ("EmergencyStop", GOOD)
        assert (second.stop_reason, second.stop_id_tag) == ("Local", None)
        contexts = [s.context for s in await stored_samples(stage)]
        assert contexts == ["Transaction.Begin", "Transaction.End"]
