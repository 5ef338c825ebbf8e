"""The manual's charging-user rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users import service
from laturi.charging_users.service import TokenInput, UserInput
from laturi.errors import AccessDenied, Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.kit.pagination import ListQuery
from laturi.models import ChargingUser
from tests.fixtures.factories import (
    create_charging_user,
    create_token,
    create_user_group,
)
from tests.fixtures.world import World

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def scrooge(**changes: object) -> UserInput:
    base = UserInput(
        first_name="Scrooge",
        last_name="McDuck",
        email="scrooge@duckburg.com",
        tokens=[TokenInput(id_tag="12345678", name="Scrooge's home charger", valid_from=T0)],
    )
    return UserInput(**{**base.__dict__, **changes})


class TestAddUser:
    async def test_with_tokens_rights_and_group(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        managers = await create_user_group(session, organization=world.org_a, name="Managers")
        data = scrooge(
            user_group_id=managers.id,
            group_ids=[world.b.id],
            station_ids=[world.stations[4].id],
            tokens=[TokenInput(id_tag="AA01"), TokenInput(id_tag="AA02", valid_to=T0)],
        )
        with pytest.raises(ValidationFailed) as err:
            await service.create_user(session, alpha, data)
        assert err.value.field == "tokens.1.valid_to"
        data = scrooge(
            user_group_id=managers.id,
            group_ids=[world.b.id],
            station_ids=[world.stations[4].id],
            tokens=[TokenInput(id_tag="AA01"), TokenInput(id_tag="AA02", valid_from=T0)],
        )
        user = await service.create_user(session, alpha, data)
        detail = await service.get_user(session, alpha, user.id)
        assert [t.id_tag for t in detail.tokens] == ["AA01", "AA02"]
        assert dict(detail.rights.groups) == {world.b.id: "B"}
        assert set(detail.rights.stations) == {world.stations[4].id}
        assert detail.user_group is not None and detail.user_group.name == "Managers"

    async def test_names_are_required_and_email_is_optional(
        self, session: AsyncSession, world: World
    ) -> None:
        beta = await actor_for(session, world.beta)
        with pytest.raises(ValidationFailed) as err:
            await service.create_user(session, beta, UserInput(first_name=" ", last_name="Duck"))
        assert (err.value.field, err.value.message) == ("first_name", "First name is required.")
        user = await service.create_user(session, beta, UserInput("Donald", "Duck", email=""))
        assert user.email is None

    async def test_a_bad_email_is_refused(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(ValidationFailed) as err:
            await service.create_user(session, alpha, scrooge(email="scrooge@"))
        assert err.value.field == "email"

    async def test_email_is_unique_in_the_organisation_regardless_of_case(
        self, session: AsyncSession, world: World
    ) -> None:
        await create_charging_user(
            session, organization=world.org_a, email="scrooge@duckburg.com", groups=[world.c]
        )
        beta = await actor_for(session, world.beta)  # does not even see that user
        with pytest.raises(Conflict) as err:
            await service.create_user(
                session, beta, scrooge(email="Scrooge@Duckburg.com", tokens=[])
            )
        assert (err.value.field, err.value.message) == ("email", "Username already exists.")

    async def test_the_same_email_in_another_organisation_is_fine(
        self, session: AsyncSession, world: World
    ) -> None:
        await create_charging_user(session, organization=world.org_b, email="scrooge@duckburg.com")
        alpha = await actor_for(session, world.alpha)
        assert (await service.create_user(session, alpha, scrooge())).email_key == (
            "scrooge@duckburg.com"
        )

    async def test_token_ids_are_unique_in_the_organisation_regardless_of_case(
        self, session: AsyncSession, world: World
    ) -> None:
        other = await create_charging_user(session, organization=world.org_a)
        await create_token(session, user=other, id_tag="04ABCDEF")
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(Conflict) as err:
            await service.create_user(
                session,
                alpha,
                scrooge(tokens=[TokenInput(id_tag="x1"), TokenInput(id_tag="04abcdef")]),
            )
        assert (err.value.field, err.value.message) == ("tokens.1.id_tag", "Token already exists.")

    async def test_the_same_token_twice_in_one_form_is_refused(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        tokens = [TokenInput(id_tag="ab12"), TokenInput(id_tag="AB12")]
        with pytest.raises(Conflict) as err:
            await service.create_user(session, alpha, scrooge(tokens=tokens))
        assert err.value.field == "tokens.1.id_tag"

    @pytest.mark.parametrize(
        ("tag", "message"),
        [
            ("", "Token id is required."),
            ("A" * 21, "Token id is too long (20 characters at most)."),
            ("AB CD", "Token id cannot contain spaces or control characters."),
        ],
    )
    async def test_token_id_shape(
        self, session: AsyncSession, world: World, tag: str, message: str
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(ValidationFailed) as err:
            await service.create_user(session, alpha, scrooge(tokens=[TokenInput(id_tag=tag)]))
        assert (err.value.field, err.value.message) == ("tokens.0.id_tag", message)

    async def test_nothing_is_written_when_a_check_fails(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        with pytest.raises(ValidationFailed):
            await service.create_user(session, alpha, scrooge(group_ids=[world.x.id]))
        assert (await service.list_users(session, alpha, ListQuery())).total == 0


class TestAccessRights:
    async def test_only_groups_and_stations_of_the_domain_can_be_chosen(
        self, session: AsyncSession, world: World
    ) -> None:
        gamma = await actor_for(session, world.gamma)
        with pytest.raises(ValidationFailed) as err:
            await service.create_user(session, gamma, scrooge(group_ids=[world.b.id]))
        assert err.value.field == "group_ids"
        for station in (2, 5):
            with pytest.raises(ValidationFailed) as err:
                await service.create_user(
                    session, gamma, scrooge(station_ids=[world.stations[station].id])
                )
            assert err.value.field == "station_ids"

    async def test_rights_beyond_the_editors_view_are_kept(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(
            session,
            organization=world.org_a,
            groups=[world.a, world.b, world.c],
            stations=[world.stations[1], world.stations[2]],
        )
        beta = await actor_for(session, world.beta)
        detail = await service.get_user(session, beta, user.id)
        assert (set(detail.rights.groups), set(detail.rights.stations)) == (
            {world.b.id},
            {world.stations[2].id},
        )
        assert detail.rights.hidden == 3
        await service.update_user(
            session,
            beta,
            user.id,
            UserInput("Charging", user.last_name, group_ids=[], station_ids=[]),
        )
        alpha = await actor_for(session, world.alpha)
        after = await service.get_user(session, alpha, user.id)
        assert set(after.rights.groups) == {world.a.id, world.c.id}
        assert set(after.rights.stations) == {world.stations[1].id}


class TestEditUser:
    async def test_email_cannot_change_once_set(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        with pytest.raises(ValidationFailed) as err:
            await service.update_user(session, alpha, user.id, scrooge(email="uncle@duckburg.com"))
        assert (err.value.field, err.value.message) == (
            "email",
            "The e-mail address cannot be changed once it is set.",
        )
        saved = await service.update_user(session, alpha, user.id, scrooge(tokens=None))
        assert saved.email == "scrooge@duckburg.com"

    async def test_an_email_can_be_added_later(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, UserInput("Donald", "Duck"))
        saved = await service.update_user(
            session, alpha, user.id, UserInput("Donald", "Duck", email="dduck@duckburg.com")
        )
        assert saved.email == "dduck@duckburg.com"

    async def test_token_ids_cannot_change(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        token = (await service.get_user(session, alpha, user.id)).tokens[0]
        renamed = TokenInput(id=token.id, id_tag="87654321", name="x")
        with pytest.raises(ValidationFailed) as err:
            await service.update_user(session, alpha, user.id, scrooge(tokens=[renamed]))
        assert err.value.field == "tokens.0.id_tag"
        same = TokenInput(id=token.id, id_tag="", name="Office", active=False)
        await service.update_user(session, alpha, user.id, scrooge(tokens=[same]))
        after = (await service.get_user(session, alpha, user.id)).tokens[0]
        assert (after.id_tag, after.name, after.active, after.valid_from) == (
            "12345678",
            "Office",
            False,
            T0,
        )

    async def test_a_stale_version_is_refused(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        seen = user.version
        await service.update_user(session, alpha, user.id, scrooge(version=seen, tokens=None))
        with pytest.raises(StaleEdit) as err:
            await service.update_user(session, alpha, user.id, scrooge(version=seen, last_name="X"))
        assert "refresh the page and retry" in err.value.message

    async def test_a_user_removed_meanwhile_is_not_found(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        await service.delete_user(session, alpha, user.id)
        with pytest.raises(NotFound) as err:
            await service.update_user(session, alpha, user.id, scrooge())
        assert err.value.message == "Charging user not found."

    async def test_a_token_deleted_meanwhile_makes_the_edit_stale(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        token = (await service.get_user(session, alpha, user.id)).tokens[0]
        await service.delete_token(session, alpha, user.id, token.id, None)
        with pytest.raises(StaleEdit):
            await service.update_user(
                session, alpha, user.id, scrooge(tokens=[TokenInput(token.id)])
            )

    async def test_a_deleted_token_id_can_be_given_again(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        await service.update_user(
            session, alpha, user.id, scrooge(tokens=[TokenInput(id_tag="12345678", name="new")])
        )
        tokens = (await service.get_user(session, alpha, user.id)).tokens
        assert [(t.id_tag, t.name) for t in tokens] == [("12345678", "new")]


class TestBasicOperator:
    async def test_adds_and_edits_but_cannot_remove_users(
        self, session: AsyncSession, world: World
    ) -> None:
        beta = await actor_for(session, world.beta)
        user = await service.create_user(session, beta, scrooge(group_ids=[world.b.id]))
        await service.update_user(session, beta, user.id, scrooge(last_name="Duck", tokens=None))
        with pytest.raises(AccessDenied) as err:
            await service.delete_user(session, beta, user.id)
        assert err.value.message == "Access denied."

    async def test_cannot_delete_tokens_but_can_add_and_edit_them(
        self, session: AsyncSession, world: World
    ) -> None:
        beta = await actor_for(session, world.beta)
        user = await service.create_user(session, beta, scrooge(group_ids=[world.b.id]))
        token = (await service.get_user(session, beta, user.id)).tokens[0]
        with pytest.raises(AccessDenied):
            await service.update_user(session, beta, user.id, scrooge(tokens=[]))
        with pytest.raises(AccessDenied):
            await service.delete_token(session, beta, user.id, token.id, None)
        added = await service.add_token(session, beta, user.id, TokenInput(id_tag="BB"), None)
        await service.update_token(
            session, beta, user.id, TokenInput(id=added.id, name="Spare", active=False), None
        )
        tokens = (await service.get_user(session, beta, user.id)).tokens
        assert [(t.id_tag, t.name, t.active) for t in tokens] == [
            ("12345678", "Scrooge's home charger", True),
            ("BB", "Spare", False),
        ]


class TestRemoveUser:
    async def test_an_admin_removes_a_user_and_their_tokens(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        user = await service.create_user(session, alpha, scrooge())
        await service.delete_user(session, alpha, user.id)
        assert await session.get(ChargingUser, user.id) is None
        again = await service.create_user(session, alpha, scrooge())  # e-mail and token free
        assert again.email == "scrooge@duckburg.com"

    async def test_not_a_user_who_may_also_charge_beyond_the_domain(
        self, session: AsyncSession, world: World
    ) -> None:
        user = await create_charging_user(
            session, organization=world.org_a, groups=[world.b, world.c]
        )
        gamma = await actor_for(session, world.gamma)
        with pytest.raises(AccessDenied) as err:
            await service.delete_user(session, gamma, user.id)
        assert "outside your domain" in err.value.message


class TestListUsers:
    async def test_search_by_name_email_or_token_id(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        await service.create_user(session, alpha, scrooge())
        await service.create_user(
            session,
            alpha,
            UserInput("Donald", "Duck", "dduck@duckburg.com", tokens=[TokenInput(id_tag="D_1%")]),
        )
        found = {}
        for text in ("mcduck", "Scrooge McD", "DDUCK@", "345", "d_1%", "_", "%", "nobody"):
            page = await service.list_users(session, alpha, ListQuery(search=text))
            found[text] = [r.user.first_name for r in page.items]
        assert found == {
            "mcduck": ["Scrooge"],
            "Scrooge McD": ["Scrooge"],
            "DDUCK@": ["Donald"],
            "345": ["Scrooge"],
            "d_1%": ["Donald"],
            "_": ["Donald"],
            "%": ["Donald"],
            "nobody": [],
        }

    async def test_sort_page_and_columns(self, session: AsyncSession, world: World) -> None:
        alpha = await actor_for(session, world.alpha)
        guests = await create_user_group(session, organization=world.org_a, name="Guests")
        for i in range(6):
            tokens = [TokenInput(id_tag=f"T{i}{j}") for j in range(i % 3)]
            await service.create_user(
                session,
                alpha,
                UserInput(
                    f"User{i}", "Duck", user_group_id=guests.id if i % 2 else None, tokens=tokens
                ),
            )
        page = await service.list_users(
            session, alpha, ListQuery(sort="tokens", descending=True, page=1, size=4)
        )
        assert page.total == 6 and page.pages == 2
        assert [(r.user.first_name, r.tokens, r.user_group) for r in page.items] == [
            ("User5", 2, "Guests"),
            ("User2", 2, None),
            ("User4", 1, None),
            ("User1", 1, "Guests"),
        ]
        by_group = await service.list_users(session, alpha, ListQuery(sort="group", size=8))
        assert [r.user_group for r in by_group.items] == [None] * 3 + ["Guests"] * 3
