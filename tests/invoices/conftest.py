"""An organisation ready to invoice: the world, saved invoice settings, users and their sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.config import Settings
from laturi.db import Database
from laturi.invoices.generation import Renderer, thread_renderer
from laturi.invoices.settings import LogoFetcher, SettingsInput, save_settings
from laturi.invoices.tasks import InvoiceWorker
from laturi.models import ChargingUser, Station, Transaction, UserGroup
from tests.fixtures.factories import create_charging_user, create_user_group
from tests.fixtures.world import World, build_world

# The manual's invoice settings (its example's payee, with a valid BIC and business ID).
MANUAL = {
    "recipient_bic": "NDEAFIHH",
    "recipient_iban": "FI21 1234 5600 0007 85",
    "recipient_name": "Ensto charging solutions Oy",
    "recipient_address_1": "Ensio Miettisenkatu 2",
    "recipient_address_2": "06600 Porvoo",
    "business_id": "0130655-4",
    "telephone": "+358501234567",
    "www": "www.ensto.com",
    "email": "operator@acme.com",
    "logo": "",
    "ref_nr_start": "10898",
    "kwh_price": "0,15",
    "monthly_price": "3.00",
    "invoice_period": "3",
    "cutoff_day": "31",
    "payment_terms": "14",
    "vat": "24",
    "penalty_interest": "8",
    "email_content": "Hi,<br>Please find attached your <b>EV charging</b> invoice.",
}


class NoFetch(LogoFetcher):
    async def __call__(self, url: str) -> bytes | None:
        raise AssertionError("no logo URL expected")


async def save_manual_settings(session: AsyncSession, world: World, **changes: str) -> None:
    actor = await actor_for(session, world.alpha)
    await save_settings(session, actor, SettingsInput({**MANUAL, **changes}), NoFetch())
    await session.commit()


async def charge(
    session: AsyncSession,
    *,
    user: ChargingUser,
    station: Station,
    stopped: datetime,
    wh: int,
    meter_start: int = 1_000_000,
) -> Transaction:
    """A finished session of the user, `wh` Wh, ended at `stopped` (an hour long)."""
    tx = Transaction(
        station_id=station.id,
        connector_id=1,
        id_tag="TAG",
        charging_user_id=user.id,
        authorization_status="Accepted",
        meter_start=meter_start,
        meter_stop=meter_start + wh,
        started_at=stopped.replace(hour=max(0, stopped.hour - 1)),
        stopped_at=stopped,
    )
    session.add(tx)
    await session.flush()
    return tx


def noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=UTC)


@dataclass
class Billing:
    world: World
    donald: ChargingUser  # charges at station 2 (group B): the manual's example, 99.03 kWh
    daisy: ChargingUser  # charges at station 4 (group C)
    nomail: ChargingUser  # in the group, without an e-mail address
    ducks: UserGroup  # donald, daisy, nomail
    other: ChargingUser  # organisation B's


@pytest.fixture
async def billing(session: AsyncSession) -> Billing:
    w = await build_world(session)
    ducks = await create_user_group(session, organization=w.org_a, name="Ducks")
    donald = await create_charging_user(
        session,
        organization=w.org_a,
        first_name="Donald",
        last_name="Duck",
        email="donald@duckburg.com",
        groups=[w.b],
        user_group=ducks,
    )
    daisy = await create_charging_user(
        session,
        organization=w.org_a,
        first_name="Daisy",
        last_name="Duck",
        email="daisy@duckburg.com",
        groups=[w.c],
        user_group=ducks,
    )
    nomail = await create_charging_user(
        session,
        organization=w.org_a,
        first_name="Gyro",
        last_name="Gearloose",
        groups=[w.b],
        user_group=ducks,
    )
    other = await create_charging_user(
        session, organization=w.org_b, first_name="Otto", email="otto@globex.example", groups=[w.x]
    )
    # Donald: 99.03 kWh over the manual's period 1.11.2018 - 28.2.2019 in three sessions.
    for stopped, wh in (
        (noon(2018, 11, 5), 40_000),
        (noon(2019, 1, 9), 30_030),
        (noon(2019, 2, 27), 29_000),
    ):
        await charge(session, user=donald, station=w.stations[2], stopped=stopped, wh=wh)
    await charge(session, user=donald, station=w.stations[2], stopped=noon(2019, 3, 2), wh=5_000)
    await charge(session, user=daisy, station=w.stations[4], stopped=noon(2018, 12, 24), wh=12_345)
    await session.commit()
    await save_manual_settings(session, w)
    return Billing(w, donald, daisy, nomail, ducks, other)


def manual_run(users: list[int], **changes: Any) -> dict[str, Any]:
    """The API body of the manual's example run."""
    body: dict[str, Any] = {
        "first": "2018-11-01",
        "last": "2019-02-28",
        "user_ids": users,
        "invoice_date": "2019-03-28",
    }
    return {**body, **changes}


@pytest.fixture
def renderer() -> Renderer:
    return thread_renderer()


@pytest.fixture
def worker(database: Database, settings: Settings, renderer: Renderer) -> InvoiceWorker:
    return InvoiceWorker(database, settings=settings, renderer=renderer, chunk=2)
