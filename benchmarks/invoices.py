"""Invoice previews and sending at scale: N users with a session each, one run, then SEND.

Builds an organisation with the manual's invoice settings and N charging users (an e-mail and
one finished session each), asks for one preview run of all of them and lets the background
worker make it (PDFs in a process pool, as `laturi serve` does), printing the run's progress and
estimate as the panel shows them; then sends every preview to an SMTP server on loopback
(aiosmtpd in a process of its own) and prints the rate. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/invoices.py [--invoices 10000] [--processes 2] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.invoices import service
from laturi.invoices.mailing import send_invoices
from laturi.invoices.settings import LogoFetcher, SettingsInput, save_settings
from laturi.invoices.tasks import InvoiceWorker
from laturi.kit.time import utcnow
from laturi.mail import Mailer
from laturi.models import ChargingGroup, ChargingUser, Invoice, Operator, Station, Transaction
from laturi.models.operator import Level
from laturi.organizations.service import create_operator, create_organization
from laturi.web.templating import make_templates

SETTINGS = {
    "recipient_bic": "NDEAFIHH",
    "recipient_iban": "FI21 1234 5600 0007 85",
    "recipient_name": "Bench Charging Oy",
    "recipient_address_1": "Ensio Miettisenkatu 2",
    "recipient_address_2": "06600 Porvoo",
    "business_id": "0130655-4",
    "ref_nr_start": "10898",
    "kwh_price": "0.15",
    "monthly_price": "3.00",
    "invoice_period": "3",
    "cutoff_day": "31",
    "payment_terms": "14",
    "vat": "25.5",
    "penalty_interest": "8",
    "email_content": "Hi,<br>Please find attached your <b>EV charging</b> invoice.",
}


async def _world(db: Database, count: int) -> Operator:
    now = utcnow()
    async with db.session() as session:
        await create_organization(session, "Bench", "Root")
        root = (await session.scalars(select(ChargingGroup))).one()
        admin = await create_operator(
            session, base_group=root, username="bench", email="bench@example.com",
            password="Laturi-demo-1", level=Level.ADMIN,
        )  # fmt: skip
        station = Station(organization_id=root.organization_id, group_id=root.id, name="S",
                          identifier="S1")  # fmt: skip
        session.add(station)
        await session.flush()
        users = [
            {"organization_id": root.organization_id, "first_name": f"Äijä{i}",
             "last_name": f"Öljynen{i}", "email": f"u{i}@example.com",
             "email_key": f"u{i}@example.com", "active": True, "updated_at": now,
             "created_at": now, "version": 1}
            for i in range(count)
        ]  # fmt: skip
        await session.execute(insert(ChargingUser), users)
        ids = (await session.scalars(select(ChargingUser.id))).all()
        stopped = datetime(2019, 1, 15, 12, tzinfo=UTC)
        sessions = [
            {"station_id": station.id, "connector_id": 1, "id_tag": "T", "charging_user_id": uid,
             "authorization_status": "Accepted", "meter_start": 0, "meter_stop": 5000 + uid,
             "started_at": stopped, "stopped_at": stopped, "created_at": now}
            for uid in ids
        ]  # fmt: skip
        await session.execute(insert(Transaction), sessions)
        await save_settings(
            session, await actor_for(session, admin), SettingsInput(SETTINGS), LogoFetcher()
        )
        return admin


async def _generate(db: Database, config: Settings, admin: Operator, processes: int) -> float:
    async with db.session() as session:
        actor = await actor_for(session, admin)
        users = (await session.scalars(select(ChargingUser.id))).all()
        data = service.RunInput(date(2018, 11, 1), date(2019, 2, 28), user_ids=list(users))
        run = await service.start_run(session, actor, data)
    worker = InvoiceWorker(db, settings=config, processes=processes, poll=0.2)
    began = time.perf_counter()
    async with worker.running():
        worker.wake()
        while True:
            await asyncio.sleep(5)
            async with db.session() as session:
                progress = await service.run_progress(session, actor, run.id)
            left = progress.seconds_left
            print(f"  {time.perf_counter() - began:6.1f} s: {progress.run.status} "
                  f"{progress.run.done}/{progress.run.total} ({progress.percent} %), "
                  f"estimate {'-' if left is None else f'{left:.0f} s'} left")  # fmt: skip
            if progress.run.status in ("done", "failed"):
                break
    return time.perf_counter() - began


async def _smtp_server() -> tuple[int, asyncio.subprocess.Process]:
    """aiosmtpd in a process of its own, discarding what it accepts, as a mail relay would."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
               "-c", "aiosmtpd.handlers.Sink"]  # fmt: skip
    server = await asyncio.create_subprocess_exec(*command)
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return port, server
        await asyncio.sleep(0.1)
    raise RuntimeError("the SMTP server did not start")


async def _send(db: Database, config: Settings, admin: Operator) -> float:
    mailer = Mailer(config, make_templates().env)
    began = time.perf_counter()
    while True:
        async with db.session() as session:
            actor = await actor_for(session, admin)
            ids = await _previews(session, 1000)
            if not ids:
                break
            result = await send_invoices(session, actor, ids, mailer)
            if result.failed:
                print(f"  {len(result.failed)} failed: {next(iter(result.failed.values()))}")
                break
    return time.perf_counter() - began


async def _previews(session: AsyncSession, limit: int) -> list[int]:
    query = select(Invoice.id).where(Invoice.status == "preview").limit(limit)
    return list((await session.scalars(query)).all())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2, help="PDF worker processes")
    parser.add_argument("--url", help="an EMPTY database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    port, smtp = await _smtp_server()
    config = Settings(database_url=url, smtp_url=f"smtp://127.0.0.1:{port}")
    admin = await _world(db, args.invoices)
    print(f"database: {url.split(':')[0]}; {args.invoices} users with a session each; "
          f"PDFs in {args.processes} processes")  # fmt: skip
    took = await _generate(db, config, admin, args.processes)
    async with db.session() as session:
        made = len((await session.scalars(select(Invoice.id))).all())
    print(f"previews: {made} invoices with PDFs in {took:.1f} s ({made / took:.0f}/s)")
    took = await _send(db, config, admin)
    async with db.session() as session:
        sent = len(
            (await session.scalars(select(Invoice.id).where(Invoice.status == "sent"))).all()
        )
    print(f"sending: {sent} e-mails with the PDF accepted by the SMTP server in {took:.1f} s "
          f"({sent / took:.0f}/s)")  # fmt: skip
    smtp.terminate()
    await smtp.wait()
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
