"""The data model's own guarantees: identifiers freed by deletion, energy of a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import Transaction
from tests.fixtures.factories import create_group, create_organization, create_station


class TestIdentifierUniqueness:
    async def test_a_live_identifier_is_unique_in_the_organisation(
        self, session: AsyncSession
    ) -> None:
        org = await create_organization(session)
        group = await create_group(session, organization=org)
        await create_station(session, group=group, identifier="EVI1")
        with pytest.raises(IntegrityError):
            await create_station(session, group=group, identifier="EVI1")

    async def test_deleting_for_good_frees_the_identifier(self, session: AsyncSession) -> None:
        org = await create_organization(session)
        gone = await create_station(session, group=None, organization=org, identifier="EVI1")
        gone.deleted_at = utcnow()
        await session.flush()
        again = await create_station(session, group=None, organization=org, identifier="EVI1")
        assert again.id != gone.id


class TestTransactionEnergy:
    async def test_energy_is_meter_stop_minus_meter_start(self, session: AsyncSession) -> None:
        org = await create_organization(session)
        station = await create_station(session, group=None, organization=org)
        start = utcnow()
        tx = Transaction(
            station_id=station.id,
            connector_id=1,
            id_tag="TAG",
            authorization_status="Accepted",
            meter_start=1200,
            started_at=start,
        )
        session.add(tx)
        await session.flush()
        assert tx.energy_wh is None and tx.is_open
        tx.meter_stop, tx.stopped_at = 8710, start + timedelta(hours=1)
        assert tx.energy_wh == 7510
