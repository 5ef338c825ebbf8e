"""The manual's "Operator access forbidden.": an admin demoted while a form was open sends it."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import UserGroup
from laturi.models.operator import Level
from tests.fixtures.world import World, csrf, log_in


async def test_a_form_sent_after_a_demotion_is_refused_in_the_manual_s_words(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    await log_in(client, "alpha")
    assert (await client.get("/user-groups/new")).status_code == 200  # the form, open
    world.alpha.level = Level.BASIC  # another admin demotes alpha meanwhile
    await session.commit()

    sent = await client.post(
        "/user-groups/new",
        data={"csrf_token": csrf(client), "name": "Night shift", "version": ""},
    )
    assert sent.status_code == 403
    assert "Operator access forbidden." in sent.text and "reload the page and retry" in sent.text
    assert await session.scalar(select(func.count()).select_from(UserGroup)) == 0
    # Opening the form again is plainly denied.
    again = await client.get("/user-groups/new")
    assert again.status_code == 403 and "Access denied." in again.text
