"""Panel pages for charging users and user groups, through the real forms (with CSRF)."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingUser
from tests.fixtures.factories import create_charging_user, create_token, create_user_group
from tests.fixtures.html import text
from tests.fixtures.world import World, build_world, csrf, log_in


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    await session.commit()
    return world


def user_form(client: httpx.AsyncClient, **extra: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "csrf_token": csrf(client),
        "first_name": "Scrooge",
        "last_name": "McDuck",
        "email": "scrooge@duckburg.com",
        "active": "1",
        "rights_shown": "1",
        "tokens_shown": "1",
        "tokens-0-pk": "",
        "tokens-0-id_tag": "12345678",
        "tokens-0-name": "Home charger",
        "tokens-0-active": "1",
        "tokens-0-valid_from": "2026-04-13",
        "tokens-0-valid_to": "",
        "tokens-0-infinite": "1",
        "tokens-3-pk": "",
        "tokens-3-id_tag": "ABCDEF01",
        "tokens-3-name": "Office",
        "tokens-3-active": "0",
        "tokens-3-valid_from": "",
        "tokens-3-valid_to": "2026-12-31",
    }
    form.update(extra)
    return form


def edit_link(page: str) -> str:
    found = re.search(r'href="(/charging-users/\d+/edit)"', page)
    assert found, page
    return found.group(1)


class TestChargingUserPages:
    async def test_add_a_user_with_two_tokens_then_find_them_by_token_id(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        form = await client.get("/charging-users/new")
        assert "Add new charging user" in form.text
        assert 'Authentication tokens: <span id="token-count">1</span>' in form.text
        data = user_form(client, group_ids=[str(world.b.id)])
        saved = await client.post("/charging-users/new", data=data)
        assert saved.status_code == 303, saved.text
        listed = await client.get("/charging-users", params={"q": "abcdef"})
        assert "Charging user Scrooge McDuck added." in listed.text
        row = re.search(r"<tr data-user-id.*?</tr>", listed.text, re.S)
        assert row is not None and "scrooge@duckburg.com" in row.group(0)
        assert '<td class="text-end">2</td>' in row.group(0)
        fragment = await client.get(
            "/charging-users", params={"q": "nobody"}, headers={"HX-Request": "true"}
        )
        assert "<html" not in fragment.text and "No charging users match." in fragment.text

    async def test_a_token_block_left_empty_is_no_token(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        data = user_form(client, **{"tokens-0-id_tag": "", "tokens-0-name": ""})
        data = {k: v for k, v in data.items() if not k.startswith("tokens-3-")}
        assert (await client.post("/charging-users/new", data=data)).status_code == 303
        listed = await client.get("/charging-users")
        assert '<td class="text-end">0</td>' in listed.text

    async def test_the_edit_form_says_what_cannot_change(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        await client.post("/charging-users/new", data=user_form(client))
        page = await client.get(edit_link((await client.get("/charging-users")).text))
        assert "The e-mail address cannot be changed once it is set." in page.text
        assert page.text.count("A token id cannot be changed after the token is created.") == 2
        assert 'value="2026-12-31"' in page.text  # valid to the end of that day, shown as the day
        assert "Remove this charging user" in page.text and "Delete token" in page.text

    async def test_errors_show_beside_the_token_they_concern(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        other = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=other, id_tag="abcdef01")
        await session.commit()
        await log_in(client, "alpha")
        refused = await client.post("/charging-users/new", data=user_form(client))
        assert refused.status_code == 409
        # The second token block (numbered 3 in the browser) is shown again as the second.
        assert 'data-field="tokens.1.id_tag">Token already exists.</div>' in refused.text
        assert 'value="Office"' in refused.text  # what was typed is kept

    async def test_a_duplicate_email_is_named_as_the_manual_does(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        await client.post("/charging-users/new", data=user_form(client))
        again = await client.post(
            "/charging-users/new",
            data=user_form(client, **{"tokens-0-id_tag": "X1", "tokens-3-id_tag": "X2"}),
        )
        assert 'data-field="email">Username already exists.</div>' in again.text

    async def test_a_stale_save_asks_to_refresh_and_retry(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        await session.commit()
        await log_in(client, "alpha")
        url = f"/charging-users/{user.id}/edit"
        first = {"csrf_token": csrf(client), "first_name": "A", "last_name": "B", "version": "1"}
        assert (await client.post(url, data=first)).status_code == 303
        second = await client.post(url, data={**first, "first_name": "C"})
        assert second.status_code == 409
        assert (
            "Charging user updating failed. Another operator changed this charging user"
            " meanwhile: exit this view, refresh the page and retry." in text(second.text)
        )

    async def test_basic_operators_see_no_delete_controls_and_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        await create_token(session, user=user, id_tag="AA")
        await session.commit()
        await log_in(client, "beta")
        page = await client.get(f"/charging-users/{user.id}/edit")
        assert "Remove this charging user" not in page.text and "Delete token" not in page.text
        assert "Only admin operators can delete tokens." in page.text
        removed = await client.post(
            f"/charging-users/{user.id}/delete", data={"csrf_token": csrf(client)}
        )
        assert removed.status_code == 403 and "Operator access forbidden." in removed.text

    async def test_an_admin_deletes_a_token_and_removes_the_user(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(
            session, organization=world.org_a, first_name="Donald", groups=[world.b]
        )
        token = await create_token(session, user=user, id_tag="AA")
        await session.commit()
        await log_in(client, "alpha")
        url = f"/charging-users/{user.id}/edit"
        data = {
            "csrf_token": csrf(client),
            "first_name": "Donald",
            "last_name": "Duck",
            "tokens_shown": "1",
            "tokens-0-pk": str(token.id),
            "tokens-0-id_tag": "AA",
            "tokens-0-infinite": "1",
            "tokens-0-delete": "1",
        }
        assert (await client.post(url, data=data)).status_code == 303
        listed = await client.get("/charging-users")
        assert "Donald Duck" in listed.text and '<td class="text-end">0</td>' in listed.text
        gone = await client.post(
            f"/charging-users/{user.id}/delete", data={"csrf_token": csrf(client)}
        )
        assert gone.status_code == 303
        assert await session.get(ChargingUser, user.id, populate_existing=True) is None


GOOD = (
    b"first_name,last_name,email,token_id\n"
    b"Donald,Duck,dduck@duckburg.com,D1\n"
    b"Donald,Duck,dduck@duckburg.com,D2\n"
)
BAD = b"first_name,last_name,token_id\nDonald,,D1\nDaisy,Duck,D1\nHuey,Duck,D1\n"


class TestImportPage:
    async def test_a_bad_file_lists_every_rejected_row(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        assert "Import charging users from CSV" in (await client.get("/charging-users/import")).text
        answer = await client.post(
            "/charging-users/import",
            data={"csrf_token": csrf(client)},
            files={"file": ("users.csv", BAD, "text/csv")},
        )
        assert answer.status_code == 422
        assert "3 problems found; nothing was imported." in answer.text
        assert "<td>2</td><td>last_name</td><td>Last name is required.</td>" in answer.text
        assert "<td>4</td><td>token_id</td><td>Token already exists.</td>" in answer.text

    async def test_a_dry_run_then_the_import(self, client: httpx.AsyncClient, world: World) -> None:
        await log_in(client, "beta")
        checked = await client.post(
            "/charging-users/import",
            data={"csrf_token": csrf(client), "dry_run": "1"},
            files={"file": ("users.csv", GOOD, "text/csv")},
        )
        assert "1 charging users with 2 tokens would be imported." in checked.text
        done = await client.post(
            "/charging-users/import",
            data={"csrf_token": csrf(client)},
            files={"file": ("users.csv", GOOD, "text/csv")},
        )
        assert done.status_code == 303
        listed = await client.get("/charging-users")
        assert "Imported 1 charging users with 2 tokens." in listed.text
        assert "dduck@duckburg.com" in listed.text


class TestUserGroupPages:
    async def test_add_edit_and_delete_a_group(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        donald = await create_charging_user(
            session,
            organization=world.org_a,
            first_name="Donald",
            last_name="Duck",
            groups=[world.a],
        )
        await session.commit()
        await log_in(client, "alpha")
        made = await client.post(
            "/user-groups/new",
            data={"csrf_token": csrf(client), "name": "Guests", "member_ids": [str(donald.id)]},
        )
        assert made.status_code == 303
        view = await client.get(made.headers["location"])
        assert "Charging user group Guests added." in view.text and "Donald Duck" in view.text
        listed = await client.get("/user-groups")
        assert '<td class="text-end">1</td>' in listed.text
        group_url = made.headers["location"]
        refused = await client.post(f"{group_url}/delete", data={"csrf_token": csrf(client)})
        assert refused.status_code == 409 and "it has 1 member." in refused.text
        emptied = await client.post(
            f"{group_url}/edit", data={"csrf_token": csrf(client), "name": "Guests"}
        )
        assert emptied.status_code == 303
        deleted = await client.post(f"{group_url}/delete", data={"csrf_token": csrf(client)})
        assert deleted.status_code == 303

    async def test_basic_operators_only_look(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        group = await create_user_group(session, organization=world.org_a, name="Guests")
        await session.commit()
        await log_in(client, "beta")
        listed = await client.get("/user-groups")
        assert "Add new charging user group" not in listed.text and "View Guests" in listed.text
        for url in ("/user-groups/new", f"/user-groups/{group.id}/edit"):
            answer = await client.get(url)
            assert answer.status_code == 403 and "Access denied." in answer.text
        assert (await client.get(f"/user-groups/{group.id}")).status_code == 200
