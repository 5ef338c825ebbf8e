"""Two saves at the same moment: the version column and unique indexes answer in words."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users import repository, service
from laturi.charging_users.service import TokenInput, UserInput
from laturi.charging_users.user_groups import service as user_groups
from laturi.db import Database
from laturi.errors import Conflict, StaleEdit
from tests.fixtures.factories import create_charging_user, create_user_group
from tests.fixtures.world import World


async def test_one_save_bumps_the_version_once(session: AsyncSession, world: World) -> None:
    alpha = await actor_for(session, world.alpha)
    user = await service.create_user(session, alpha, UserInput("Donald", "Duck"))
    seen = user.version
    data = UserInput(
        "Donald",
        "Duck",
        active=False,
        group_ids=[world.b.id],
        tokens=[TokenInput(id_tag="D1")],
        version=seen,
    )
    saved = await service.update_user(session, alpha, user.id, data)
    assert saved.version == seen + 1


async def test_the_later_of_two_simultaneous_saves_is_told_to_refresh(
    session: AsyncSession, database: Database, world: World
) -> None:
    user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
    await session.commit()
    alpha = await actor_for(session, world.alpha)
    await service.get_user(session, alpha, user.id)  # loaded at version 1
    async with database.sessions() as other:
        await service.update_user(other, alpha, user.id, UserInput("First", "Save"))
        await other.commit()
    with pytest.raises(StaleEdit) as err:
        await service.update_user(session, alpha, user.id, UserInput("Second", "Save"))
    assert err.value.message == service.STALE
    await session.rollback()


async def test_a_token_id_saved_meanwhile_is_refused_in_the_manuals_words(
    session: AsyncSession, database: Database, world: World
) -> None:
    """The unique index catches what the "is it free?" check could not see yet."""
    alpha = await actor_for(session, world.alpha)
    scope = await repository.scope_for(session, alpha)
    plan = await service.prepare_new(
        session, scope, UserInput("Late", "Comer", tokens=[TokenInput(id_tag="04ABCD")])
    )
    async with database.sessions() as other:
        data = UserInput("Early", "Bird", tokens=[TokenInput(id_tag="04abcd")])
        await service.create_user(other, alpha, data)
        await other.commit()
    with pytest.raises(Conflict) as err:
        await service.write_new(session, scope, plan)
    assert err.value.message == "Token already exists."
    await session.rollback()


async def test_an_email_saved_meanwhile_is_refused_in_the_manuals_words(
    session: AsyncSession, database: Database, world: World
) -> None:
    alpha = await actor_for(session, world.alpha)
    scope = await repository.scope_for(session, alpha)
    plan = await service.prepare_new(session, scope, UserInput("Late", "Comer", "d@duck.fi"))
    async with database.sessions() as other:
        await service.create_user(other, alpha, UserInput("Early", "Bird", "D@duck.fi"))
        await other.commit()
    with pytest.raises(Conflict) as err:
        await service.write_new(session, scope, plan)
    assert (err.value.message, err.value.field) == ("Username already exists.", "email")
    await session.rollback()


async def test_a_user_group_saved_meanwhile_is_stale(
    session: AsyncSession, database: Database, world: World
) -> None:
    group = await create_user_group(session, organization=world.org_a, name="Guests")
    await session.commit()
    alpha = await actor_for(session, world.alpha)
    await user_groups.get_user_group(session, alpha, group.id)  # loaded at version 1
    async with database.sessions() as other:
        await user_groups.update_user_group(
            other, alpha, group.id, user_groups.UserGroupInput("Visitors")
        )
        await other.commit()
    with pytest.raises(StaleEdit):
        await user_groups.update_user_group(
            session, alpha, group.id, user_groups.UserGroupInput("Callers")
        )
    await session.rollback()
