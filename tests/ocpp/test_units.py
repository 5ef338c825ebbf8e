"""Group commit: concurrent messages share a write, and one bad message fails alone."""

from __future__ import annotations

import asyncio
import gc

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.ocpp.memory import Freezer
from laturi.ocpp.units import Batcher, Units


async def test_messages_arriving_during_a_write_share_the_next_one(
    database: Database, session: AsyncSession
) -> None:
    batches: list[list[int]] = []

    async def work(_: AsyncSession, items: list[int]) -> None:
        batches.append(items)
        await asyncio.sleep(0.05)

    batcher = Batcher(Units(database), work)
    first = asyncio.create_task(batcher.submit(0))
    await asyncio.sleep(0.01)  # the first write is under way
    await asyncio.gather(first, *(batcher.submit(n) for n in range(1, 10)))
    assert batches == [[0], list(range(1, 10))]


async def test_one_bad_message_fails_alone(database: Database, session: AsyncSession) -> None:
    async def work(_: AsyncSession, items: list[int]) -> None:
        await asyncio.sleep(0.01)
        if 3 in items:
            raise ValueError("bad meter value")

    batcher = Batcher(Units(database), work)
    outcomes = await asyncio.gather(*(batcher.submit(n) for n in range(6)), return_exceptions=True)
    assert [isinstance(o, ValueError) for o in outcomes] == [False, False, False, True] + [
        False
    ] * 2
    with pytest.raises(ValueError):
        await batcher.submit(3)


class TestFreezer:
    def test_freezes_only_while_stations_are_connected_and_reclaims_after_many_closes(
        self,
    ) -> None:
        freezer = Freezer()
        gc.unfreeze()
        freezer.tick()
        assert gc.get_freeze_count() == 0
        for _ in range(150):
            freezer.open()
        freezer.tick()
        assert gc.get_freeze_count() > 0
        for _ in range(120):
            freezer.close()
        freezer.tick()
        assert freezer.closed == 0 and gc.get_freeze_count() > 0
        gc.unfreeze()
