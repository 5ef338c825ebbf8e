"""The `laturi` command as scripts use it: migrate, load the demo, provision, mint a token."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from laturi.app import create_app
from laturi.config import Settings
from laturi.demo import DEMO_PASSWORD


def laturi(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LATURI_DATABASE_URL": db_url}
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "laturi.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    assert laturi(url, "db", "upgrade").returncode == 0
    loaded = laturi(url, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert DEMO_PASSWORD in loaded.stdout
    return url


class TestDemo:
    def test_loads_once(self, demo_db: str) -> None:
        again = laturi(demo_db, "demo")
        assert again.returncode == 0
        assert "already present" in again.stdout


class TestApiToken:
    async def test_last_line_is_a_token_that_acts_as_the_operator(self, demo_db: str) -> None:
        made = laturi(demo_db, "api-token", "create", "--operator", "beta")
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip().splitlines()[-1]
        app = create_app(Settings(database_url=demo_db))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cli") as client:
            response = await client.get(
                "/api/v1/groups", headers={"Authorization": f"Bearer {token}"}
            )
        await app.state.db.dispose()
        assert [g["name"] for g in response.json()["items"]] == ["ACME Pine Mall"]

    def test_unknown_operator_fails_with_a_message(self, demo_db: str) -> None:
        made = laturi(demo_db, "api-token", "create", "--operator", "nobody")
        assert made.returncode == 2
        assert "Operator not found." in made.stderr


class TestOperatorCreate:
    def test_prints_the_new_id_and_enforces_the_policy(self, demo_db: str) -> None:
        args = [
            "operator",
            "create",
            "--username",
            "delta",
            "--email",
            "delta@acme.example",
            "--organization",
            "ACME",
            "--base-group",
            "ACME Birch Mall",
            "--basic",
        ]
        weak = laturi(demo_db, *args, "--password", "short")
        assert weak.returncode == 2
        assert "Password does not conform to password policy." in weak.stderr
        made = laturi(demo_db, *args, "--password", "Strong-password-9")
        assert made.returncode == 0, made.stderr
        assert made.stdout.strip().splitlines()[-1].isdigit()

    def test_can_start_a_new_organisation(self, demo_db: str, tmp_path: Path) -> None:
        made = laturi(
            demo_db,
            "operator",
            "create",
            "--username",
            "root1",
            "--email",
            "r@new.example",
            "--organization",
            "NewCo",
            "--create-organization",
            "--password",
            "Root-password-9",
        )
        assert made.returncode == 0, made.stderr


class TestTenants:
    def test_organisations_are_listed_with_the_address_their_stations_use(
        self, demo_db: str
    ) -> None:
        listed = laturi(demo_db, "organization", "list")
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.splitlines()
        assert "ACME\tws://127.0.0.1:8000/ocpp/acme/{identifier}" in lines
        assert "Globex\tws://127.0.0.1:8000/ocpp/globex/{identifier}" in lines

    def test_unknown_devices_no_organisation_was_told_of_are_listed(self, demo_db: str) -> None:
        path = demo_db.removeprefix("sqlite+aiosqlite:///")
        with sqlite3.connect(path) as db:
            db.execute(
                "INSERT INTO unknown_station_attempts"
                " (identifier, organization_id, reason, address, attempts, first_at, last_at)"
                " VALUES ('STRAY-9', NULL, 'unknown', '10.1.2.3', 4,"
                " '2026-11-24 10:00:00.000000', '2026-11-24 11:30:00.000000')"
            )
        listed = laturi(demo_db, "unknown-stations")
        assert listed.returncode == 0, listed.stderr
        assert "STRAY-9\t4 attempt(s)\tlast 2026-11-24 11:30Z from 10.1.2.3" in listed.stdout
