"""Panel pages: Invoices, Invoices settings, Add invoice, progress, Invoices previews."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.errors import LaturiError
from laturi.http import DbSession, Mail
from laturi.invoices import service, settings
from laturi.invoices.api import logo_fetcher, send_in_batches, wake_worker
from laturi.invoices.repository import InvoiceFilter
from laturi.invoices.service import NeedsConfirmation, RunInput
from laturi.invoices.settings import LABELS, LogoFetcher, SettingsInput
from laturi.invoices.tasks import FEW
from laturi.kit.pagination import ListQuery
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, is_htmx, list_query, redirect, render, undo

router = APIRouter(prefix="/invoices", dependencies=[Depends(verify_csrf)])
LISTED = ("sent", "paid", "overdue")


@router.get("")
async def list_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    page = await service.list_invoices(
        session, actor, list_query(request), InvoiceFilter(statuses=LISTED)
    )
    if is_htmx(request):
        return render(request, "invoices/_table.html", {"page": page})
    previews = await service.list_invoices(
        session, actor, ListQuery(size=1), InvoiceFilter(statuses=("preview",))
    )
    runs = await service.recent_runs(session, actor)
    context = {"page": page, "previews": previews.total, "runs": runs}
    return render(request, "invoices/list.html", context)


# --- settings -------------------------------------------------------------------------------


def _settings_form(found: Any) -> dict[str, str]:
    form = {name: str(getattr(found, name, "") or "") for name in LABELS if name != "logo"}
    form["logo"] = found.logo_url
    form["version"] = str(found.version)
    return form


async def _settings_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = await settings.get_settings(session, actor)
    context = {
        "form": form or _settings_form(found),
        "errors": errors or {},
        "has_logo": found.logo is not None,
        "may_change": await settings.may_change(session, actor),
    }
    return render(request, "invoices/settings.html", context, status=status)


@router.get("/settings")
async def settings_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _settings_page(request, session, actor)


@router.post("/settings")
async def save_settings(
    request: Request,
    actor: WebActor,
    session: DbSession,
    fetch: LogoFetcher = Depends(logo_fetcher),
) -> Response:
    raw = await request.form()
    form = {name: str(raw.get(name, "")) for name in [*LABELS, "version"]}
    upload = raw.get("logo_file")
    data = SettingsInput(
        values=form,
        logo_upload=await upload.read() if isinstance(upload, UploadFile) else None,
        remove_logo=raw.get("remove_logo") == "1",
        version=form_int(form["version"]),
    )
    await raw.close()  # the upload's temporary file
    try:
        saved = await settings.save_settings(session, actor, data, fetch)
    except LaturiError as err:
        await undo(session, err)
        return await _settings_page(
            request, session, actor, form, {err.field or "_": err.message}, err.status
        )
    return redirect(request, "/invoices", " ".join(["Invoice settings saved.", *saved.warnings]))


# --- add invoice ----------------------------------------------------------------------------


async def _add_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    confirm: str | None = None,
) -> Response:
    found = await service.add_form(session, actor)
    form = form or {
        "first": found.first.isoformat(),
        "last": found.last.isoformat(),
        "kwh_price": str(found.kwh_price),
        "monthly_price": str(found.monthly_price),
        "user_group_ids": [],
        "user_ids": [],
    }
    context = {"found": found, "form": form, "errors": errors or {}, "confirm": confirm}
    return render(request, "invoices/add.html", context, status=status)


@router.get("/new")
async def add_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _add_page(request, session, actor)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.post("/new")
async def add(request: Request, actor: WebActor, session: DbSession) -> Response:
    raw = await request.form()
    form: dict[str, Any] = {k: str(raw.get(k, "")) for k in ("first", "last")}
    form.update({k: str(raw.get(k, "")) for k in ("kwh_price", "monthly_price")})
    form["user_group_ids"] = [str(v) for v in raw.getlist("user_group_ids")]
    form["user_ids"] = [str(v) for v in raw.getlist("user_ids")]
    data = RunInput(
        first=_date(form["first"]),
        last=_date(form["last"]),
        kwh_price=form["kwh_price"],
        monthly_price=form["monthly_price"],
        user_group_ids=[int(v) for v in form["user_group_ids"] if v.isdigit()],
        user_ids=[int(v) for v in form["user_ids"] if v.isdigit()],
        invoice_others=raw.get("invoice_others") == "1",
    )
    try:
        run = await service.start_run(session, actor, data)
    except NeedsConfirmation as err:
        await undo(session, err)
        return await _add_page(request, session, actor, form, None, 200, err.message)
    except LaturiError as err:
        await undo(session, err)
        errors = {err.field or "_": err.message}
        return await _add_page(request, session, actor, form, errors, err.status)
    await session.commit()
    wake_worker(request)
    return redirect(request, f"/invoices/runs/{run.id}")


# --- progress -------------------------------------------------------------------------------


@router.get("/runs/{run_id}")
async def run_page(request: Request, run_id: int, actor: WebActor, session: DbSession) -> Response:
    progress = await service.run_progress(session, actor, run_id)
    if is_htmx(request):
        if progress.run.status == "done" and progress.run.total <= FEW:
            return Response(headers={"HX-Redirect": f"/invoices/previews?run={run_id}"})
        # 286 tells HTMX to stop polling: the run will not change any more.
        ended = progress.run.status in ("done", "failed")
        context = {"progress": progress, "few": FEW}
        return render(request, "invoices/_progress.html", context, status=286 if ended else 200)
    return render(request, "invoices/run.html", {"progress": progress, "few": FEW})


# --- previews -------------------------------------------------------------------------------


@router.get("/previews")
async def previews_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    page = await service.list_invoices(
        session, actor, list_query(request), InvoiceFilter(statuses=("preview",))
    )
    template = "invoices/_previews.html" if is_htmx(request) else "invoices/previews.html"
    return render(request, template, {"page": page})


async def _ids(request: Request) -> list[int]:
    raw = await request.form()
    return [int(str(v)) for v in raw.getlist("ids") if str(v).isdigit()]


@router.post("/previews/send")
async def send(request: Request, actor: WebActor, session: DbSession, mail: Mail) -> Response:
    ids = await _ids(request)
    if not ids:
        return redirect(request, "/invoices/previews", "Select the invoices to send.")
    result = await send_in_batches(session, actor, ids, mail)
    message = f"{len(result.sent)} invoice{'s' * (len(result.sent) != 1)} sent."
    if result.failed:
        message += f" {len(result.failed)} could not be sent and stay in previews with the reason."
        return redirect(request, "/invoices/previews", message)
    return redirect(request, "/invoices", message)


@router.post("/previews/discard")
async def discard(request: Request, actor: WebActor, session: DbSession) -> Response:
    ids = await _ids(request)
    if not ids:
        return redirect(request, "/invoices/previews", "Select the previews to discard.")
    count = await service.discard_previews(session, actor, ids)
    return redirect(
        request, "/invoices/previews", f"{count} preview{'s' * (count != 1)} discarded."
    )


# --- one invoice ----------------------------------------------------------------------------


@router.get("/{invoice_id}/pdf")
async def pdf(invoice_id: int, actor: WebActor, session: DbSession) -> Response:
    invoice = await service.invoice_pdf(session, actor, invoice_id)
    disposition = f'inline; filename="invoice-{invoice.reference}.pdf"'
    return Response(
        invoice.pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.post("/{invoice_id}/paid")
async def paid(request: Request, invoice_id: int, actor: WebActor, session: DbSession) -> Response:
    invoice = await service.mark_paid(session, actor, invoice_id)
    return redirect(request, _back(request), f"Invoice {invoice.reference} marked paid.")


@router.post("/{invoice_id}/unpaid")
async def unpaid(
    request: Request, invoice_id: int, actor: WebActor, session: DbSession
) -> Response:
    confirmed = (await request.form()).get("confirmed") == "1"
    invoice = await service.mark_unpaid(session, actor, invoice_id, confirmed=confirmed)
    return redirect(request, _back(request), f"Invoice {invoice.reference} marked unpaid.")


def _back(request: Request) -> str:
    """Back to the list as it was (its search, sort and page), never off the site."""
    referer = request.headers.get("referer", "")
    path = referer.split(str(request.base_url).rstrip("/"), 1)[-1] if referer else ""
    return path if path.startswith("/invoices") and "//" not in path else "/invoices"
