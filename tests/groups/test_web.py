"""The charging-group pages as an operator uses them: forms, messages, HTMX fragments."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingGroup
from tests.fixtures.factories import create_group
from tests.fixtures.world import World, csrf, log_in


async def _names(session: AsyncSession) -> set[str]:
    session.expire_all()
    return set((await session.scalars(select(ChargingGroup.name))).all())


class TestAddForm:
    async def test_missing_name_is_shown_beside_the_field_and_nothing_is_saved(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "alpha")
        before = await _names(session)
        response = await client.post("/groups/new", data={"name": " ", "csrf_token": csrf(client)})
        assert response.status_code == 422
        assert 'data-field="name">Name is required.' in response.text
        assert await _names(session) == before

    async def test_basic_operator_without_parent_reads_the_manuals_message(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        response = await client.post(
            "/groups/new", data={"name": "Deck", "parent_id": "", "csrf_token": csrf(client)}
        )
        assert 'data-field="parent_id">Adding a new group failed. Parent group is required.' in (
            response.text
        )

    async def test_added_group_lands_under_the_base_group_and_flashes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "gamma")
        response = await client.post(
            "/groups/new", data={"name": "Deck", "csrf_token": csrf(client)}
        )
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert "Charging group Deck added." in page.text
        assert '<dd class="col-sm-9">C</dd>' in page.text


class TestEditForm:
    async def test_moving_under_its_own_subgroup_is_explained(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        child = await create_group(session, organization=world.org_a, parent=world.b, name="B1")
        await session.commit()
        await log_in(client, "alpha")
        response = await client.post(
            f"/groups/{world.b.id}/edit",
            data={"name": "B", "parent_id": str(child.id), "csrf_token": csrf(client)},
        )
        assert "A group cannot be moved under itself or its own subgroup." in response.text

    async def test_the_parent_list_offers_neither_itself_nor_its_subgroups(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        child = await create_group(session, organization=world.org_a, parent=world.b, name="B1")
        await session.commit()
        await log_in(client, "alpha")
        page = (await client.get(f"/groups/{world.b.id}/edit")).text
        options = page.split('id="parent_id"')[1].split("</select>")[0]
        assert f'value="{world.c.id}"' in options
        assert f'value="{world.b.id}"' not in options
        assert f'value="{child.id}"' not in options

    async def test_a_stale_form_is_refused_with_refresh_and_retry(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        stale = str(world.c.version)
        url = f"/groups/{world.c.id}/edit"
        first = await client.post(
            url, data={"name": "C1", "version": stale, "csrf_token": csrf(client)}
        )
        assert first.status_code == 303
        second = await client.post(
            url, data={"name": "C2", "version": stale, "csrf_token": csrf(client)}
        )
        assert second.status_code == 409
        assert "refresh the page and retry" in second.text

    async def test_deleting_a_group_with_stations_says_why(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "alpha")
        response = await client.post(
            f"/groups/{world.b.id}/delete", data={"csrf_token": csrf(client)}
        )
        assert response.status_code == 409
        assert "it contains 2 charging stations and 0 subgroups" in response.text
        assert "B" in await _names(session)


class TestList:
    async def test_htmx_search_returns_only_the_table(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        response = await client.get("/groups?q=c", headers={"HX-Request": "true"})
        assert "<html" not in response.text
        assert ">C</a>" in response.text
        assert ">B</a>" not in response.text

    async def test_paging_and_sorting_by_station_count(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/groups?sort=-stations&size=2&page=1")).text
        assert page.index(">A</a>") < page.index(">B</a>")
        assert ">C</a>" not in page
        assert "3 in all" in page
