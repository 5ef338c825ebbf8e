"""The REST API for charging users, tokens and user groups: same rules, JSON errors."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import create_charging_user, create_token, create_user_group
from tests.fixtures.world import World, api_token

USERS = "/api/v1/charging-users"


SCROOGE = {
    "first_name": "Scrooge",
    "last_name": "McDuck",
    "email": "scrooge@duckburg.com",
    "tokens": [
        {"id_tag": "12345678", "name": "Home", "valid_from": "2026-04-13T00:00:00+03:00"},
        {"id_tag": "ABCDEF01", "name": "Office", "valid_to": "2030-01-01T00:00:00Z"},
    ],
}


class TestUsers:
    async def test_create_read_search_and_edit(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        made = await client.post(
            USERS, json={**SCROOGE, "group_ids": [world.b.id]}, headers=headers
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert [t["id_tag"] for t in body["tokens"]] == ["12345678", "ABCDEF01"]
        assert body["tokens"][0]["valid_from"] == "2026-04-12T21:00:00Z"
        assert body["charging_groups"] == [{"id": world.b.id, "name": "B"}]
        found = await client.get(USERS, params={"q": "abcdef"}, headers=headers)
        assert [u["email"] for u in found.json()["items"]] == ["scrooge@duckburg.com"]
        assert found.json()["items"][0]["token_count"] == 2
        edited = await client.patch(
            f"{USERS}/{body['id']}",
            json={"last_name": "Duck", "active": False, "version": body["version"]},
            headers=headers,
        )
        assert (edited.json()["last_name"], edited.json()["active"]) == ("Duck", False)
        assert len(edited.json()["tokens"]) == 2  # tokens left alone when not given

    async def test_errors_carry_the_manuals_wording_and_field(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.beta)
        await client.post(USERS, json=SCROOGE, headers=headers)
        again = await client.post(USERS, json=SCROOGE, headers=headers)
        assert again.status_code == 409
        assert again.json() == {
            "error": "conflict",
            "message": "Username already exists.",
            "field": "email",
        }
        token_twice = {**SCROOGE, "email": None, "tokens": [{"id_tag": "abcdef01"}]}
        answer = await client.post(USERS, json=token_twice, headers=headers)
        assert (answer.status_code, answer.json()["message"], answer.json()["field"]) == (
            409,
            "Token already exists.",
            "tokens.0.id_tag",
        )

    async def test_a_stale_version_and_a_removed_user(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        user = (await client.post(USERS, json=SCROOGE, headers=headers)).json()
        url = f"{USERS}/{user['id']}"
        await client.patch(
            url, json={"last_name": "A", "version": user["version"]}, headers=headers
        )
        stale = await client.patch(
            url, json={"last_name": "B", "version": user["version"]}, headers=headers
        )
        assert (stale.status_code, stale.json()["error"]) == (409, "stale_edit")
        assert (await client.delete(url, headers=headers)).status_code == 204
        gone = await client.patch(url, json={"last_name": "C"}, headers=headers)
        assert (gone.status_code, gone.json()["message"]) == (404, "Charging user not found.")

    async def test_the_email_is_fixed_once_set(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        user = (await client.post(USERS, json=SCROOGE, headers=headers)).json()
        answer = await client.patch(
            f"{USERS}/{user['id']}", json={"email": "other@duckburg.com"}, headers=headers
        )
        assert (answer.status_code, answer.json()["field"]) == (422, "email")

    async def test_user_group_can_be_set_and_cleared(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        guests = await create_user_group(session, organization=world.org_a, name="Guests")
        await session.commit()
        headers = await api_token(session, world.beta)
        user = (
            await client.post(USERS, json={**SCROOGE, "user_group_id": guests.id}, headers=headers)
        ).json()
        assert user["user_group"] == "Guests"
        cleared = await client.patch(
            f"{USERS}/{user['id']}", json={"user_group_id": None}, headers=headers
        )
        assert cleared.json()["user_group"] is None


class TestTokens:
    async def test_add_edit_and_delete_a_token(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await session.commit()
        headers = await api_token(session, world.alpha)
        url = f"{USERS}/{user.id}/tokens"
        added = await client.post(url, json={"id_tag": "04A1B2", "name": "Card"}, headers=headers)
        assert added.status_code == 201, added.text
        token = added.json()
        assert token["valid_to"] is None
        changed = await client.patch(
            f"{url}/{token['id']}",
            json={"active": False, "valid_to": "2031-01-01T00:00:00Z"},
            headers=headers,
        )
        assert (changed.json()["active"], changed.json()["name"]) == (False, "Card")
        assert changed.json()["valid_to"] == "2031-01-01T00:00:00Z"
        back = await client.patch(f"{url}/{token['id']}", json={"valid_to": None}, headers=headers)
        assert back.json()["valid_to"] is None
        assert (await client.delete(f"{url}/{token['id']}", headers=headers)).status_code == 204
        missing = await client.delete(f"{url}/{token['id']}", headers=headers)
        assert missing.status_code == 404

    async def test_basic_operators_cannot_delete_tokens(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        token = await create_token(session, user=user, id_tag="AA")
        await session.commit()
        headers = await api_token(session, world.beta)
        url = f"{USERS}/{user.id}"
        denied = await client.delete(f"{url}/tokens/{token.id}", headers=headers)
        assert (denied.status_code, denied.json()["message"]) == (403, "Access denied.")
        emptied = await client.patch(url, json={"tokens": []}, headers=headers)
        assert emptied.status_code == 403
        immutable = await client.patch(
            url, json={"tokens": [{"id": token.id, "id_tag": "BB"}]}, headers=headers
        )
        assert (immutable.status_code, immutable.json()["field"]) == (422, "tokens.0.id_tag")

    async def test_times_without_an_offset_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        naive = {**SCROOGE, "tokens": [{"id_tag": "X", "valid_from": "2026-01-01T00:00:00"}]}
        assert (await client.post(USERS, json=naive, headers=headers)).status_code == 422


class TestUserGroups:
    async def test_add_move_members_and_delete_when_empty(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        donald = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await session.commit()
        headers = await api_token(session, world.alpha)
        first = await client.post(
            "/api/v1/user-groups",
            json={"name": "Guests", "member_ids": [donald.id]},
            headers=headers,
        )
        assert first.status_code == 201, first.text
        second = await client.post(
            "/api/v1/user-groups",
            json={"name": "Subcontractors", "member_ids": [donald.id]},
            headers=headers,
        )
        listed = await client.get("/api/v1/user-groups", params={"sort": "name"}, headers=headers)
        assert [(g["name"], g["members"]) for g in listed.json()["items"]] == [
            ("Guests", 0),
            ("Subcontractors", 1),
        ]
        url = f"/api/v1/user-groups/{second.json()['id']}"
        refused = await client.delete(url, headers=headers)
        assert refused.status_code == 409
        await client.patch(url, json={"member_ids": []}, headers=headers)
        assert (await client.delete(url, headers=headers)).status_code == 204
