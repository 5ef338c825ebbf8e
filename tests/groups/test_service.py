"""The manual's charging-group rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.errors import AccessDenied, Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.groups import service
from laturi.groups.service import GroupInput
from laturi.kit.pagination import ListQuery
from laturi.models import Station
from tests.fixtures.factories import create_group, create_operator
from tests.fixtures.world import World


class TestAddGroup:
    async def test_without_parent_lands_under_the_admins_base_group(
        self, session: AsyncSession, world: World
    ) -> None:
        gamma = await actor_for(session, world.gamma)
        group = await service.create_group(session, gamma, GroupInput(name="Level 2"))
        assert group.parent_id == world.c.id

    async def test_basic_operator_must_give_a_parent(
        self, session: AsyncSession, world: World
    ) -> None:
        beta = await actor_for(session, world.beta)
        with pytest.raises(ValidationFailed) as err:
            await service.create_group(session, beta, GroupInput(name="Level 2"))
        assert err.value.message == "Adding a new group failed. Parent group is required."
        assert err.value.field == "parent_id"

    async def test_basic_operator_adds_under_a_group_of_their_domain(
        self, session: AsyncSession, world: World
    ) -> None:
        beta = await actor_for(session, world.beta)
        group = await service.create_group(
            session, beta, GroupInput(name="Deck", parent_id=world.b.id)
        )
        assert group.parent_id == world.b.id

    async def test_name_is_required(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(ValidationFailed) as err:
            await service.create_group(session, alpha, GroupInput(name="   "))
        assert (err.value.field, err.value.message) == ("name", "Name is required.")

    async def test_parent_outside_the_domain_is_refused(
        self, session: AsyncSession, world: World
    ) -> None:
        gamma = await actor_for(session, world.gamma)
        for foreign in (world.b.id, world.x.id):
            with pytest.raises(ValidationFailed) as err:
                await service.create_group(session, gamma, GroupInput(name="Z", parent_id=foreign))
            assert err.value.field == "parent_id"

    async def test_sibling_names_are_unique_regardless_of_case(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(Conflict):
            await service.create_group(session, alpha, GroupInput(name="b", parent_id=world.a.id))


class TestMoveGroup:
    async def test_moves_under_another_group_of_the_domain(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        await service.update_group(
            session, alpha, world.c.id, GroupInput(name="C", parent_id=world.b.id)
        )
        page = await service.list_groups(session, alpha, ListQuery(sort="name"))
        counts = {r.name: r.station_count for r in page.items}
        assert counts == {"A": 4, "B": 3, "C": 1}

    async def test_never_under_itself_or_its_descendant(
        self, session: AsyncSession, world: World
    ) -> None:
        child = await create_group(session, organization=world.org_a, parent=world.b, name="B1")
        alpha = await actor_for(session, world.alpha)
        for target in (world.b.id, child.id):
            with pytest.raises(ValidationFailed) as err:
                await service.update_group(
                    session, alpha, world.b.id, GroupInput(name="B", parent_id=target)
                )
            assert err.value.message == "A group cannot be moved under itself or its own subgroup."

    async def test_a_stale_version_is_refused(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        seen = world.c.version
        await service.update_group(session, alpha, world.c.id, GroupInput(name="C1", version=seen))
        with pytest.raises(StaleEdit):
            await service.update_group(
                session, alpha, world.c.id, GroupInput(name="C2", version=seen)
            )

    async def test_stations_are_assigned_and_removed_ones_become_orphans(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        s2, s4 = world.stations[2], world.stations[4]
        await service.update_group(
            session, alpha, world.c.id, GroupInput(name="C", station_ids=[s2.id])
        )
        await session.refresh(s2)
        await session.refresh(s4)
        assert (s2.group_id, s4.group_id) == (world.c.id, None)

    async def test_basic_operator_cannot_change_a_groups_stations(
        self, session: AsyncSession, world: World
    ) -> None:
        beta = await actor_for(session, world.beta)
        with pytest.raises(AccessDenied):
            await service.update_group(
                session, beta, world.b.id, GroupInput(name="B", station_ids=[])
            )


class TestDeleteGroup:
    async def test_an_empty_group_is_deleted(self, session: AsyncSession, world: World) -> None:
        empty = await create_group(session, organization=world.org_a, parent=world.c, name="Empty")
        alpha = await actor_for(session, world.alpha)
        await service.delete_group(session, alpha, empty.id)
        with pytest.raises(NotFound):
            await service.get_group(session, alpha, empty.id)

    async def test_a_group_with_stations_or_subgroups_stays(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(Conflict) as err:
            await service.delete_group(session, alpha, world.a.id)
        assert "1 charging station and 2 subgroups" in err.value.message

    async def test_an_operators_base_group_stays(self, session: AsyncSession, world: World) -> None:
        empty = await create_group(session, organization=world.org_a, parent=world.a, name="Empty")
        alpha = await actor_for(session, world.alpha)
        await create_operator(session, base_group=empty, username="delta")
        with pytest.raises(Conflict) as err:
            await service.delete_group(session, alpha, empty.id)
        assert "base group of operator delta" in err.value.message


class TestListGroups:
    async def test_search_sort_and_paging(self, session: AsyncSession, world: World) -> None:
        for i in range(10):
            await create_group(
                session, organization=world.org_a, parent=world.c, name=f"Bay {i:02}"
            )
        alpha = await actor_for(session, world.alpha)
        page = await service.list_groups(
            session, alpha, ListQuery(search="bay", sort="name", descending=True, page=2, size=4)
        )
        assert page.total == 10
        assert [r.name for r in page.items] == ["Bay 05", "Bay 04", "Bay 03", "Bay 02"]

    async def test_station_counts_include_subgroups(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        rows = {r.name: r.station_count for r in await service.rows(session, alpha)}
        assert rows == {"A": 4, "B": 2, "C": 1}

    async def test_orphans_count_nowhere(self, session: AsyncSession, world: World) -> None:
        session.add(
            Station(organization_id=world.org_a.id, group_id=None, name="o", identifier="O1")
        )
        await session.flush()
        alpha = await actor_for(session, world.alpha)
        assert {r.name: r.station_count for r in await service.rows(session, alpha)}["A"] == 4
