"""CSV import of charging users with tokens: good files, bad files, all or nothing."""
# ruff: noqa: E501 - CSV files are easiest to read as they are

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users import importer, service
from laturi.charging_users.importer import RowError
from laturi.kit.pagination import ListQuery
from tests.fixtures.factories import create_charging_user, create_token, create_user_group
from tests.fixtures.world import World, api_token, build_world

GOOD = """first_name,last_name,email,user_group,active,token_id,token_name,token_active,valid_from,valid_to,charging_groups,charging_stations
Scrooge,McDuck,scrooge@duckburg.com,Company managers,yes,12345678,Home charger,yes,13.04.2026,,A,
Scrooge,McDuck,SCROOGE@duckburg.com,,,87654321,Office,no,2026-04-13,2026-12-31,,
Donald,Duck,dduck@duckburg.com,,no,D0001,,,,,,ST2|ST4
Gosalyn,Mallard,,,,,,,,,B|C,
"""


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    await create_user_group(session, organization=world.org_a, name="Company managers")
    await session.commit()
    return world


def csv_bytes(text: str) -> bytes:
    return text.encode()


class TestGoodFiles:
    async def test_imports_users_with_their_tokens_and_rights(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)  # time zone Europe/Helsinki
        report = await importer.import_users(session, alpha, csv_bytes(GOOD))
        assert (report.errors, report.users, report.tokens, report.written) == ([], 3, 3, True)
        page = await service.list_users(session, alpha, ListQuery(sort="name"))
        rows = [(r.user.full_name, r.user_group, r.tokens, r.user.active) for r in page.items]
        assert rows == [
            ("Donald Duck", None, 1, False),
            ("Gosalyn Mallard", None, 0, True),
            ("Scrooge McDuck", "Company managers", 2, True),
        ]
        scrooge = await service.get_user(session, alpha, page.items[2].user.id)
        home, office = scrooge.tokens
        assert (home.name, home.active, home.valid_to) == ("Home charger", True, None)
        assert home.valid_from == datetime(2026, 4, 12, 21, 0, tzinfo=UTC)  # midnight in Helsinki
        assert office.active is False
        assert office.valid_to == datetime(2026, 12, 31, 21, 59, 59, 999999, tzinfo=UTC)
        assert set(scrooge.rights.groups) == {world.a.id}
        donald = await service.get_user(session, alpha, page.items[0].user.id)
        assert set(donald.rights.stations) == {world.stations[2].id, world.stations[4].id}

    async def test_semicolons_a_byte_order_mark_and_any_column_order(
        self, session: AsyncSession, world: World
    ) -> None:
        text = "\ufeffToken_ID;Last_Name;First_Name\r\nAA01;Duck;Daisy\r\n;Duck;Huey\r\n"
        beta = await actor_for(session, world.beta)
        report = await importer.import_users(session, beta, text.encode())
        assert (report.errors, report.users, report.written) == ([], 2, True)

    async def test_a_dry_run_checks_but_writes_nothing(
        self, session: AsyncSession, world: World
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        report = await importer.import_users(session, alpha, csv_bytes(GOOD), dry_run=True)
        assert (report.errors, report.users, report.written) == ([], 3, False)
        assert (await service.list_users(session, alpha, ListQuery())).total == 0


BAD = """first_name,last_name,email,user_group,token_id,valid_from,valid_to,charging_groups,charging_stations
Scrooge,McDuck,scrooge@duckburg.com,,12345678,,,,
,Duck,dduck@duckburg.com,,,,,,
Gosalyn,Mallard,,Nobody's group,,,,,
Drake,Mallard,taken@duckburg.com,,,,,,
Launchpad,McQuack,,,EXISTING,,,,
Gyro,Gearloose,,,,someday,,,
Huey,Duck,,,,,,X,
Dewey,Duck,,,,,,,ST5
Louie,Duck,,,12345678,,,,
Daisy,Duck,,,DAISY,2026-05-01,2026-04-01,,
Scrooge,McDuck,scrooge@duckburg.com,,12345678,,,,
Ludwig,Von Drake,ludwig@,,,,,,
"""


class TestBadFiles:
    async def test_every_rejected_row_is_reported_and_nothing_is_written(
        self, session: AsyncSession, world: World
    ) -> None:
        owner = await create_charging_user(
            session, organization=world.org_a, email="Taken@duckburg.com", groups=[world.a]
        )
        await create_token(session, user=owner, id_tag="existing")
        await session.commit()
        alpha = await actor_for(session, world.alpha)
        report = await importer.import_users(session, alpha, csv_bytes(BAD))
        found = [(e.line, e.column, e.message) for e in report.errors]
        assert found[:4] == [
            (3, "first_name", "First name is required."),
            (4, "user_group", "Charging user group does not exist: Nobody's group."),
            (5, "email", "Username already exists."),
            (6, "token_id", "Token already exists."),
        ]
        assert found[4][:2] == (7, "valid_from") and "Invalid date: someday" in found[4][2]
        assert found[5:8] == [
            (8, "charging_groups", "Charging group does not exist in your domain: X."),
            (9, "charging_stations", "Charging station does not exist in your domain: ST5."),
            (10, "token_id", "Token already exists."),
        ]
        assert found[8][:2] == (11, "valid_to")
        assert found[9] == (12, "token_id", "Token already exists.")
        assert found[10][:2] == (13, "email")
        assert len(found) == 11
        assert report.written is False
        assert (await service.list_users(session, alpha, ListQuery())).total == 1

    async def test_rights_beyond_the_importers_domain_are_refused(
        self, session: AsyncSession, world: World
    ) -> None:
        gamma = await actor_for(session, world.gamma)
        text = f"first_name,last_name,charging_groups\nA,B,B\nC,D,#{world.b.id}\nE,F,C\n"
        report = await importer.import_users(session, gamma, text.encode())
        assert [(e.line, e.column) for e in report.errors] == [
            (2, "charging_groups"),
            (3, "charging_groups"),
        ]

    async def test_rows_of_one_email_must_agree(self, session: AsyncSession, world: World) -> None:
        text = "first_name,last_name,email,token_id\nA,B,a@b.fi,T1\nA,C,a@b.fi,T2\n"
        alpha = await actor_for(session, world.alpha)
        report = await importer.import_users(session, alpha, text.encode())
        assert report.errors == [
            RowError(3, "last_name", "Rows with the same e-mail address disagree on last_name.")
        ]

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"first_name,surname\nA,B\n", "Unknown column: surname."),
            (b"first_name,email\nA,B\n", "Missing column: last_name."),
            (b"first_name,last_name,last_name\n", "A column appears twice in the header."),
            ("first_name,last_name\nÄ,B\n".encode("latin-1"), "The file is not UTF-8 text."),
            (b"", "Missing column: first_name, last_name."),
        ],
    )
    async def test_a_bad_header_or_encoding(
        self, session: AsyncSession, world: World, content: bytes, message: str
    ) -> None:
        alpha = await actor_for(session, world.alpha)
        report = await importer.import_users(session, alpha, content)
        assert len(report.errors) == 1 and report.errors[0].line == 1
        assert report.errors[0].message.startswith(message)


