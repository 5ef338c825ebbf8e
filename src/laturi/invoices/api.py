"""REST routes for invoice settings, preview runs and invoices (admin operators only)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.api.schemas import PageOut
from laturi.auth.actor import Actor
from laturi.auth.dependencies import ApiActor
from laturi.errors import ValidationFailed
from laturi.http import DbSession, Mail
from laturi.invoices import service, settings
from laturi.invoices.mailing import SendResult, check_sendable, send_invoices
from laturi.invoices.repository import STATUSES, InvoiceFilter
from laturi.invoices.schemas import (
    DefaultsOut,
    DiscardOut,
    Failure,
    IdsIn,
    InvoiceOut,
    RunIn,
    RunOut,
    SendOut,
    SettingsIn,
    SettingsOut,
    UnpaidIn,
)
from laturi.invoices.service import Listed, Progress, RunInput
from laturi.invoices.settings import LogoFetcher, SettingsInput
from laturi.kit.pagination import ListQuery
from laturi.mail import Mailer
from laturi.models import InvoiceSettings

router = APIRouter(tags=["invoices"])


def logo_fetcher(request: Request) -> LogoFetcher:
    found = getattr(request.app.state, "logo_fetcher", None)
    return found if isinstance(found, LogoFetcher) else LogoFetcher()


def wake_worker(request: Request) -> None:
    worker = getattr(request.app.state, "invoice_worker", None)
    if worker is not None:
        worker.wake()


def settings_out(
    found: InvoiceSettings, may_change: bool, warnings: list[str] | None = None
) -> SettingsOut:
    names = set(SettingsOut.model_fields) - {"has_logo", "saved", "may_change", "warnings"}
    values = {name: getattr(found, name) for name in names}
    return SettingsOut(
        **values,
        has_logo=found.logo is not None,
        saved=found.version > 0,
        may_change=may_change,
        warnings=warnings or [],
    )


@router.get("/invoice-settings")
async def get_settings(actor: ApiActor, session: DbSession) -> SettingsOut:
    """The organisation's invoice settings (the manual's defaults until saved)."""
    found = await settings.get_settings(session, actor)
    return settings_out(found, await settings.may_change(session, actor))


@router.put("/invoice-settings")
async def put_settings(
    body: SettingsIn,
    actor: ApiActor,
    session: DbSession,
    fetch: LogoFetcher = Depends(logo_fetcher),
) -> SettingsOut:
    """Admins of the whole organisation only."""
    values = {k: str(v) for k, v in body.model_dump().items() if v is not None}
    values["logo"] = body.logo_url
    data = SettingsInput(values, _logo(body.logo_base64), body.remove_logo, body.version)
    saved = await settings.save_settings(session, actor, data, fetch)
    return settings_out(saved.settings, True, saved.warnings)


def _logo(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValidationFailed("LOGO: not base64.", field="logo") from err


@router.get("/invoices/defaults")
async def defaults(actor: ApiActor, session: DbSession) -> DefaultsOut:
    """FROM, TO and the prices the add-invoice form starts with."""
    form = await service.add_form(session, actor)
    return DefaultsOut(
        first=form.first, last=form.last, kwh_price=form.kwh_price, monthly_price=form.monthly_price
    )


def run_out(progress: Progress) -> RunOut:
    run = progress.run
    return RunOut(
        id=run.id,
        status=run.status,
        total=run.total,
        done=run.done,
        percent=progress.percent,
        seconds_left=progress.seconds_left,
        error=run.error,
        first=run.period_first,
        last=run.period_last,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )


@router.post("/invoice-runs", status_code=202)
async def start_run(body: RunIn, request: Request, actor: ApiActor, session: DbSession) -> RunOut:
    """INVOICE PREVIEWS: queued and made in the background; poll GET /invoice-runs/{id}.
    409 `confirmation_needed` when a group has members without an e-mail address."""
    data = RunInput(
        first=body.first,
        last=body.last,
        kwh_price="" if body.kwh_price is None else str(body.kwh_price),
        monthly_price="" if body.monthly_price is None else str(body.monthly_price),
        user_group_ids=body.user_group_ids,
        user_ids=body.user_ids,
        invoice_others=body.invoice_others,
        invoice_date=body.invoice_date,
    )
    run = await service.start_run(session, actor, data)
    await session.commit()
    wake_worker(request)
    return run_out(await service.run_progress(session, actor, run.id))


@router.get("/invoice-runs/{run_id}")
async def get_run(run_id: int, actor: ApiActor, session: DbSession) -> RunOut:
    """Progress and an estimate of the time left."""
    return run_out(await service.run_progress(session, actor, run_id))


def invoice_out(listed: Listed) -> InvoiceOut:
    i = listed.invoice
    return InvoiceOut(
        id=i.id,
        run_id=i.run_id,
        charging_user_id=i.charging_user_id,
        name=i.name,
        email=i.email,
        reference=i.reference,
        status=listed.status,
        paid=i.status == "paid",
        amount=i.total,
        first=i.period_first,
        last=i.period_last,
        invoice_date=i.invoice_date,
        due_date=i.due_date,
        payment_terms=i.payment_terms,
        penalty_interest=i.penalty_interest,
        vat_percent=i.vat_percent,
        kwh=i.kwh,
        kwh_price=i.kwh_price,
        energy_total=i.energy_total,
        energy_vat=i.energy_vat,
        months=i.months,
        monthly_price=i.monthly_price,
        monthly_total=i.monthly_total,
        monthly_vat=i.monthly_vat,
        net=i.net,
        vat=i.vat,
        sessions=i.sessions,
        already_billed=i.already_billed,
        virtual_barcode=i.virtual_barcode,
        send_error=i.send_error,
        version=i.version,
    )


@router.get("/invoices")
async def list_invoices(
    actor: ApiActor,
    session: DbSession,
    q: str = "",
    status: list[str] = Query([], description="preview, sent, paid, overdue; several allowed"),
    run: int | None = None,
    sort: str = Query("", description="name, paid, reference, amount, period, due or status"),
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=500),
) -> PageOut[InvoiceOut]:
    """Search by name or any field; overdue = sent and not paid by the due date."""
    if unknown := set(status) - set(STATUSES):
        raise ValidationFailed(f"Unknown status: {', '.join(sorted(unknown))}.", field="status")
    query = ListQuery.parse(search=q, sort=sort, page=page, size=size)
    found = await service.list_invoices(session, actor, query, InvoiceFilter(tuple(status), run))
    items = [invoice_out(x) for x in found.items]
    return PageOut(items=items, total=found.total, page=page, size=size)


@router.get("/invoices/{invoice_id}")
async def get_invoice(invoice_id: int, actor: ApiActor, session: DbSession) -> InvoiceOut:
    return invoice_out(await service.get_invoice(session, actor, invoice_id))


@router.get("/invoices/{invoice_id}/pdf", response_class=Response)
async def invoice_pdf(invoice_id: int, actor: ApiActor, session: DbSession) -> Response:
    invoice = await service.invoice_pdf(session, actor, invoice_id)
    disposition = f'inline; filename="invoice-{invoice.reference}.pdf"'
    return Response(
        invoice.pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


SEND_BATCH = 200


async def send_in_batches(
    session: AsyncSession, actor: Actor, ids: list[int], mail: Mailer
) -> SendResult:
    """Commit after each batch: a node stopped while sending thousands leaves those mailed
    marked sent, so at most one batch could be mailed twice when sent again."""
    await check_sendable(session, actor, ids)
    result = SendResult()
    for start in range(0, len(ids), SEND_BATCH):
        result.add(await send_invoices(session, actor, ids[start : start + SEND_BATCH], mail))
        await session.commit()
    return result


@router.post("/invoices/send")
async def send(body: IdsIn, actor: ApiActor, session: DbSession, mail: Mail) -> SendOut:
    """SEND INVOICES: a failed address leaves its invoice in preview with the reason."""
    result = await send_in_batches(session, actor, body.ids, mail)
    failed = [Failure(id=k, reason=v) for k, v in sorted(result.failed.items())]
    return SendOut(sent=sorted(result.sent), failed=failed)


@router.post("/invoices/discard")
async def discard(body: IdsIn, actor: ApiActor, session: DbSession) -> DiscardOut:
    """Discard previews; their reference numbers are not given again."""
    return DiscardOut(discarded=await service.discard_previews(session, actor, body.ids))


@router.post("/invoices/{invoice_id}/paid")
async def mark_paid(invoice_id: int, actor: ApiActor, session: DbSession) -> InvoiceOut:
    await service.mark_paid(session, actor, invoice_id)
    return invoice_out(await service.get_invoice(session, actor, invoice_id))


@router.post("/invoices/{invoice_id}/unpaid")
async def mark_unpaid(
    invoice_id: int, body: UnpaidIn, actor: ApiActor, session: DbSession
) -> InvoiceOut:
    """Only with {"confirm": true}: the manual's confirmation."""
    await service.mark_unpaid(session, actor, invoice_id, confirmed=body.confirm)
    return invoice_out(await service.get_invoice(session, actor, invoice_id))
