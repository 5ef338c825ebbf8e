"""The authorization rule, scenario by scenario, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users.authorization import (
    Authorization,
    AuthorizationStatus,
    authorize,
    tokens_valid_at,
)
from tests.fixtures.factories import (
    create_charging_user,
    create_group,
    create_station,
    create_token,
)
from tests.fixtures.world import World

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
Accepted, Blocked, Expired, Invalid = (
    AuthorizationStatus.ACCEPTED,
    AuthorizationStatus.BLOCKED,
    AuthorizationStatus.EXPIRED,
    AuthorizationStatus.INVALID,
)


async def ask(session: AsyncSession, world: World, station: int, tag: str) -> Authorization:
    return await authorize(
        session,
        organization_id=world.org_a.id,
        station_id=world.stations[station].id,
        id_tag=tag,
        at=NOW,
    )


class TestTokenItself:
    async def test_an_unknown_token_is_invalid(self, session: AsyncSession, world: World) -> None:
        answer = await ask(session, world, 1, "DEADBEEF")
        assert answer == Authorization(Invalid, "unknown token", None, None, None)

    async def test_ids_are_compared_regardless_of_case(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        token = await create_token(session, user=user, id_tag="04A2b3C4", valid_from=NOW - DAY)
        answer = await ask(session, world, 2, "04a2B3c4")
        assert (answer.status, answer.token_id, answer.charging_user_id) == (
            Accepted,
            token.id,
            user.id,
        )
        assert answer.expires_at is None

    async def test_a_token_of_another_organisation_is_unknown_here(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_b, groups=[world.x])
        await create_token(session, user=user, id_tag="CAFE", valid_from=NOW - DAY)
        assert (await ask(session, world, 1, "CAFE")).status is Invalid

    async def test_an_inactive_token_is_blocked(self, session: AsyncSession, world: World) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=user, id_tag="T1", active=False, valid_from=NOW - DAY)
        answer = await ask(session, world, 1, "T1")
        assert (answer.status, answer.reason) == (Blocked, "token is inactive")


class TestValidityWindow:
    async def test_before_valid_from_is_expired(self, session: AsyncSession, world: World) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=user, id_tag="T1", valid_from=NOW + DAY)
        answer = await ask(session, world, 1, "T1")
        assert answer.status is Expired
        assert answer.reason == "token is valid only from 2026-06-02 12:00 UTC"

    async def test_after_valid_to_is_expired(self, session: AsyncSession, world: World) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(
            session, user=user, id_tag="T1", valid_from=NOW - 2 * DAY, valid_to=NOW - DAY
        )
        answer = await ask(session, world, 1, "T1")
        assert (answer.status, answer.reason) == (Expired, "token expired at 2026-05-31 12:00 UTC")

    async def test_both_ends_are_inclusive(self, session: AsyncSession, world: World) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=user, id_tag="FROM", valid_from=NOW, valid_to=NOW + DAY)
        await create_token(session, user=user, id_tag="TO", valid_from=NOW - DAY, valid_to=NOW)
        assert (await ask(session, world, 1, "FROM")).status is Accepted
        answer = await ask(session, world, 1, "TO")
        assert (answer.status, answer.expires_at) == (Accepted, NOW)


class TestUserAndRights:
    async def test_an_inactive_user_is_blocked(self, session: AsyncSession, world: World) -> None:
        user = await create_charging_user(
            session, organization=world.org_a, groups=[world.a], active=False
        )
        await create_token(session, user=user, id_tag="T1", valid_from=NOW - DAY)
        answer = await ask(session, world, 1, "T1")
        assert (answer.status, answer.reason) == (Blocked, "charging user is inactive")

    async def test_a_group_right_covers_its_whole_subtree(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=user, id_tag="T1", valid_from=NOW - DAY)
        for station in (1, 2, 3, 4):
            assert (await ask(session, world, station, "T1")).status is Accepted

    async def test_a_station_outside_the_rights_is_blocked(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        await create_token(session, user=user, id_tag="T1", valid_from=NOW - DAY)
        answers = {s: (await ask(session, world, s, "T1")).status for s in (1, 2, 3, 4)}
        assert answers == {1: Blocked, 2: Accepted, 3: Accepted, 4: Blocked}
        assert (await ask(session, world, 4, "T1")).reason == (
            "station outside the user's access rights"
        )

    async def test_a_station_right_covers_that_station_only(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(
            session, organization=world.org_a, stations=[world.stations[3]]
        )
        await create_token(session, user=user, id_tag="T1", valid_from=NOW - DAY)
        answers = {s: (await ask(session, world, s, "T1")).status for s in (1, 2, 3, 4)}
        assert answers == {1: Blocked, 2: Blocked, 3: Accepted, 4: Blocked}

    async def test_stations_added_later_deep_in_the_subtree_are_covered(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        await create_token(session, user=user, id_tag="T1", valid_from=NOW - DAY)
        deep = await create_group(session, organization=world.org_a, parent=world.b)
        deeper = await create_group(session, organization=world.org_a, parent=deep)
        later = await create_station(session, group=deeper)
        answer = await authorize(
            session, organization_id=world.org_a.id, station_id=later.id, id_tag="t1", at=NOW
        )
        assert answer.status is Accepted

    async def test_an_orphan_station_is_covered_only_by_a_station_right(
        self, session: AsyncSession, world: World
    ) -> None:
        orphan = await create_station(session, group=None, organization=world.org_a)
        by_group = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        by_station = await create_charging_user(
            session, organization=world.org_a, stations=[orphan]
        )
        await create_token(session, user=by_group, id_tag="G", valid_from=NOW - DAY)
        await create_token(session, user=by_station, id_tag="S", valid_from=NOW - DAY)
        statuses = [
            (
                await authorize(
                    session, organization_id=world.org_a.id, station_id=orphan.id, id_tag=t, at=NOW
                )
            ).status
            for t in ("G", "S")
        ]
        assert statuses == [Blocked, Accepted]

    async def test_a_station_of_another_organisation_is_never_covered(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=user, id_tag="T1", valid_from=NOW - DAY)
        answer = await authorize(
            session,
            organization_id=world.org_a.id,
            station_id=world.stations[5].id,
            id_tag="T1",
            at=NOW,
        )
        assert answer.status is Blocked


class TestLocalList:
    async def test_lists_exactly_the_tokens_accepted_at_the_station(
        self, session: AsyncSession, world: World
    ) -> None:
        ok = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        idle = await create_charging_user(
            session, organization=world.org_a, groups=[world.a], active=False
        )
        await create_token(session, user=ok, id_tag="OK1", valid_from=NOW - DAY)
        await create_token(session, user=ok, id_tag="OK2", valid_from=NOW - DAY, valid_to=NOW)
        await create_token(session, user=ok, id_tag="LATER", valid_from=NOW + DAY)
        await create_token(session, user=ok, id_tag="OFF", active=False, valid_from=NOW - DAY)
        await create_token(session, user=idle, id_tag="IDLE", valid_from=NOW - DAY)
        listed = await tokens_valid_at(
            session, organization_id=world.org_a.id, station_id=world.stations[2].id, at=NOW
        )
        assert [(tag, a.status, a.expires_at) for tag, a in listed] == [
            ("OK1", Accepted, None),
            ("OK2", Accepted, NOW),
        ]
        elsewhere = await tokens_valid_at(
            session, organization_id=world.org_a.id, station_id=world.stations[4].id, at=NOW
        )
        assert elsewhere == []
