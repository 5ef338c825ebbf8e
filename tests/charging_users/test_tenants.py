"""One tenant's RFID tokens neither block nor reveal another's (issue 12, §3)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users import service
from laturi.charging_users.authorization import AuthorizationStatus, authorize
from laturi.charging_users.service import TokenInput, UserInput
from laturi.kit.time import utcnow
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.world import World


async def test_a_token_of_another_organisation_is_free_and_each_station_sees_its_own(
    session: AsyncSession, world: World
) -> None:
    scrooge = await create_charging_user(session, organization=world.org_a, groups=[world.a])
    await create_token(session, user=scrooge, id_tag="12345678", active=False)
    omega = await actor_for(session, world.omega)
    data = UserInput(
        first_name="Glomgold",
        last_name="Flintheart",
        group_ids=[world.x.id],
        tokens=[TokenInput(id_tag="12345678")],
    )
    glomgold = await service.create_user(session, omega, data)
    assert glomgold.organization_id == world.org_b.id

    async def at(station: int) -> AuthorizationStatus:
        found = await authorize(
            session,
            organization_id=world.stations[station].organization_id,
            station_id=world.stations[station].id,
            id_tag="12345678",
            at=utcnow(),
        )
        return found.status

    # ACME's card is blocked at ACME's station; Globex's twin card charges at Globex's.
    assert await at(1) == AuthorizationStatus.BLOCKED
    assert await at(5) == AuthorizationStatus.ACCEPTED
