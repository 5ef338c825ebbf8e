"""The manual's charging-user-group rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users.user_groups import service
from laturi.charging_users.user_groups.service import UserGroupInput
from laturi.errors import AccessDenied, Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.kit.pagination import ListQuery
from laturi.models import ChargingUser
from tests.fixtures.factories import create_charging_user, create_user_group
from tests.fixtures.world import World


async def _group_of(session: AsyncSession, user: ChargingUser) -> int | None:
    await session.refresh(user)
    return user.user_group_id


class TestAddAndEdit:
    async def test_members_move_out_of_their_previous_group(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        donald = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        guests = await service.create_user_group(
            session, alpha, UserGroupInput("Guests", member_ids=[donald.id])
        )
        workers = await service.create_user_group(
            session, alpha, UserGroupInput("Senior company workers", member_ids=[donald.id])
        )
        assert await _group_of(session, donald) == workers.id
        listed = await service.list_user_groups(session, alpha, ListQuery(sort="name"))
        assert [(r.group.name, r.members) for r in listed.items] == [
            ("Guests", 0),
            ("Senior company workers", 1),
        ]
        await service.update_user_group(
            session, alpha, guests.id, UserGroupInput("Guests", member_ids=[donald.id])
        )
        assert await _group_of(session, donald) == guests.id

    async def test_removing_a_member_leaves_them_without_group(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        donald = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        group = await service.create_user_group(
            session, alpha, UserGroupInput("Guests", member_ids=[donald.id])
        )
        await service.update_user_group(session, alpha, group.id, UserGroupInput("Guests", []))
        assert await _group_of(session, donald) is None

    async def test_members_beyond_the_editors_view_stay(
        self, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Mixed")
        in_b = await create_charging_user(
            session, organization=world.org_a, groups=[world.b], user_group=group
        )
        in_c = await create_charging_user(
            session, organization=world.org_a, groups=[world.c], user_group=group
        )
        gamma = await actor_for(session, world.gamma)
        detail = await service.get_user_group(session, gamma, group.id)
        assert ([u.id for u in detail.members], detail.shared) == ([in_c.id], True)
        await service.update_user_group(session, gamma, group.id, UserGroupInput("Mixed", []))
        assert (await _group_of(session, in_b), await _group_of(session, in_c)) == (group.id, None)

    async def test_only_visible_users_can_be_made_members(
        self, session: AsyncSession, world: World
    ) -> None:
        in_b = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        gamma = await actor_for(session, world.gamma)
        with pytest.raises(ValidationFailed) as err:
            await service.create_user_group(session, gamma, UserGroupInput("G", [in_b.id]))
        assert err.value.field == "member_ids"

    async def test_names_are_unique_in_the_organisation_regardless_of_case(
        self, session: AsyncSession, world: World
    ) -> None:
        await create_user_group(session, organization=world.org_a, name="Guests")
        await create_user_group(session, organization=world.org_b, name="Subcontractors")
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(Conflict) as err:
            await service.create_user_group(session, alpha, UserGroupInput(" guests "))
        assert err.value.field == "name"
        made = await service.create_user_group(session, alpha, UserGroupInput("Subcontractors"))
        assert made.name == "Subcontractors"

    async def test_a_stale_version_is_refused(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        group = await service.create_user_group(session, alpha, UserGroupInput("Guests"))
        seen = group.version
        await service.update_user_group(session, alpha, group.id, UserGroupInput("G1", None, seen))
        with pytest.raises(StaleEdit):
            await service.update_user_group(
                session, alpha, group.id, UserGroupInput("G2", None, seen)
            )


class TestAnotherDomainsMembers:
    """A subtree admin learns and changes nothing of members beyond his domain."""

    async def test_counts_only_the_members_the_operator_sees(
        self, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Mixed")
        for where in (world.b, world.b, world.c):
            await create_charging_user(
                session, organization=world.org_a, groups=[where], user_group=group
            )
        gamma = await actor_for(session, world.gamma)
        alpha = await actor_for(session, world.alpha)
        (row,) = (await service.list_user_groups(session, gamma, ListQuery())).items
        assert row.members == 1
        (row,) = (await service.list_user_groups(session, alpha, ListQuery())).items
        assert row.members == 3
        assert (await service.get_user_group(session, alpha, group.id)).shared is False

    async def test_a_subtree_admin_cannot_rename_or_delete_a_group_shared_beyond_his_domain(
        self, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Everyone")
        await create_charging_user(
            session, organization=world.org_a, groups=[world.b], user_group=group
        )
        mine = await create_charging_user(
            session, organization=world.org_a, groups=[world.c], user_group=group
        )
        gamma = await actor_for(session, world.gamma)
        with pytest.raises(AccessDenied) as err:
            await service.update_user_group(session, gamma, group.id, UserGroupInput("Mine"))
        assert err.value.message == service.SHARED
        with pytest.raises(AccessDenied):
            await service.delete_user_group(session, gamma, group.id)
        # His own users he still moves in and out, under the same name.
        await service.update_user_group(session, gamma, group.id, UserGroupInput("Everyone", []))
        assert await _group_of(session, mine) is None
        await session.refresh(group)
        assert group.name == "Everyone"

    async def test_a_subtree_admin_renames_a_group_of_his_own_users(
        self, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Maple")
        await create_charging_user(
            session, organization=world.org_a, groups=[world.c], user_group=group
        )
        gamma = await actor_for(session, world.gamma)
        await service.update_user_group(session, gamma, group.id, UserGroupInput("Maple VIP"))
        assert group.name == "Maple VIP"


class TestDelete:
    async def test_only_an_empty_group(self, session: AsyncSession, world: World) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Guests")
        user = await create_charging_user(
            session, organization=world.org_a, groups=[world.c], user_group=group
        )
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(Conflict) as err:
            await service.delete_user_group(session, alpha, group.id)
        assert "it has 1 member." in err.value.message
        user.user_group_id = None
        await session.flush()
        await service.delete_user_group(session, alpha, group.id)
        with pytest.raises(NotFound):
            await service.get_user_group(session, alpha, group.id)


class TestPermissions:
    async def test_basic_operators_cannot_add_edit_or_delete(
        self, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Guests")
        beta = await actor_for(session, world.beta)
        calls = [
            service.create_user_group(session, beta, UserGroupInput("New")),
            service.update_user_group(session, beta, group.id, UserGroupInput("Renamed")),
            service.delete_user_group(session, beta, group.id),
        ]
        for call in calls:
            with pytest.raises(AccessDenied):
                await call
        assert (await service.list_user_groups(session, beta, ListQuery())).total == 1

    async def test_another_organisations_group_does_not_exist(
        self, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Guests")
        omega = await actor_for(session, world.omega)
        with pytest.raises(NotFound):
            await service.update_user_group(session, omega, group.id, UserGroupInput("Mine"))
        assert (await service.list_user_groups(session, omega, ListQuery())).total == 0
