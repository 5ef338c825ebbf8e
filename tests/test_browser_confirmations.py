"""Every confirmation dialog of the panel, in Chromium: dismissed, nothing is sent and nothing
changes; accepted, the action is done (issue 13, item 5: a quoting bug once made one of them
a syntax error, and the form went at the first click)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from playwright.async_api import Dialog, Locator, Page, Request, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import (
    ApiToken,
    ChargingGroup,
    ChargingUser,
    Operator,
    ScheduledTask,
    Station,
    Transaction,
    UserGroup,
)
from tests.fixtures.browser import LiveServer, log_in_page
from tests.fixtures.factories import (
    PASSWORD,
    create_charging_point,
    create_charging_user,
    create_group,
    create_operator,
    create_transaction,
    create_user_group,
)
from tests.fixtures.wait import read
from tests.fixtures.world import api_token, build_world
from tests.schedules.helpers import make_task, minute

pytestmark = pytest.mark.browser

Check = Callable[[], Awaitable[bool]]


async def both_ways(page: Page, button: Locator, done: Check, menu: Locator | None = None) -> str:
    """Dismiss the dialog (no request, nothing done), then accept it (done); its message.

    A button in a drop-down `menu` is clicked after opening the menu, each time.
    """

    async def press() -> None:
        if menu is not None:
            await menu.click()
        await button.click()

    posts: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", seen)
    messages: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        messages.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await press()
    await asyncio.sleep(0.5)  # a form that ignored the answer would be on its way by now
    assert messages, "no confirmation dialog was shown"
    assert posts == [], f"dismissing sent {posts}"
    assert not await done()

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    async with page.expect_request(lambda r: r.method == "POST"):
        await press()
    await page.wait_for_load_state()
    for _ in range(50):
        if await done():
            break
        await asyncio.sleep(0.1)
    assert await done(), "accepting did not do it"
    page.remove_listener("request", seen)
    return messages[0]


async def test_each_confirmation_is_honoured_both_ways(
    page: Page, live_server: LiveServer, session: AsyncSession, database: Database
) -> None:
    world = await build_world(session)
    empty = await create_group(session, organization=world.org_a, parent=world.a, name="Empty")
    user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
    users = await create_user_group(session, organization=world.org_a, name="Night shift")
    tx = await create_transaction(session, station=world.stations[2], started_at=utcnow())
    station_id, orphan_id = world.stations[3].id, world.stations[3].id
    await session.commit()
    base = live_server.url
    await log_in_page(page, base, "alpha", PASSWORD)

    async def gone(
        model: type[ChargingGroup] | type[ChargingUser] | type[UserGroup], id_: int
    ) -> Check:
        async def check() -> bool:
            async def work(s: AsyncSession) -> bool:
                return await s.get(model, id_) is None

            return await read(database, work)

        return check

    async def station(check: Callable[[Station], bool]) -> bool:
        async def work(s: AsyncSession) -> bool:
            found = await s.get(Station, station_id)
            assert found is not None
            return check(found)

        return await read(database, work)

    # A station in a group: deleting makes it an orphan.
    await page.goto(f"{base}/stations/{station_id}/edit")
    message = await both_ways(
        page,
        page.get_by_role("button", name="Delete charging station"),
        lambda: station(lambda s: s.group_id is None),
    )
    assert message == "Delete this charging station? It becomes an orphan station."
    # The orphan: deleting for good.
    await page.goto(f"{base}/stations/{orphan_id}/edit")
    message = await both_ways(
        page,
        page.get_by_role("button", name="Delete for good"),
        lambda: station(lambda s: s.deleted_at is not None),
    )
    assert message.startswith("Delete this orphan charging station for good?")

    await page.goto(f"{base}/groups/{empty.id}/edit")
    await both_ways(
        page,
        page.locator("form[action$='/delete'] button[type=submit]"),
        await gone(ChargingGroup, empty.id),
    )
    await page.goto(f"{base}/charging-users/{user.id}/edit")
    await both_ways(
        page,
        page.locator("form[action$='/delete'] button[type=submit]"),
        await gone(ChargingUser, user.id),
    )
    await page.goto(f"{base}/user-groups/{users.id}/edit")
    await both_ways(
        page,
        page.locator("form[action$='/delete'] button[type=submit]"),
        await gone(UserGroup, users.id),
    )

    async def ended() -> bool:
        async def work(s: AsyncSession) -> bool:
            found = await s.scalar(select(Transaction).where(Transaction.id == tx.id))
            return found is not None and not found.is_open

        return await read(database, work)

    await page.goto(f"{base}/sessions/{tx.id}")
    await both_ways(page, page.locator("#close-session"), ended)
    await expect(page.locator("body")).to_contain_text("ended")


async def test_the_other_confirmations_are_honoured_both_ways(
    page: Page, live_server: LiveServer, session: AsyncSession, database: Database
) -> None:
    world = await build_world(session)
    doomed = await create_operator(session, base_group=world.a, username="doomed")
    await create_charging_point(session, station=world.stations[2], status="Charging")
    refused = await create_transaction(session, station=world.stations[2], started_at=utcnow())
    refused.authorization_status = "Invalid"
    await session.commit()
    await api_token(session, world.alpha)
    token_id = (await session.scalars(select(ApiToken.id))).one()
    task = await make_task(
        session,
        world.alpha,
        due=minute(utcnow() + timedelta(days=1)),
        task_type="group_current",
        key_id=world.b.id,
        max_current="10",
    )
    base = live_server.url
    await log_in_page(page, base, "alpha", PASSWORD)

    async def gone(model: type[Operator] | type[ApiToken] | type[ScheduledTask], id_: int) -> bool:
        async def work(s: AsyncSession) -> bool:
            return await s.get(model, id_) is None

        return await read(database, work)

    async def ended() -> bool:
        async def work(s: AsyncSession) -> bool:
            found = await s.scalar(select(Transaction).where(Transaction.id == refused.id))
            return found is not None and not found.is_open

        return await read(database, work)

    await page.goto(f"{base}/operators/{doomed.id}/edit")
    message = await both_ways(
        page,
        page.locator("form[action$='/delete'] button[type=submit]"),
        lambda: gone(Operator, doomed.id),
    )
    assert "doomed" in message
    await page.goto(f"{base}/account")
    message = await both_ways(
        page, page.get_by_role("button", name="Revoke test"), lambda: gone(ApiToken, token_id)
    )
    assert message == "Revoke this API token? Scripts using it stop working."
    await page.goto(f"{base}/schedules")
    message = await both_ways(
        page,
        page.get_by_role("button", name=f"Delete {task.name}"),
        lambda: gone(ScheduledTask, task.id),
    )
    assert message == "Delete this scheduled task?"
    # A session the station started with a refused token, ended from the station view.
    station_view = f"{base}/stations/{world.stations[2].id}"
    await page.goto(station_view)
    message = await both_ways(page, page.locator("button.close-refused"), ended)
    assert message.startswith(f"End session #{refused.id} at its last known reading?")

    # Hard reset (an HTMX confirmation): the station is offline, so the answer says so.
    await page.goto(station_view)
    answer = page.locator("#command-answer")

    async def answered() -> bool:
        return bool((await answer.inner_text()).strip())

    # The limit line loads after the page and moves the menu down: open it after that.
    await expect(page.get_by_text("No max current limit set")).to_be_visible()
    hard_reset = page.get_by_role("button", name="Hard reset")
    message = await both_ways(page, hard_reset, answered, menu=page.locator("#command-menu"))
    assert message == "Restart the whole charging station?"
