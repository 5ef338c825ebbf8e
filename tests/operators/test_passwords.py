"""Password resets (by an admin and "Lost your password?"), the policy, and changing one's own."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models.operator import OperatorStatus
from tests.fixtures.factories import PASSWORD
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.world import World, api_token, log_in
from tests.operators.conftest import LoggedIn, submit

NEW_PASSWORD = "Fresh-start-42"
POLICY = "Password does not conform to password policy."
RESET_SENT = "/login?notice=reset-sent"


async def use_link(client: httpx.AsyncClient, link: str, password: str) -> httpx.Response:
    return await submit(client, link, password=password, password_confirm=password)


class TestAdminResetsAPassword:
    async def test_the_link_is_mailed_to_the_shown_address_and_sets_a_new_password(
        self, client: httpx.AsyncClient, clients: LoggedIn, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        edit = await client.get(f"/operators/{world.beta.id}/edit")
        assert 'id="reset-password"' in edit.text
        sent = await submit(
            client, f"/operators/{world.beta.id}/password-reset", email=world.beta.email
        )
        assert sent.status_code == 303
        page = await client.get(sent.headers["location"])
        assert f"A password reset link was sent to {world.beta.email}." in page.text
        [mail] = smtp.inbox.to(world.beta.email)
        assert mail["Subject"] == "Resetting your Laturi password"
        link = smtp.inbox.last_link(world.beta.email)
        assert link.startswith("/reset-password/")
        assert (await use_link(client, link, NEW_PASSWORD)).status_code == 303
        await clients("beta", NEW_PASSWORD)
        refused = await submit(client, "/login", username="beta", password=PASSWORD, next="/")
        assert "Wrong credentials." in refused.text

    async def test_an_address_changed_meanwhile_is_refused_and_nothing_is_mailed(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        await client.get(f"/operators/{world.beta.id}/edit")
        shown = world.beta.email
        headers = await api_token(session, world.alpha)  # as if another admin, meanwhile
        changed = await client.patch(
            f"/api/v1/operators/{world.beta.id}", json={"email": "b2@example.com"}, headers=headers
        )
        assert changed.status_code == 200
        refused = await submit(client, f"/operators/{world.beta.id}/password-reset", email=shown)
        assert refused.status_code == 409
        assert "Operator with given email does not exist." in refused.text
        assert 'value="b2@example.com"' in refused.text  # the page now shows the new address
        assert smtp.inbox.messages == []

    async def test_through_the_api(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{world.beta.id}/password-reset"
        stale = await client.post(path, json={"email": "old@example.com"}, headers=headers)
        assert stale.status_code == 409
        assert stale.json()["message"] == "Operator with given email does not exist."
        sent = await client.post(path, json={"email": world.beta.email}, headers=headers)
        assert sent.status_code == 202 and sent.json()["username"] == "beta"
        assert len(smtp.inbox.to(world.beta.email)) == 1

    async def test_a_mail_failure_says_problem_with_email_address(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        smtp.stop()
        response = await submit(
            client, f"/operators/{world.beta.id}/password-reset", email=world.beta.email
        )
        assert response.status_code == 502
        assert 'data-field="password">Problem with email address.' in response.text


class TestLostPassword:
    async def test_a_known_address_gets_a_link_that_works_once(
        self, client: httpx.AsyncClient, clients: LoggedIn, world: World, smtp: SmtpServer
    ) -> None:
        await client.get("/forgot-password")
        sent = await submit(client, "/forgot-password", email=world.beta.email.upper())
        assert sent.headers["location"] == RESET_SENT
        link = smtp.inbox.last_link(world.beta.email)
        assert (await use_link(client, link, NEW_PASSWORD)).status_code == 303
        again = await use_link(client, link, "Another-one-77")
        assert again.status_code == 422 and "already been used" in again.text
        await clients("beta", NEW_PASSWORD)

    async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        sent = await submit(client, "/forgot-password", email="nobody@example.com")
        assert (sent.status_code, sent.headers["location"]) == (303, RESET_SENT)
        assert smtp.inbox.messages == []

    async def test_an_inactive_operator_gets_no_mail(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        world.beta.status = OperatorStatus.INACTIVE
        await session.commit()
        sent = await submit(client, "/forgot-password", email=world.beta.email)
        assert sent.headers["location"] == RESET_SENT
        assert smtp.inbox.messages == []

    async def test_a_mail_failure_does_not_reveal_that_the_address_exists(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        smtp.stop()
        known = await submit(client, "/forgot-password", email=world.beta.email)
        unknown = await submit(client, "/forgot-password", email="nobody@example.com")
        assert (known.status_code, known.headers["location"]) == (303, RESET_SENT)
        assert (unknown.status_code, unknown.headers["location"]) == (303, RESET_SENT)


class TestPasswordPolicy:
    async def test_a_weak_password_from_a_link_is_refused_in_the_manuals_words(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await submit(client, "/forgot-password", email=world.beta.email)
        link = smtp.inbox.last_link(world.beta.email)
        for weak in ("short-1A", "alllowercaseletters", "Beta-is-my-name-1"):
            refused = await use_link(client, link, weak)
            assert refused.status_code == 422
            assert f'data-field="password">{POLICY}' in refused.text
        assert (await use_link(client, link, NEW_PASSWORD)).status_code == 303

    async def test_my_account_shows_the_policy_and_refuses_a_weak_password(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "beta")
        page = await client.get("/account")
        assert "At least 10 characters" in page.text
        refused = await submit(
            client,
            "/account/password",
            current_password=PASSWORD,
            password="weakling",
            password_confirm="weakling",
        )
        assert refused.status_code == 422
        assert f'data-field="password">{POLICY}' in refused.text


class TestChangeOwnPassword:
    async def test_the_current_password_must_be_right(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        refused = await submit(
            client,
            "/account/password",
            current_password="not-it",
            password=NEW_PASSWORD,
            password_confirm=NEW_PASSWORD,
        )
        assert 'data-field="current_password">The current password is wrong.' in refused.text

    async def test_the_new_password_twice_must_match(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "beta")
        refused = await submit(
            client,
            "/account/password",
            current_password=PASSWORD,
            password=NEW_PASSWORD,
            password_confirm=NEW_PASSWORD + "x",
        )
        assert 'data-field="password_confirm">The passwords do not match.' in refused.text

    async def test_other_sessions_end_and_this_one_stays(
        self, client: httpx.AsyncClient, clients: LoggedIn, world: World
    ) -> None:
        await log_in(client, "beta")
        elsewhere = await clients("beta")
        changed = await submit(
            client,
            "/account/password",
            current_password=PASSWORD,
            password=NEW_PASSWORD,
            password_confirm=NEW_PASSWORD,
        )
        assert changed.status_code == 303
        assert (await client.get("/account")).status_code == 200
        assert (await elsewhere.get("/account")).headers["location"].startswith("/login")
        await clients("beta", NEW_PASSWORD)

    async def test_through_the_api(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.beta)
        body = {"current_password": PASSWORD, "new_password": "weakling"}
        weak = await client.post("/api/v1/me/password", json=body, headers=headers)
        assert weak.status_code == 422
        assert weak.json()["message"] == f"{POLICY} It has fewer than 10 characters."
        body["new_password"] = NEW_PASSWORD
        done = await client.post("/api/v1/me/password", json=body, headers=headers)
        assert done.status_code == 204
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