class TestImportEndpoint:
    async def test_good_file_201_bad_file_422_with_rows(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        headers = await api_token(session, world.alpha)
        url = "/api/v1/charging-users/import"
        bad = await client.post(url, files={"file": ("u.csv", BAD.encode())}, headers=headers)
        assert bad.status_code == 422
        assert bad.json()["written"] is False
        assert bad.json()["errors"][0] == {
            "line": 3,
            "column": "first_name",
            "message": "First name is required.",
        }
        good = await client.post(url, files={"file": ("u.csv", GOOD.encode())}, headers=headers)
        assert good.status_code == 201, good.text
        assert (good.json()["users"], good.json()["tokens"]) == (3, 3)
        listed = await client.get("/api/v1/charging-users", headers=headers)
        assert listed.json()["total"] == 3

    async def test_the_other_organisation_sees_none_of_it(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        alpha = await api_token(session, world.alpha)
        omega = await api_token(session, world.omega)
        url = "/api/v1/charging-users/import"
        await client.post(url, files={"file": ("u.csv", GOOD.encode())}, headers=alpha)
        assert (await client.get("/api/v1/charging-users", headers=omega)).json()["total"] == 0
        # Token ids of another organisation do not clash.
        again = await client.post(
            url,
            files={"file": ("u.csv", b"first_name,last_name,token_id\nA,B,12345678\n")},
            headers=omega,
        )
        assert again.status_code == 201, again.text
