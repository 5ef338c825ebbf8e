"""The demo's invoices: the manual's settings, last-but-one month's invoices sent (one paid, the
rest overdue), and last month's waiting as previews."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.repository import operator_by_username
from laturi.auth.service import actor_for
from laturi.charging_users.repository import scope_for
from laturi.invoices import repository
from laturi.invoices.generation import process_chunk, thread_renderer
from laturi.invoices.months import default_period
from laturi.invoices.service import RunInput, local_today, start_run
from laturi.invoices.settings import LogoFetcher, SettingsInput, save_settings
from laturi.kit.time import utcnow
from laturi.models import Invoice

SETTINGS = {
    "recipient_bic": "NDEAFIHH",
    "recipient_iban": "FI21 1234 5600 0007 85",
    "recipient_name": "ACME Shopping Malls Oy",
    "recipient_address_1": "Ensio Miettisenkatu 2",
    "recipient_address_2": "06600 Porvoo",
    "business_id": "0130655-4",
    "telephone": "+358501234567",
    "www": "www.acme.example",
    "email": "invoicing@acme.example",
    "ref_nr_start": "10898",
    "kwh_price": "0.15",
    "monthly_price": "3.00",
    "invoice_period": "1",
    "cutoff_day": "31",
    "payment_terms": "14",
    "vat": "25.5",
    "penalty_interest": "8",
    "email_content": "Hi,<br>Please find attached your <b>EV charging</b> invoice.",
}


async def load(session: AsyncSession) -> None:
    """As alpha (admin of the whole of ACME)."""
    alpha = await operator_by_username(session, "alpha")
    assert alpha is not None
    actor = await actor_for(session, alpha)
    await save_settings(session, actor, SettingsInput(SETTINGS), LogoFetcher())
    first, last = default_period(local_today(actor), 31, 1)
    before_first, before_last = default_period(first, 31, 1)
    sent = await _make(session, actor, before_first, before_last, before_last + timedelta(days=2))
    for n, invoice in enumerate(sent):
        invoice.status, invoice.sent_at = "sent", utcnow()
        if n % 2 == 0:
            invoice.status, invoice.paid_at = "paid", utcnow()
    await _make(session, actor, first, last, local_today(actor))


async def _make(
    session: AsyncSession, actor: Actor, first: date, last: date, invoice_date: date
) -> list[Invoice]:
    scope_users = await repository.users_with_email(session, await scope_for(session, actor))
    data = RunInput(first, last, user_ids=[u.id for u in scope_users], invoice_date=invoice_date)
    run = await start_run(session, actor, data)
    while await process_chunk(session, run, actor, thread_renderer(), 50):
        pass
    run.status, run.started_at, run.finished_at = "done", utcnow(), utcnow()
    await session.flush()
    query = select(Invoice).where(Invoice.run_id == run.id).order_by(Invoice.id)
    return list((await session.scalars(query)).all())
