"""A session records its user's and token's names when it starts (history keeps them)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import Transaction
from laturi.sessions import service
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.world import World


async def test_start_keeps_the_names_and_deleting_the_user_leaves_them(
    session: AsyncSession, world: World
) -> None:
    ann = await create_charging_user(
        session,
        organization=world.org_a,
        first_name="Ann",
        last_name="Auer",
        groups=[world.a],
    )
    await create_token(session, user=ann, id_tag="CAFE01", name="Home")
    await session.commit()
    request = service.StartRequest(
        connector_id=1, id_tag="cafe01", meter_start=100, started_at=utcnow()
    )
    tx, decision = await service.start(session, world.stations[1].id, request)
    await session.commit()
    assert decision.accepted
    assert (tx.charging_user_name, tx.token_name) == ("Ann Auer", "Home")
    await session.delete(ann)
    await session.commit()
    kept = await session.get(Transaction, tx.id)
    assert kept is not None and kept.charging_user_name == "Ann Auer"


async def test_an_unknown_tag_records_no_names(session: AsyncSession, world: World) -> None:
    request = service.StartRequest(
        connector_id=1, id_tag="NOBODY", meter_start=0, started_at=utcnow()
    )
    tx, decision = await service.start(session, world.stations[1].id, request)
    assert not decision.accepted
    assert (tx.charging_user_name, tx.token_name) == (None, None)
