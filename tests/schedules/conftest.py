"""Scheduler tests drive the scheduler by hand with an injected clock: the loop stays off."""

from __future__ import annotations

from pathlib import Path

import pytest

from laturi.config import Settings
from laturi.db import Database
from tests.fixtures.server import ocpp_url

__all__ = ["ocpp_url"]


@pytest.fixture
def settings(database: Database, outbox: Path) -> Settings:
    return Settings(
        database_url=database.url,
        outbox_dir=outbox,
        base_url="http://testserver",
        scheduler_enabled=False,
        ocpp_command_timeout=2.0,
    )
