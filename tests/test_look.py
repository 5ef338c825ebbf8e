"""The panel's look as a product: favicon and logo, icons from npm (issue 13, item 8)."""

from __future__ import annotations

import httpx

from tests.fixtures.world import World, log_in


async def test_the_favicon_is_the_logo(client: httpx.AsyncClient) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["location"] == "/static/logo.svg"
    logo = await client.get("/static/logo.svg")
    assert logo.status_code == 200 and logo.text.startswith("<svg")


async def test_pages_link_the_icon_font_and_status_badges_carry_icons(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "alpha")
    page = (await client.get(f"/stations/{world.stations[2].id}")).text
    assert '<link rel="icon" href="/static/logo.svg"' in page
    assert (await client.get("/static/vendor/bootstrap-icons.min.css")).status_code == 200
    assert (await client.get("/static/vendor/fonts/bootstrap-icons.woff2")).status_code == 200
    assert '<i class="bi bi-wifi-off" aria-hidden="true"></i> Offline' in page
