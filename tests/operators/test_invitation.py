"""Inviting operators: the mail arrives at a real SMTP server, its link works once and expires."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import OneTimeToken, Operator
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.world import World, api_token, log_in
from tests.operators.conftest import LoggedIn, Targets, submit

NEW_PASSWORD = "Fresh-start-42"
LINK_INVALID = "This link has expired or has already been used. Ask for a new one."


def invitation(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "email": "mamercus@acme.example",
        "email_confirm": "mamercus@acme.example",
        "username": "mamercus",
        "first_name": "Mamercus",
        "last_name": "Mamercinus",
        "level": "basic",
    }
    return {**form, **overrides}


async def count_named(session: AsyncSession, username: str) -> int:
    await session.commit()
    query = select(func.count()).where(Operator.username == username)
    return int(await session.scalar(query) or 0)


class TestInviteInThePanel:
    async def test_the_invitation_mail_arrives_and_its_link_sets_the_password_once(
        self, client: httpx.AsyncClient, clients: LoggedIn, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        response = await submit(client, "/operators/new", **invitation(base_group_id=world.c.id))
        assert response.status_code == 303
        [mail] = smtp.inbox.to("mamercus@acme.example")
        assert mail["Subject"] == "You are invited to Laturi"
        assert "mamercus" in mail.get_content()
        link = smtp.inbox.last_link("mamercus@acme.example")
        assert link.startswith("/set-password/")

        page = await client.get(link)
        assert page.status_code == 200 and "mamercus" in page.text
        first = await submit(client, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert first.headers["location"] == "/login?notice=password-set"
        second = await submit(client, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert second.status_code == 422 and LINK_INVALID in second.text

        mamercus = await clients("mamercus", NEW_PASSWORD)
        assert (await mamercus.get("/account")).status_code == 200

    async def test_the_list_shows_the_invited_operator_as_not_activated(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        await submit(client, "/operators/new", **invitation())
        page = await client.get("/operators", params={"q": "mamercus"})
        assert "Invitation sent to mamercus@acme.example." in page.text
        assert "Not activated" in page.text and "ACME" not in page.text
        assert 'aria-label="Resend invitation to mamercus"' in page.text

    async def test_an_expired_link_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        await submit(client, "/operators/new", **invitation())
        link = smtp.inbox.last_link("mamercus@acme.example")
        past = utcnow() - timedelta(minutes=1)
        await session.execute(update(OneTimeToken).values(expires_at=past))
        await session.commit()
        assert LINK_INVALID in (await client.get(link)).text
        refused = await submit(client, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert refused.status_code == 422 and LINK_INVALID in refused.text

    async def test_before_activation_the_operator_cannot_log_in(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        await submit(client, "/operators/new", **invitation())
        refused = await submit(client, "/login", username="mamercus", password="", next="/")
        assert "Wrong credentials." in refused.text


class TestInviteRules:
    async def test_the_addresses_must_match(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        response = await submit(
            client, "/operators/new", **invitation(email_confirm="mamerkus@acme.example")
        )
        assert response.status_code == 422
        assert 'data-field="email_confirm">The e-mail addresses do not match.' in response.text
        assert await count_named(session, "mamercus") == 0

    async def test_a_taken_username_is_refused_in_the_manuals_words(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        response = await submit(client, "/operators/new", **invitation(username="Omega"))
        assert response.status_code == 409
        assert 'data-field="username">Username already exists.' in response.text
        assert smtp.inbox.messages == []

    async def test_a_taken_address_is_a_problem_with_the_email_address(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        taken = world.omega.email.upper()
        response = await submit(
            client, "/operators/new", **invitation(email=taken, email_confirm=taken)
        )
        assert response.status_code == 409
        assert 'data-field="email">Problem with email address.' in response.text

    async def test_the_base_group_must_lie_in_the_admins_domain(
        self, client: httpx.AsyncClient, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "gamma")
        page = await client.get("/operators/new")
        assert f'value="{world.c.id}"' in page.text and f'value="{world.b.id}"' not in page.text
        response = await submit(client, "/operators/new", **invitation(base_group_id=world.b.id))
        assert response.status_code == 422
        assert "Base group does not exist in your domain." in response.text

    async def test_without_a_base_group_the_admins_own_is_used(
        self, session: AsyncSession, world: World, smtp: SmtpServer, client: httpx.AsyncClient
    ) -> None:
        headers = await api_token(session, world.gamma)
        body = invitation(level="admin")
        response = await client.post("/api/v1/operators", json=body, headers=headers)
        assert response.status_code == 201
        made = response.json()
        assert (made["base_group_id"], made["level"]) == (world.c.id, "admin")
        assert made["shown_status"] == "Not activated" and made["activated_at"] is None


class TestMailFailure:
    async def test_a_failed_invitation_mail_says_so_and_saves_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        smtp.stop()
        response = await submit(client, "/operators/new", **invitation())
        assert response.status_code == 502
        assert 'data-field="email">Problem with email address.' in response.text
        assert await count_named(session, "mamercus") == 0

    async def test_the_api_answers_502_and_saves_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        headers = await api_token(session, world.alpha)
        smtp.stop()
        response = await client.post("/api/v1/operators", json=invitation(), headers=headers)
        assert response.status_code == 502
        assert response.json() == {
            "error": "mail_failed",
            "message": "Problem with email address.",
            "field": "email",
        }
        assert await count_named(session, "mamercus") == 0

    async def test_a_failed_reminder_keeps_the_earlier_link_working(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        smtp: SmtpServer,
    ) -> None:
        await log_in(client, "alpha")
        await submit(client, "/operators/new", **invitation())
        link = smtp.inbox.last_link("mamercus@acme.example")
        made = (await session.scalars(select(Operator).filter_by(username="mamercus"))).one()
        smtp.stop()
        response = await submit(client, f"/operators/{made.id}/invitation", back="list")
        assert response.status_code == 502 and "Problem with email address." in response.text
        assert (await client.get(link)).status_code == 200


class TestResendInvitation:
    async def test_resending_mails_a_new_link_and_the_old_one_stops_working(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        targets: Targets,
        smtp: SmtpServer,
    ) -> None:
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{targets.delta.id}/invitation"
        assert (await client.post(path, headers=headers)).status_code == 202
        first = smtp.inbox.last_link("delta@example.com")
        assert (await client.post(path, headers=headers)).status_code == 202
        second = smtp.inbox.last_link("delta@example.com")
        assert first != second
        assert LINK_INVALID in (await client.get(first)).text
        assert (await client.get(second)).status_code == 200

    async def test_only_while_not_activated(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        targets: Targets,
        smtp: SmtpServer,
    ) -> None:
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{targets.delta.id}/invitation"
        await client.post(path, headers=headers)
        link = smtp.inbox.last_link("delta@example.com")
        await submit(client, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        refused = await client.post(path, headers=headers)
        assert refused.status_code == 409
        assert refused.json()["message"] == "The operator has already activated their account."
        assert len(smtp.inbox.to("delta@example.com")) == 1

    async def test_the_panel_offers_the_send_button_only_to_those_not_activated(
        self, client: httpx.AsyncClient, world: World, targets: Targets, smtp: SmtpServer
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/operators")).text
        assert 'aria-label="Resend invitation to delta"' in page
        assert 'aria-label="Resend invitation to beta"' not in page
        sent = await submit(client, f"/operators/{targets.delta.id}/invitation", back="edit")
        assert sent.headers["location"] == f"/operators/{targets.delta.id}/edit"
        refused = await submit(client, f"/operators/{world.beta.id}/invitation", back="edit")
        assert refused.status_code == 409
        assert 'data-field="invitation">The operator has already activated' in refused.text
