"""A StopTransaction for a transaction Laturi never heard start becomes a session of its own."""

from __future__ import annotations

from decimal import Decimal

from laturi.models import Transaction
from laturi.models.station_event import EventKind
from tests.fixtures.station import connected
from tests.fixtures.wait import read
from tests.ocpp.octt.conftest import GOOD, Stage, at, energy, when
from tests.ocpp.octt.test_core_messages import stored_samples


class TestUnmatchedStop:
    async def test_without_data_it_is_a_session_with_no_start_reading_and_no_energy(
        self, stage: Stage
    ) -> None:
        async with stage.station() as station:
            answer = await station.stop_tx(987654, 4200, timestamp=at(3), reason="PowerLoss")
        assert answer.id_tag_info is None
        (tx,) = await stage.transactions()
        assert tx.unmatched_stop and tx.reported_transaction_id == 987654
        assert (tx.meter_start, tx.meter_stop, tx.energy_wh) == (None, 4200, None)
        assert tx.started_at == tx.stopped_at == when(3)
        assert (tx.connector_id, tx.stop_reason, tx.authorization_status) == (
            0,
            "PowerLoss",
            "Unknown",
        )
        (event,) = await stage.events(EventKind.UNKNOWN_STOP)
        assert "987654" in (event.info or "") and f"transaction {tx.id}" in (event.info or "")

    async def test_a_transaction_begin_sample_gives_its_start_and_energy(
        self, stage: Stage
    ) -> None:
        async with stage.station() as station:
            await station.stop_tx(
                55,
                4200,
                timestamp=at(30),
                id_tag=GOOD,
                transaction_data=[
                    energy(0, 1200, "Transaction.Begin"),
                    energy(15, 2500),
                    energy(30, 4200, "Transaction.End"),
                ],
            )
        (tx,) = await stage.transactions()
        assert (tx.started_at, tx.meter_start, tx.energy_wh) == (when(0), 1200, 3000)
        assert tx.id_tag == tx.stop_id_tag == GOOD and tx.token_id is not None
        assert tx.authorization_status == "Accepted"
        samples = await stored_samples(stage)
        assert [(s.transaction_id, s.value) for s in samples] == [
            (tx.id, Decimal(1200)),
            (tx.id, Decimal(2500)),
            (tx.id, Decimal(4200)),
        ]

    async def test_periodic_samples_only_date_its_start_but_give_no_energy(
        self, stage: Stage
    ) -> None:
        async with stage.station() as station:
            await station.stop_tx(
                56, 4200, timestamp=at(30), transaction_data=[energy(10, 2000), energy(20, 3000)]
            )
        (tx,) = await stage.transactions()
        assert tx.started_at == when(10) and tx.meter_start is None and tx.energy_wh is None

    async def test_a_retried_unmatched_stop_is_one_session(self, stage: Stage) -> None:
        async with stage.station() as station:
            for _ in range(2):
                await station.stop_tx(
                    77, 900, timestamp=at(5), transaction_data=[energy(1, 100, "Transaction.Begin")]
                )
        (tx,) = await stage.transactions()
        assert tx.energy_wh == 800
        assert len(await stored_samples(stage)) == 1

    async def test_a_stop_naming_another_station_s_transaction_is_unmatched_here(
        self, stage: Stage
    ) -> None:
        async with connected(stage.url, "ST3") as other:
            theirs = await other.start_tx(1, GOOD, 0, at(0))
        async with stage.station() as station:
            await station.stop_tx(theirs.transaction_id, 500, timestamp=at(4))
        (mine,) = await stage.transactions()
        assert mine.unmatched_stop and mine.reported_transaction_id == theirs.transaction_id
        left = await read(stage.database, lambda s: s.get(Transaction, theirs.transaction_id))
        assert left is not None and left.is_open and left.meter_stop is None

    async def test_a_stop_naming_an_unmatched_session_s_own_id_is_unmatched_too(
        self, stage: Stage
    ) -> None:
        """No station was ever given an unmatched session's id: naming it is no retry."""
        async with stage.station() as station:
            await station.stop_tx(4242, 100, timestamp=at(1))
            (first,) = await stage.transactions()
            await station.stop_tx(first.id, 300, timestamp=at(2))
        first, second = await stage.transactions()
        assert (first.meter_stop, second.meter_stop) == (100, 300)
        assert second.unmatched_stop and second.reported_transaction_id == first.id

    async def test_it_shows_in_the_station_s_history_and_statistics(self, stage: Stage) -> None:
        async with stage.station() as station:
            await station.stop_tx(
                88, 700, timestamp=at(9), transaction_data=[energy(1, 200, "Transaction.Begin")]
            )
            await station.stop_tx(89, 900, timestamp=at(10))
        base = f"/api/v1/stations/{stage.station_id}"
        listed = await stage.client.get(f"{base}/transactions", headers=stage.headers)
        assert listed.status_code == 200, listed.text
        rows = {row["reported_transaction_id"]: row for row in listed.json()["items"]}
        assert rows[88]["unmatched_stop"] and rows[88]["energy_wh"] == 500
        assert rows[89]["meter_start"] is None and rows[89]["energy_wh"] is None
        figures = await stage.client.get(f"{base}/statistics", headers=stage.headers)
        assert figures.status_code == 200, figures.text
        days = figures.json()["days"]
        assert sum(d["charging_events"] for d in days) == 2
        assert sum(d["energy_wh"] for d in days) == 500


class TestRetriedStop:
    async def test_a_retried_stop_does_not_store_its_transaction_data_twice(
        self, stage: Stage
    ) -> None:
        async with stage.station() as station:
            started = await station.start_tx(1, GOOD, 0, at(0))
            for _ in range(2):
                await station.stop_tx(
                    started.transaction_id,
                    600,
                    timestamp=at(6),
                    transaction_data=[energy(6, 600, "Transaction.End")],
                )
        assert len(await stored_samples(stage)) == 1
