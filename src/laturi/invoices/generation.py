"""Making a run's invoices, a chunk of charging users at a time, each chunk all or nothing.

A chunk takes its users in the run's order from `run.done`, reserves their reference numbers,
bills each user's unbilled sessions of the period, renders the PDFs and stores the invoices,
the billed sessions and the new `run.done` in one transaction: a run stopped anywhere resumes
at the first user without an invoice, and never makes one twice.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.charging_users.repository import scope_for
from laturi.invoices import repository
from laturi.invoices.calculation import Figures, calculate
from laturi.invoices.pdf import InvoiceDocument, Payee, day, render_many
from laturi.invoices.references import reference
from laturi.invoices.virtual_barcode import virtual_barcode
from laturi.models import ChargingUser, Invoice, InvoiceRun, InvoiceSettings
from laturi.sessions.periods import Period

Renderer = Callable[[list[InvoiceDocument]], Awaitable[list[bytes]]]
PAYEE_FIELDS = (
    "recipient_name",
    "recipient_address_1",
    "recipient_address_2",
    "business_id",
    "telephone",
    "email",
    "www",
    "recipient_iban",
    "recipient_bic",
)


def snapshot(settings: InvoiceSettings) -> dict[str, Any]:
    """The settings an invoice keeps: later changes to the settings do not alter it."""
    kept: dict[str, Any] = {name: getattr(settings, name) for name in PAYEE_FIELDS}
    kept.update(
        vat=str(settings.vat),
        payment_terms=settings.payment_terms,
        penalty_interest=str(settings.penalty_interest),
    )
    return kept


def render_all(docs: list[InvoiceDocument]) -> list[bytes]:
    return render_many(docs)


def thread_renderer() -> Renderer:
    """PDFs in a thread: the event loop keeps answering while they are made."""

    async def run(docs: list[InvoiceDocument]) -> list[bytes]:
        return await asyncio.to_thread(render_all, docs)

    return run


def pool_renderer(pool: Executor, parts: int) -> Renderer:
    """PDFs in worker processes, the chunk split among them (fpdf2 is pure Python)."""

    async def run(docs: list[InvoiceDocument]) -> list[bytes]:
        loop = asyncio.get_running_loop()
        size = max(1, -(-len(docs) // parts))
        slices = [docs[i : i + size] for i in range(0, len(docs), size)]
        done = await asyncio.gather(*(loop.run_in_executor(pool, render_all, s) for s in slices))
        return [pdf for part in done for pdf in part]

    return run


@dataclass
class Usage:
    energy_wh: int = 0
    transaction_ids: list[int] = field(default_factory=list)
    already_billed: int = 0


async def process_chunk(
    session: AsyncSession, run: InvoiceRun, actor: Actor, renderer: Renderer, size: int
) -> int:
    """Make the next chunk's invoices; returns how many users it took (0: the run is done)."""
    ids = run.user_ids[run.done : run.done + size]
    if not ids:
        return 0
    scope = await scope_for(session, actor)
    # In the run's order; users who lost their e-mail or left the operator's view are skipped.
    order = {user_id: n for n, user_id in enumerate(ids)}
    users = sorted(await repository.billable_users(session, scope, ids), key=lambda u: order[u.id])
    usage = await _usage(session, run, actor, scope.whole, [u.id for u in users])
    first = await repository.take_references(session, run.organization_id, len(users))
    made = [
        _invoice(run, user, usage[user.id], reference(first + i)) for i, user in enumerate(users)
    ]
    pdfs = await renderer([doc for _, doc in made])
    for (invoice, _), pdf in zip(made, pdfs, strict=True):
        invoice.pdf = pdf
    session.add_all([invoice for invoice, _ in made])
    await session.flush()
    await repository.add_billed(session, _billed_rows(made, usage))
    run.done += len(ids)
    return len(ids)


async def _usage(
    session: AsyncSession, run: InvoiceRun, actor: Actor, whole: bool, user_ids: list[int]
) -> dict[int, Usage]:
    period = Period(run.period_first, run.period_last, run.time_zone)
    found: dict[int, Usage] = defaultdict(Usage)
    for row in await repository.unbilled_sessions(session, actor, whole, user_ids, period):
        usage = found[row.user_id]
        usage.energy_wh += row.energy_wh
        usage.transaction_ids.append(row.transaction_id)
    for user_id, count in (
        await repository.billed_counts(session, actor, whole, user_ids, period)
    ).items():
        found[user_id].already_billed = count
    return found


