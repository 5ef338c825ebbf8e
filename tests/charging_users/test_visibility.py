"""Which charging users each operator of the manual's picture sees (panel, API and import alike)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users import service
from laturi.errors import NotFound
from laturi.kit.pagination import ListQuery
from tests.fixtures.factories import create_charging_user, create_station
from tests.fixtures.world import World, build_world

# user -> the operators who see them
EXPECTED = {
    "right to A (the root)": {"alpha", "beta", "gamma"},
    "right to B": {"alpha", "beta"},
    "right to C": {"alpha", "gamma"},
    "right to station 1 (in A)": {"alpha"},
    "right to station 2 (in B)": {"alpha", "beta"},
    "right to an orphan station": {"alpha"},
    "no rights, made in B": {"alpha", "beta"},
    "no rights, made in C": {"alpha", "gamma"},
    "no rights, made in A": {"alpha"},
    "of organisation B": {"omega"},
}


async def _users(session: AsyncSession, world: World) -> dict[str, int]:
    orphan = await create_station(session, group=None, organization=world.org_a)
    a, s = world.org_a, world.stations
    made = {
        "right to A (the root)": dict(groups=[world.a]),
        "right to B": dict(groups=[world.b]),
        "right to C": dict(groups=[world.c]),
        "right to station 1 (in A)": dict(stations=[s[1]]),
        "right to station 2 (in B)": dict(stations=[s[2]]),
        "right to an orphan station": dict(stations=[orphan]),
        "no rights, made in B": dict(created_in=world.b),
        "no rights, made in C": dict(created_in=world.c),
        "no rights, made in A": dict(created_in=world.a),
    }
    ids = {}
    for label, extra in made.items():
        user = await create_charging_user(session, organization=a, last_name=label, **extra)  # type: ignore[arg-type]
        ids[label] = user.id
    other = await create_charging_user(
        session, organization=world.org_b, last_name="of organisation B", groups=[world.x]
    )
    ids["of organisation B"] = other.id
    return ids


@pytest.mark.parametrize("operator", ["alpha", "beta", "gamma", "omega"])
async def test_each_operator_sees_exactly_their_users(session: AsyncSession, operator: str) -> None:
    world = await build_world(session)
    ids = await _users(session, world)
    actor = await actor_for(session, world.operator(operator))
    page = await service.list_users(session, actor, ListQuery(size=100))
    seen = {r.user.last_name for r in page.items}
    assert seen == {label for label, who in EXPECTED.items() if operator in who}
    for label, user_id in ids.items():
        if label in seen:
            assert (await service.get_user(session, actor, user_id)).user.id == user_id
        else:
            with pytest.raises(NotFound):
                await service.get_user(session, actor, user_id)


async def test_a_user_stays_visible_to_its_maker_until_given_rights_elsewhere(
    session: AsyncSession,
) -> None:
    world = await build_world(session)
    beta = await actor_for(session, world.beta)
    user = await service.create_user(session, beta, service.UserInput("Donald", "Duck"))
    assert user.created_in_group_id == world.b.id
    gamma = await actor_for(session, world.gamma)
    with pytest.raises(NotFound):
        await service.get_user(session, gamma, user.id)
    alpha = await actor_for(session, world.alpha)
    await service.update_user(
        session, alpha, user.id, service.UserInput("Donald", "Duck", group_ids=[world.c.id])
    )
    assert (await service.get_user(session, gamma, user.id)).user.id == user.id
    with pytest.raises(NotFound):
        await service.get_user(session, beta, user.id)
