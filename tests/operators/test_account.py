"""My account: own names, e-mail and time zone, and API tokens (create, list, revoke)."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models.operator import Level
from tests.fixtures.world import World, api_token, log_in
from tests.operators.conftest import reload, submit


def account_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "first_name": "Beta",
        "last_name": "Operator",
        "email": "beta@example.com",
        "time_zone": "Europe/Helsinki",
        "version": 1,
    }
    return {**form, **changes}


class TestMyInformation:
    async def test_a_basic_operator_changes_their_own_information(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "beta")
        page = await client.get("/account")
        assert page.status_code == 200 and '<strong id="username">beta</strong>' in page.text
        form = account_form(first_name="Bea", email="bea@example.com", time_zone="America/Lima")
        saved = await submit(client, "/account", **form)
        assert saved.headers["location"] == "/account"
        assert "Your information is saved." in (await client.get("/account")).text
        beta = await reload(session, world.beta.id)
        assert beta is not None
        assert (beta.first_name, beta.email, beta.time_zone) == (
            "Bea",
            form["email"],
            form["time_zone"],
        )
        assert beta.level is Level.BASIC and beta.base_group_id == world.b.id

    async def test_an_unknown_time_zone_is_refused_beside_the_field(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        refused = await submit(client, "/account", **account_form(time_zone="Mars/Olympus"))
        assert refused.status_code == 422
        assert 'data-field="time_zone">Unknown time zone.' in refused.text

    async def test_an_address_of_another_operator_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        refused = await submit(client, "/account", **account_form(email=world.omega.email))
        assert refused.status_code == 409
        assert 'data-field="email">Problem with email address.' in refused.text

    async def test_a_stale_form_asks_to_refresh(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        await submit(client, "/account", **account_form(first_name="One"))
        refused = await submit(client, "/account", **account_form(first_name="Two"))
        assert refused.status_code == 409 and "refresh the page and retry" in refused.text

    async def test_through_the_api(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.beta)
        me = await client.get("/api/v1/me", headers=headers)
        assert me.json()["username"] == "beta" and me.json()["level"] == "basic"
        changed = await client.patch(
            "/api/v1/me", json={"last_name": "Basic", "version": 1}, headers=headers
        )
        assert changed.status_code == 200
        assert (changed.json()["last_name"], changed.json()["version"]) == ("Basic", 2)
        assert changed.json()["first_name"] == "Beta"

    async def test_the_menu_shows_operators_only_to_admins(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        page = (await client.get("/account")).text
        assert 'href="/account"' in page and 'href="/operators"' not in page


class TestApiTokensInThePanel:
    async def test_a_new_token_is_shown_once_and_works(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        made = await submit(client, "/account/api-tokens", name="export script")
        assert made.status_code == 200
        token = re.search(r'id="new-token-value">([^<]+)<', made.text)
        assert token is not None
        value = token.group(1)
        later = (await client.get("/account")).text
        assert value not in later and "export script" in later and value[:10] in later
        headers = {"Authorization": f"Bearer {value}"}
        assert (await client.get("/api/v1/me", headers=headers)).json()["username"] == "beta"

    async def test_a_revoked_token_gets_401(self, client: httpx.AsyncClient, world: World) -> None:
        await log_in(client, "beta")
        made = await submit(client, "/account/api-tokens", name="short-lived")
        value = re.findall(r'id="new-token-value">([^<]+)<', made.text)[0]
        token_id = re.findall(r'data-token-id="(\d+)"', made.text)[0]
        revoked = await submit(client, f"/account/api-tokens/{token_id}/revoke")
        assert revoked.headers["location"] == "/account"
        assert "API token short-lived revoked." in (await client.get("/account")).text
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 401

    async def test_a_token_needs_a_name(self, client: httpx.AsyncClient, world: World) -> None:
        await log_in(client, "beta")
        refused = await submit(client, "/account/api-tokens", name="  ")
        assert 'data-field="name">Token name is required.' in refused.text


class TestApiTokensThroughTheApi:
    async def test_create_list_and_revoke(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.gamma)
        made = await client.post("/api/v1/me/api-tokens", json={"name": "ci"}, headers=headers)
        assert made.status_code == 201
        created = made.json()
        assert created["token"].startswith(created["prefix"])
        listed = (await client.get("/api/v1/me/api-tokens", headers=headers)).json()
        assert [t["name"] for t in listed] == ["ci", "test"]
        assert all("token" not in t for t in listed)
        assert listed[1]["last_used_at"] is not None
        path = f"/api/v1/me/api-tokens/{created['id']}"
        assert (await client.delete(path, headers=headers)).status_code == 204
        revoked = {"Authorization": f"Bearer {created['token']}"}
        refused = await client.get("/api/v1/me", headers=revoked)
        assert refused.status_code == 401 and refused.json()["error"] == "not_authenticated"

    async def test_nobody_revokes_another_operators_token(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        alpha = await api_token(session, world.alpha)
        gamma = await api_token(session, world.gamma)
        mine = (await client.get("/api/v1/me/api-tokens", headers=gamma)).json()[0]["id"]
        refused = await client.delete(f"/api/v1/me/api-tokens/{mine}", headers=alpha)
        assert refused.status_code == 404 and refused.json()["message"] == "API token not found."
        assert (await client.get("/api/v1/me", headers=gamma)).status_code == 200

    async def test_a_token_can_revoke_itself(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.beta)
        mine = (await client.get("/api/v1/me/api-tokens", headers=headers)).json()[0]["id"]
        assert (
            await client.delete(f"/api/v1/me/api-tokens/{mine}", headers=headers)
        ).status_code == 204
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
