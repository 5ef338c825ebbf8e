"""Charging sessions as operators read them: a station's transactions and their meter values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.errors import NotFound
from laturi.kit.pagination import ListQuery, Page
from laturi.models import MeterValue, Transaction
from laturi.sessions import repository
from laturi.stations.service import visible_station

TRANSACTION_NOT_FOUND = "Transaction does not exist."


@dataclass(frozen=True)
class TransactionDetail:
    transaction: Transaction
    samples: Sequence[MeterValue]


async def list_transactions(
    session: AsyncSession, actor: Actor, station_id: int, query: ListQuery
) -> Page[Transaction]:
    """The station's transactions, newest first; search by id tag."""
    station = await visible_station(session, actor, station_id)
    rows, total = await repository.page_of_station(session, station.id, query)
    return Page(rows, total, query)


async def get_transaction(
    session: AsyncSession, actor: Actor, station_id: int, transaction_id: int
) -> TransactionDetail:
    station = await visible_station(session, actor, station_id)
    found = await repository.of_station(session, station.id, transaction_id)
    if found is None:
        raise NotFound(TRANSACTION_NOT_FOUND)
    return TransactionDetail(found, await repository.samples_of(session, found.id))