def _billed_rows(
    made: Sequence[tuple[Invoice, InvoiceDocument]], usage: dict[int, Usage]
) -> list[dict[str, int]]:
    return [
        {"transaction_id": t, "invoice_id": invoice.id}
        for invoice, _ in made
        if invoice.charging_user_id is not None
        for t in usage[invoice.charging_user_id].transaction_ids
    ]


def _invoice(
    run: InvoiceRun, user: ChargingUser, usage: Usage, ref: str
) -> tuple[Invoice, InvoiceDocument]:
    kept = run.snapshot
    vat = Decimal(kept["vat"])
    figures = calculate(
        energy_wh=usage.energy_wh,
        kwh_price=run.kwh_price,
        first=run.period_first,
        last=run.period_last,
        monthly_price=run.monthly_price,
        vat=vat,
    )
    due = run.invoice_date + timedelta(days=int(kept["payment_terms"]))
    code = _barcode(kept["recipient_iban"], figures.totals.total, ref, due)
    invoice = Invoice(
        organization_id=run.organization_id,
        base_group_id=run.base_group_id,
        run_id=run.id,
        charging_user_id=user.id,
        name=user.full_name,
        email=user.email or "",
        reference=ref,
        status="preview",
        period_first=run.period_first,
        period_last=run.period_last,
        invoice_date=run.invoice_date,
        due_date=due,
        payment_terms=int(kept["payment_terms"]),
        penalty_interest=Decimal(kept["penalty_interest"]),
        vat_percent=vat,
        sessions=len(usage.transaction_ids),
        already_billed=usage.already_billed,
        payee={name: kept[name] for name in PAYEE_FIELDS},
        virtual_barcode=code,
        **_figures(figures, run),
    )
    invoice.search_text = _search_text(invoice)
    return invoice, document(invoice, run.logo)


def _figures(figures: Figures, run: InvoiceRun) -> dict[str, Any]:
    return {
        "kwh": figures.kwh,
        "kwh_price": run.kwh_price,
        "energy_total": figures.energy.total,
        "energy_vat": figures.energy.vat,
        "months": figures.months,
        "monthly_price": run.monthly_price,
        "monthly_total": figures.monthly.total,
        "monthly_vat": figures.monthly.vat,
        "net": figures.totals.net,
        "vat": figures.totals.vat,
        "total": figures.totals.total,
    }


def _barcode(iban: str, total: Decimal, ref: str, due: Any) -> str:
    """The virtual barcode needs a Finnish account; others print without one."""
    try:
        return virtual_barcode(iban, total, ref, due)
    except ValueError:
        return ""


def _search_text(invoice: Invoice) -> str:
    parts = [
        invoice.name,
        invoice.email,
        invoice.reference,
        f"{invoice.total:.2f}",
        invoice.period_first.strftime("%d.%m.%Y"),
        invoice.period_last.strftime("%d.%m.%Y"),
        invoice.due_date.strftime("%d.%m.%Y"),
        day(invoice.period_first),
        day(invoice.period_last),
        day(invoice.due_date),
    ]
    return " ".join(parts).lower()[:1000]


def document(invoice: Invoice, logo: bytes | None) -> InvoiceDocument:
    """What the invoice prints, from the invoice as stored."""
    p = invoice.payee
    payee = Payee(
        name=p["recipient_name"],
        address_1=p["recipient_address_1"],
        address_2=p["recipient_address_2"],
        business_id=p["business_id"],
        telephone=p["telephone"],
        email=p["email"],
        www=p["www"],
        iban=p["recipient_iban"],
        bic=p["recipient_bic"],
    )
    return InvoiceDocument(
        payer_name=invoice.name,
        payer_email=invoice.email,
        total=invoice.total,
        invoice_date=invoice.invoice_date,
        period_first=invoice.period_first,
        period_last=invoice.period_last,
        due_date=invoice.due_date,
        payment_terms=invoice.payment_terms,
        penalty_interest=invoice.penalty_interest,
        kwh=invoice.kwh,
        kwh_price=invoice.kwh_price,
        energy_total=invoice.energy_total,
        months=invoice.months,
        monthly_price=invoice.monthly_price,
        monthly_total=invoice.monthly_total,
        vat_percent=invoice.vat_percent,
        energy_vat=invoice.energy_vat,
        monthly_vat=invoice.monthly_vat,
        net=invoice.net,
        vat=invoice.vat,
        reference=invoice.reference,
        payee=payee,
        virtual_barcode=invoice.virtual_barcode,
        logo=logo,
    )
