"""Invoices: the organisation's invoice settings, generation runs, invoices and billed sessions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from laturi.kit.time import utcnow
from laturi.models.base import Base, Timestamped

# Amounts of money: cents, never more (the rounding rule is laturi.invoices.money.cents).
Money = Numeric(12, 2)
# Unit prices may have more decimals than an amount (0.1234 €/kWh).
UnitPrice = Numeric(12, 4)
Percent = Numeric(5, 2)


class InvoiceSettings(Timestamped, Base):
    """The organisation's invoice settings: the manual's fields, one row per organisation."""

    __tablename__ = "invoice_settings"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    recipient_bic: Mapped[str] = mapped_column(String(11), default="")
    recipient_iban: Mapped[str] = mapped_column(String(34), default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_address_1: Mapped[str] = mapped_column(String(200), default="")
    recipient_address_2: Mapped[str] = mapped_column(String(200), default="")
    business_id: Mapped[str] = mapped_column(String(20), default="")
    telephone: Mapped[str] = mapped_column(String(40), default="")
    www: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    ref_nr_start: Mapped[int] = mapped_column(BigInteger)
    # The next reference base to give: only ever grows, so a number is never given twice.
    ref_nr_next: Mapped[int] = mapped_column(BigInteger)
    kwh_price: Mapped[Decimal] = mapped_column(UnitPrice)
    monthly_price: Mapped[Decimal] = mapped_column(Money)
    invoice_period: Mapped[int]
    cutoff_day: Mapped[int]
    payment_terms: Mapped[int]
    vat: Mapped[Decimal] = mapped_column(Percent)
    penalty_interest: Mapped[Decimal] = mapped_column(Percent)
    email_content: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class InvoiceRun(Timestamped, Base):
    """One INVOICE PREVIEWS request, generated in the background and resumable by any node."""

    __tablename__ = "invoice_runs"
    __table_args__ = (Index("ix_invoice_runs_status", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    base_group_id: Mapped[int] = mapped_column(ForeignKey("charging_groups.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    period_first: Mapped[date]
    period_last: Mapped[date]
    time_zone: Mapped[str] = mapped_column(String(64))
    invoice_date: Mapped[date]
    kwh_price: Mapped[Decimal] = mapped_column(UnitPrice)
    monthly_price: Mapped[Decimal] = mapped_column(Money)
    # The settings as they were when the run was asked for: later changes alter nothing made.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    user_ids: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int]
    done: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))


class Invoice(Timestamped, Base):
    """One charging user's invoice; its figures and payee are fixed when it is generated."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("organization_id", "reference"),
        UniqueConstraint("run_id", "charging_user_id"),
        Index("ix_invoices_org_status", "organization_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    base_group_id: Mapped[int] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_runs.id", ondelete="SET NULL"))
    charging_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(201))
    email: Mapped[str] = mapped_column(String(254))
    reference: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="preview")
    period_first: Mapped[date]
    period_last: Mapped[date]
    invoice_date: Mapped[date]
    due_date: Mapped[date]
    payment_terms: Mapped[int]
    penalty_interest: Mapped[Decimal] = mapped_column(Percent)
    vat_percent: Mapped[Decimal] = mapped_column(Percent)
    kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    kwh_price: Mapped[Decimal] = mapped_column(UnitPrice)
    energy_total: Mapped[Decimal] = mapped_column(Money)
    energy_vat: Mapped[Decimal] = mapped_column(Money)
    months: Mapped[int]
    monthly_price: Mapped[Decimal] = mapped_column(Money)
    monthly_total: Mapped[Decimal] = mapped_column(Money)
    monthly_vat: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    vat: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    sessions: Mapped[int] = mapped_column(default=0)
    # Sessions of the period left out because an earlier invoice already bills them.
    already_billed: Mapped[int] = mapped_column(default=0)
    payee: Mapped[dict[str, Any]] = mapped_column(JSON)
    virtual_barcode: Mapped[str] = mapped_column(String(54))
    search_text: Mapped[str] = mapped_column(String(1000))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    send_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class BilledSession(Base):
    """A charging session on an invoice: the primary key makes a session billed once at most."""

    __tablename__ = "invoice_sessions"

    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("transactions.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
