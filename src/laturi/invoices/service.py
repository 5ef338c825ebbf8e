"""The manual's rules for invoices: adding (a background run), listing, paid and unpaid, discarding.

Admin operators only: every function here starts by requiring MANAGE_INVOICES, so a basic
operator gets "Access denied." from every edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users.repository import scope_for
from laturi.charging_users.user_groups import repository as user_groups
from laturi.errors import Conflict, LaturiError, NotFound, StaleEdit, ValidationFailed
from laturi.invoices import repository
from laturi.invoices.generation import snapshot
from laturi.invoices.months import default_period
from laturi.invoices.repository import InvoiceFilter
from laturi.invoices.settings import clean_price, defaults
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import utcnow
from laturi.models import ChargingUser, Invoice, InvoiceRun, UserGroup

NOT_FOUND = "Invoice not found."
RUN_NOT_FOUND = "Invoice previews not found."
STALE = "The invoice was changed by another operator. Refresh the page and retry."
NO_SETTINGS = "Save the invoice settings first: invoices print the payee and bank account."


class NeedsConfirmation(LaturiError):
    """A chosen user group has members without an e-mail address: invoice the others?"""

    code = "confirmation_needed"
    status = 409

    def __init__(self, missing: Sequence[ChargingUser]) -> None:
        names = ", ".join(u.full_name for u in missing)
        super().__init__(
            f"{len(missing)} member{'s' * (len(missing) != 1)} of the chosen charging user "
            f"groups ha{'ve' if len(missing) != 1 else 's'} no e-mail address ({names}). "
            "Create invoices to the group members who have an e-mail address, or cancel."
        )
        self.missing = list(missing)


def local_today(actor: Actor) -> date:
    return datetime.now(ZoneInfo(actor.time_zone)).date()


@dataclass(frozen=True)
class AddForm:
    """The add-invoice form's defaults and choices."""

    first: date
    last: date
    kwh_price: Decimal
    monthly_price: Decimal
    groups: Sequence[UserGroup]
    users: Sequence[ChargingUser]  # only those with an e-mail address, as the manual says
    saved: bool  # whether the settings were saved (else invoices cannot be made yet)


async def add_form(session: AsyncSession, actor: Actor, today: date | None = None) -> AddForm:
    """FROM and TO from CUTOFF DAY and INVOICE PERIOD, prices from the settings."""
    actor.require(Permission.MANAGE_INVOICES)
    settings = await repository.settings_of(session, actor.organization_id)
    shown = settings or defaults(actor.organization_id)
    first, last = default_period(
        today or local_today(actor), shown.cutoff_day, shown.invoice_period
    )
    scope = await scope_for(session, actor)
    groups, _ = await user_groups.page(session, scope, ListQuery(sort="name", size=500))
    return AddForm(
        first=first,
        last=last,
        kwh_price=shown.kwh_price,
        monthly_price=shown.monthly_price,
        groups=[row.group for row in groups],
        users=await repository.users_with_email(session, scope),
        saved=settings is not None,
    )


@dataclass(frozen=True)
class RunInput:
    first: date | None
    last: date | None
    kwh_price: str = ""  # blank: the settings' price
    monthly_price: str = ""
    user_group_ids: Sequence[int] = ()
    user_ids: Sequence[int] = ()
    invoice_others: bool = False  # the answer to the confirmation
    invoice_date: date | None = None  # default: today


async def start_run(session: AsyncSession, actor: Actor, data: RunInput) -> InvoiceRun:
    """Check the form, choose the users, and queue the run for the background worker."""
    actor.require(Permission.MANAGE_INVOICES)
    settings = await repository.settings_of(session, actor.organization_id)
    if settings is None:
        raise Conflict(NO_SETTINGS)
    first, last = _period(data)
    users = await _chosen_users(session, actor, data)
    run = InvoiceRun(
        organization_id=actor.organization_id,
        operator_id=actor.operator_id,
        base_group_id=actor.base_group_id,
        status="queued",
        period_first=first,
        period_last=last,
        time_zone=actor.time_zone,
        invoice_date=data.invoice_date or local_today(actor),
        kwh_price=_price(data.kwh_price, "kwh_price", settings.kwh_price, 4),
        monthly_price=_price(data.monthly_price, "monthly_price", settings.monthly_price, 2),
        snapshot=snapshot(settings),
        logo=settings.logo,
        user_ids=users,
        total=len(users),
    )
    session.add(run)
    await session.flush()
    return run


def _period(data: RunInput) -> tuple[date, date]:
    if data.first is None:
        raise ValidationFailed("FROM: give the first day of the invoice period.", field="first")
    if data.last is None:
        raise ValidationFailed("TO: give the last day of the invoice period.", field="last")
    if data.last < data.first:
        raise ValidationFailed("TO must be on or after FROM.", field="last")
    return data.first, data.last


def _price(text: str, name: str, default: Decimal, places: int) -> Decimal:
    return clean_price(name, text, places) if text.strip() else default


