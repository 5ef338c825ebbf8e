"""Editing and deleting operators: status, level, base group, names, e-mail; never oneself."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.config import Settings
from laturi.db import Database
from laturi.errors import Conflict, StaleEdit
from laturi.mail import Mailer
from laturi.models import ApiToken, Operator
from laturi.models.operator import Level, OperatorStatus
from laturi.operators import service
from laturi.operators.service import Invitation, OperatorChanges
from laturi.web.templating import make_templates
from tests.fixtures.factories import PASSWORD
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.world import World, api_token, log_in
from tests.operators.conftest import LoggedIn, Targets, reload, submit

STALE = (
    "Error while updating operator. Someone else changed this operator meanwhile: "
    "exit this view, refresh the page and retry."
)


def edit_form(operator: Operator, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "email": operator.email,
        "first_name": operator.first_name,
        "last_name": operator.last_name,
        "status": operator.status.value,
        "level": operator.level.value,
        "base_group_id": operator.base_group_id,
        "version": operator.version,
    }
    return {**form, **changes}


class TestEditInThePanel:
    async def test_the_edit_page_shows_the_operator(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = await client.get(f"/operators/{world.beta.id}/edit")
        assert page.status_code == 200
        assert '<strong id="username">beta</strong>' in page.text
        assert 'id="level-basic" value="basic" checked' in page.text
        assert f'<option value="{world.b.id}" selected>' in page.text

    async def test_changes_are_saved(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "alpha")
        form = edit_form(
            world.beta,
            first_name="Bertha",
            last_name="Basic",
            email="bertha@example.com",
            level="admin",
            base_group_id=world.c.id,
        )
        saved = await submit(client, f"/operators/{world.beta.id}/edit", **form)
        assert saved.headers["location"] == "/operators"
        beta = await reload(session, world.beta.id)
        assert beta is not None
        assert (beta.first_name, beta.last_name, beta.email) == ("Bertha", "Basic", form["email"])
        assert (beta.level, beta.base_group_id, beta.version) == (Level.ADMIN, world.c.id, 2)

    async def test_a_base_group_outside_the_domain_is_refused(
        self, client: httpx.AsyncClient, world: World, targets: Targets
    ) -> None:
        await log_in(client, "gamma")
        form = edit_form(targets.delta, base_group_id=world.b.id)
        refused = await submit(client, f"/operators/{targets.delta.id}/edit", **form)
        assert refused.status_code == 422
        assert 'data-field="base_group_id">Base group does not exist in your domain.' in (
            refused.text
        )

    async def test_a_stale_edit_shows_refresh_and_retry_and_keeps_the_newer_data(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "alpha")
        seen = edit_form(world.beta, first_name="Panel")
        headers = await api_token(session, world.alpha)  # as if another admin, meanwhile
        meanwhile = await client.patch(
            f"/api/v1/operators/{world.beta.id}", json={"first_name": "Api"}, headers=headers
        )
        assert meanwhile.json()["version"] == 2
        refused = await submit(client, f"/operators/{world.beta.id}/edit", **seen)
        assert refused.status_code == 409 and STALE in refused.text
        beta = await reload(session, world.beta.id)
        assert beta is not None and beta.first_name == "Api"

    async def test_a_stale_edit_through_the_api_answers_409(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{world.beta.id}"
        await client.patch(path, json={"last_name": "One", "version": 1}, headers=headers)
        refused = await client.patch(path, json={"last_name": "Two", "version": 1}, headers=headers)
        assert refused.status_code == 409
        assert refused.json() == {"error": "stale_edit", "message": STALE, "field": None}

    async def test_an_unknown_operator_is_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = await client.get("/operators/999999/edit")
        assert page.status_code == 404 and "Operator not found." in page.text


class TestActiveAndInactive:
    async def test_an_inactive_operator_cannot_log_in(
        self, client: httpx.AsyncClient, clients: LoggedIn, world: World
    ) -> None:
        admin = await clients("alpha")
        form = edit_form(world.beta, status="inactive")
        assert (await submit(admin, f"/operators/{world.beta.id}/edit", **form)).status_code == 303
        listed = await admin.get("/operators", params={"status": "inactive"})
        assert 'data-username="beta"' in listed.text
        refused = await submit(client, "/login", username="beta", password=PASSWORD, next="/")
        assert refused.status_code == 401 and "Operator is inactive." in refused.text

    async def test_deactivation_ends_open_sessions_and_api_tokens_stop_working(
        self, session: AsyncSession, clients: LoggedIn, world: World, client: httpx.AsyncClient
    ) -> None:
        beta = await clients("beta")
        headers = await api_token(session, world.beta)
        admin = await clients("alpha")
        assert (await beta.get("/account")).status_code == 200
        await submit(
            admin, f"/operators/{world.beta.id}/edit", **edit_form(world.beta, status="inactive")
        )
        assert (await beta.get("/account")).headers["location"].startswith("/login")
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401

    async def test_reactivated_the_operator_logs_in_again(
        self, session: AsyncSession, clients: LoggedIn, world: World, client: httpx.AsyncClient
    ) -> None:
        world.beta.status = OperatorStatus.INACTIVE
        await session.commit()
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{world.beta.id}"
        back = await client.patch(path, json={"status": "active"}, headers=headers)
        assert back.json()["shown_status"] == "Active"
        await clients("beta")


class TestNotYourself:
    async def test_an_admin_cannot_deactivate_themselves(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        form = edit_form(world.alpha, status="inactive")
        refused = await submit(client, f"/operators/{world.alpha.id}/edit", **form)
        assert refused.status_code == 409
        assert 'data-field="status">You cannot deactivate yourself.' in refused.text

    async def test_an_admin_cannot_demote_themselves(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{world.alpha.id}"
        refused = await client.patch(path, json={"level": "basic"}, headers=headers)
        assert refused.status_code == 409
        assert refused.json()["message"] == "You cannot lower your own permission level."

    async def test_an_admin_cannot_delete_themselves(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "alpha")
        refused = await submit(client, f"/operators/{world.alpha.id}/delete", version="1")
        assert refused.status_code == 409 and "You cannot delete yourself." in refused.text
        assert await reload(session, world.alpha.id) is not None

    async def test_an_admin_may_edit_their_own_names(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await log_in(client, "alpha")
        form = edit_form(world.alpha, first_name="Alfa")
        assert (
            await submit(client, f"/operators/{world.alpha.id}/edit", **form)
        ).status_code == 303


class TestDelete:
    async def test_deleting_removes_the_operator_with_their_tokens(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.beta)
        await log_in(client, "alpha")
        done = await submit(client, f"/operators/{world.beta.id}/delete", version="1")
        assert done.headers["location"] == "/operators"
        assert "Operator beta deleted." in (await client.get("/operators")).text
        assert await reload(session, world.beta.id) is None
        tokens = await session.scalar(select(func.count()).select_from(ApiToken))
        assert tokens == 0
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401

    async def test_a_stale_delete_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{world.beta.id}"
        await client.patch(path, json={"first_name": "Changed"}, headers=headers)
        refused = await client.delete(path, params={"version": 1}, headers=headers)
        assert refused.status_code == 409
        assert (
            await client.delete(path, params={"version": 2}, headers=headers)
        ).status_code == 204


class TestEmailChange:
    async def test_links_mailed_to_the_old_address_stop_working(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
    ) -> None:
        await submit(client, "/forgot-password", email=world.beta.email)
        link = smtp.inbox.last_link(world.beta.email)
        headers = await api_token(session, world.alpha)
        path = f"/api/v1/operators/{world.beta.id}"
        await client.patch(path, json={"email": "new-beta@example.com"}, headers=headers)
        assert "already been used" in (await client.get(link)).text


class TestRaces:
    """Two saves at the same moment: the version column and unique indexes decide, in words."""

    async def test_the_later_of_two_simultaneous_saves_is_told_to_refresh(
        self, session: AsyncSession, database: Database, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        await service.get_operator(session, alpha, world.beta.id)  # loaded at version 1
        async with database.sessions() as other:
            first = OperatorChanges(first_name="First")
            await service.update_operator(other, alpha, world.beta.id, first)
            await other.commit()
        with pytest.raises(StaleEdit) as err:
            second = OperatorChanges(first_name="Second")
            await service.update_operator(session, alpha, world.beta.id, second)
        assert err.value.message == STALE

    async def test_a_username_saved_meanwhile_fails_the_invitation_in_the_manuals_words(
        self, session: AsyncSession, database: Database, world: World, smtp: SmtpServer
    ) -> None:
        """The unique index catches what the "is it free?" check could not see yet."""
        alpha = await actor_for(session, world.alpha)
        mailer = Mailer(Settings(smtp_url=smtp.url), make_templates().env)
        data = Invitation("n@example.com", "n@example.com", "newbie", "", "", Level.BASIC)
        async with database.sessions() as other:
            await service.invite(other, alpha, mailer, data)
            await other.commit()
        late = Operator(
            organization_id=world.org_a.id,
            base_group_id=world.a.id,
            username="newbie",
            email="n2@example.com",
            level=Level.BASIC,
        )
        session.add(late)  # as the second invitation, past its check, would
        with pytest.raises(Conflict) as err:
            await service.flush_changes(session, conflict=service.INVITATION_FAILED)
        assert err.value.message == "Operator invitation failed."
        await session.rollback()
