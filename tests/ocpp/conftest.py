"""Fixtures for real OCPP clients against the served app."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import Station
from tests.fixtures.factories import create_group, create_organization, create_station
from tests.fixtures.server import ocpp_url

__all__ = ["ocpp_url"]


@dataclass
class Site:
    station: Station
    free: Station
    identifier: str = "EVI00000013"
    free_identifier: str = "EVI00000014"


@pytest.fixture
async def site(session: AsyncSession) -> Site:
    """One organisation with a normal station and a free-charging one, committed."""
    org = await create_organization(session, name="ACME")
    group = await create_group(session, organization=org, name="Pine Mall")
    station = await create_station(session, group=group, identifier="EVI00000013")
    free = await create_station(session, group=group, identifier="EVI00000014", free_charging=True)
    await session.commit()
    return Site(station, free)