async def _chosen_users(session: AsyncSession, actor: Actor, data: RunInput) -> list[int]:
    """The single users (each must have an e-mail) and the groups' members who have one."""
    scope = await scope_for(session, actor)
    singles = list(await repository.billable_users(session, scope, set(data.user_ids)))
    if missing := set(data.user_ids) - {u.id for u in singles}:
        raise ValidationFailed(
            "Charging users: not found, or without an e-mail address: "
            f"{', '.join(map(str, sorted(missing)))}.",
            field="user_ids",
        )
    for group_id in data.user_group_ids:
        if await user_groups.get(session, actor.organization_id, group_id) is None:
            raise ValidationFailed("Charging user group not found.", field="user_group_ids")
    members = await repository.group_members(session, scope, set(data.user_group_ids))
    lacking = [u for u in members if not u.email]
    if lacking and not data.invoice_others:
        raise NeedsConfirmation(lacking)
    chosen = {u.id for u in singles} | {u.id for u in members if u.email}
    if not chosen:
        raise ValidationFailed(
            "Choose charging user groups or charging users with an e-mail address.",
            field="user_ids",
        )
    return sorted(chosen)


@dataclass(frozen=True)
class Progress:
    run: InvoiceRun
    seconds_left: float | None  # None until the first chunk tells the pace

    @property
    def percent(self) -> int:
        return 100 if self.run.total == 0 else int(100 * self.run.done / self.run.total)


async def run_progress(session: AsyncSession, actor: Actor, run_id: int) -> Progress:
    actor.require(Permission.MANAGE_INVOICES)
    run = await repository.run_of(session, actor, run_id)
    if run is None:
        raise NotFound(RUN_NOT_FOUND)
    return Progress(run, _eta(run))


def _eta(run: InvoiceRun) -> float | None:
    if run.status != "running" or not run.done or run.started_at is None:
        return None
    elapsed = (utcnow() - run.started_at).total_seconds()
    return elapsed / run.done * (run.total - run.done)


async def recent_runs(session: AsyncSession, actor: Actor) -> Sequence[InvoiceRun]:
    actor.require(Permission.MANAGE_INVOICES)
    return await repository.recent_runs(session, actor)


@dataclass(frozen=True)
class Listed:
    invoice: Invoice
    status: str  # as shown: preview, sent, paid or overdue


async def list_invoices(
    session: AsyncSession,
    actor: Actor,
    query: ListQuery,
    found: InvoiceFilter | None = None,
) -> Page[Listed]:
    """Search by any field, sort, page; overdue = sent and not paid by the due date."""
    actor.require(Permission.MANAGE_INVOICES)
    chosen = found or InvoiceFilter()
    rows, total = await repository.page(session, actor, query, chosen, local_today(actor))
    return Page([Listed(i, s) for i, s in rows], total, query)


async def get_invoice(session: AsyncSession, actor: Actor, invoice_id: int) -> Listed:
    actor.require(Permission.MANAGE_INVOICES)
    invoice = await _existing(session, actor, invoice_id)
    return Listed(invoice, shown_status(invoice, local_today(actor)))


def shown_status(invoice: Invoice, today: date) -> str:
    """The same rule as the list's query, for one invoice in hand."""
    return "overdue" if invoice.status == "sent" and invoice.due_date < today else invoice.status


async def invoice_pdf(session: AsyncSession, actor: Actor, invoice_id: int) -> Invoice:
    actor.require(Permission.MANAGE_INVOICES)
    invoice = await repository.invoice_of(session, actor, invoice_id, with_pdf=True)
    if invoice is None:
        raise NotFound(NOT_FOUND)
    return invoice


async def mark_paid(session: AsyncSession, actor: Actor, invoice_id: int) -> Invoice:
    actor.require(Permission.MANAGE_INVOICES)
    invoice = await _existing(session, actor, invoice_id)
    if invoice.status == "preview":
        raise Conflict("A preview cannot be paid: send the invoice first.")
    invoice.status, invoice.paid_at = "paid", invoice.paid_at or utcnow()
    await _flush(session)
    return invoice


async def mark_unpaid(
    session: AsyncSession, actor: Actor, invoice_id: int, *, confirmed: bool
) -> Invoice:
    """Only after a confirmation, as the manual asks; the invoice is sent (or overdue) again."""
    actor.require(Permission.MANAGE_INVOICES)
    invoice = await _existing(session, actor, invoice_id)
    if invoice.status != "paid":
        raise Conflict("The invoice is not marked paid.")
    if not confirmed:
        raise Conflict("Confirm that the paid invoice is to be marked unpaid.", field="confirm")
    invoice.status, invoice.paid_at = "sent", None
    await _flush(session)
    return invoice


async def discard_previews(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> int:
    """Delete previews; their sessions may be billed again, their reference numbers are not
    given again."""
    actor.require(Permission.MANAGE_INVOICES)
    found = await repository.invoices_of(session, actor, set(ids))
    if len(found) != len(set(ids)):
        raise NotFound(NOT_FOUND)
    if any(i.status != "preview" for i in found):
        raise Conflict("Only previews can be discarded; sent invoices are kept.")
    for invoice in found:
        await session.delete(invoice)
    await _flush(session)
    return len(found)


async def _existing(session: AsyncSession, actor: Actor, invoice_id: int) -> Invoice:
    invoice = await repository.invoice_of(session, actor, invoice_id)
    if invoice is None:
        raise NotFound(NOT_FOUND)
    return invoice


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as err:
        raise StaleEdit(STALE) from err
