"""Ids beyond what the database's integers hold are unknown ids, never a 500 (issue 12, §4)."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.world import World, log_in

# Beyond PostgreSQL's integer, beyond SQLite's (and PostgreSQL's bigint), and far beyond.
HUGE = [2**31, 2**63, 10**40]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stations/{}",
        "/api/v1/charging-users/{}",
        "/api/v1/groups/{}",
        "/api/v1/sessions/{}",
        "/api/v1/user-groups/{}",
    ],
)
async def test_a_huge_id_in_an_api_path_does_not_exist(
    client: httpx.AsyncClient, alpha: dict[str, str], path: str, value: int
) -> None:
    answer = await client.get(path.format(value), headers=alpha)
    assert answer.status_code in (404, 422), answer.text
    assert answer.json()["error"] in ("not_found", "validation_error", "http_error")


@pytest.mark.parametrize("value", HUGE)
async def test_a_huge_id_in_a_query_is_refused(
    client: httpx.AsyncClient, alpha: dict[str, str], value: int
) -> None:
    answer = await client.get(f"/api/v1/sessions?station={value}", headers=alpha)
    assert answer.status_code in (404, 422), answer.text


@pytest.mark.parametrize("value", HUGE)
async def test_a_huge_id_in_a_body_is_refused(
    client: httpx.AsyncClient, alpha: dict[str, str], value: int
) -> None:
    answer = await client.post(
        "/api/v1/user-groups", headers=alpha, json={"name": "G", "member_ids": [value]}
    )
    assert answer.status_code in (404, 422), answer.text


@pytest.mark.parametrize("value", HUGE)
async def test_a_huge_id_in_a_panel_path_does_not_exist_and_the_next_request_works(
    client: httpx.AsyncClient, world: World, value: int
) -> None:
    await log_in(client, "alpha")
    answer = await client.get(f"/stations/{value}")
    assert answer.status_code == 404
    assert (await client.get("/stations")).status_code == 200
