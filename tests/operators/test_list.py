"""The operators list: status filter, search, sorting, page size and paging, HTMX fragment."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models.operator import OperatorStatus
from tests.fixtures.world import World, api_token, log_in
from tests.operators.conftest import Targets


def listed(html: str) -> list[str]:
    return re.findall(r'data-username="([^"]+)"', html)


@pytest.fixture
async def headers(session: AsyncSession, world: World, targets: Targets) -> dict[str, str]:
    world.beta.status = OperatorStatus.INACTIVE
    await session.commit()
    return await api_token(session, world.alpha)


async def usernames(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str | int
) -> list[str]:
    response = await client.get("/api/v1/operators", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["username"] for item in response.json()["items"]]


class TestFilterAndSearch:
    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("active", ["alpha", "gamma"]),
            ("inactive", ["beta"]),
            ("not_activated", ["delta", "epsilon"]),
            ("", ["alpha", "beta", "delta", "epsilon", "gamma"]),
        ],
    )
    async def test_status_filter(
        self, client: httpx.AsyncClient, headers: dict[str, str], status: str, expected: list[str]
    ) -> None:
        params = {"status": status} if status else {}
        assert await usernames(client, headers, **params) == expected
        await log_in(client, "alpha")
        page = await client.get("/operators", params={"status": status})
        assert listed(page.text) == expected

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("ELTA", ["delta"]),
            ("delta@example", ["delta"]),
            ("Gamma Tester", ["gamma"]),
            ("zz", []),
        ],
    )
    async def test_search_by_username_name_or_address(
        self, client: httpx.AsyncClient, headers: dict[str, str], q: str, expected: list[str]
    ) -> None:
        assert await usernames(client, headers, q=q) == expected

    async def test_the_search_wildcards_are_literal(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        assert await usernames(client, headers, q="%") == []


class TestSortAndPage:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("-username", ["gamma", "epsilon", "delta", "beta", "alpha"]),
            ("status", ["alpha", "gamma", "beta", "delta", "epsilon"]),
            ("base_group", ["alpha", "beta", "epsilon", "delta", "gamma"]),  # ties by username
            ("-email", ["gamma", "epsilon", "delta", "beta", "alpha"]),
        ],
    )
    async def test_sorting(
        self, client: httpx.AsyncClient, headers: dict[str, str], sort: str, expected: list[str]
    ) -> None:
        assert await usernames(client, headers, sort=sort) == expected

    async def test_page_size_and_paging(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get(
            "/api/v1/operators", params={"size": 2, "page": 2}, headers=headers
        )
        body = response.json()
        assert (body["total"], body["page"], body["size"]) == (5, 2, 2)
        assert [i["username"] for i in body["items"]] == ["delta", "epsilon"]

    async def test_the_panel_pages_and_keeps_the_filter_in_its_links(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        await log_in(client, "alpha")
        page = await client.get(
            "/operators", params={"status": "not_activated", "size": 1, "page": 2}
        )
        assert listed(page.text) == ["epsilon"]
        assert 'href="/operators?q=&status=not_activated&sort=&size=1&page=1"' in page.text
        assert "2 in all" in page.text


class TestHtmx:
    async def test_an_htmx_request_gets_only_the_table(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        await log_in(client, "alpha")
        fragment = await client.get(
            "/operators", params={"q": "delta"}, headers={"HX-Request": "true"}
        )
        assert fragment.text.lstrip().startswith("<table")
        assert listed(fragment.text) == ["delta"]

    async def test_the_full_page_has_the_manuals_controls(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/operators")).text
        for text in ("Select status", "Search for operators", "Invite new operator +"):
            assert text in page
        for header in ("Username", "Name", "E-mail address", "Status", "Base group", "Actions"):
            assert f">{header}" in page
