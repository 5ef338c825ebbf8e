"""Shapes of the invoice endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class SettingsIn(BaseModel):
    """The manual's fields; numbers may be given as text ("0,15") or as numbers."""

    recipient_bic: str
    recipient_iban: str
    recipient_name: str
    recipient_address_1: str = ""
    recipient_address_2: str = ""
    business_id: str = ""
    telephone: str = ""
    www: str = ""
    email: str = ""
    logo_url: str = Field("", description="read once when saved; an unreadable image is left off")
    logo_base64: str | None = Field(None, description="a PNG or JPEG, instead of logo_url")
    remove_logo: bool = False
    ref_nr_start: int | str
    kwh_price: Decimal | str
    monthly_price: Decimal | str
    invoice_period: int | str
    cutoff_day: int | str = Field(description="31 = the last day of every month")
    payment_terms: int | str
    vat: Decimal | str
    penalty_interest: Decimal | str
    email_content: str = ""
    version: int | None = None


class SettingsOut(BaseModel):
    recipient_bic: str
    recipient_iban: str
    recipient_name: str
    recipient_address_1: str
    recipient_address_2: str
    business_id: str
    telephone: str
    www: str
    email: str
    logo_url: str
    has_logo: bool
    ref_nr_start: int
    ref_nr_next: int
    kwh_price: Decimal
    monthly_price: Decimal
    invoice_period: int
    cutoff_day: int
    payment_terms: int
    vat: Decimal
    penalty_interest: Decimal
    email_content: str
    saved: bool
    may_change: bool
    version: int
    warnings: list[str] = []


class DefaultsOut(BaseModel):
    first: date
    last: date
    kwh_price: Decimal
    monthly_price: Decimal


class RunIn(BaseModel):
    first: date
    last: date
    kwh_price: Decimal | str | None = None
    monthly_price: Decimal | str | None = None
    user_group_ids: list[int] = []
    user_ids: list[int] = []
    invoice_others: bool = Field(
        False, description="true: invoice the group members with an e-mail, skip the others"
    )
    invoice_date: date | None = None


class RunOut(BaseModel):
    id: int
    status: str
    total: int
    done: int
    percent: int
    seconds_left: float | None
    error: str | None
    first: date
    last: date
    created_at: datetime
    finished_at: datetime | None


class InvoiceOut(BaseModel):
    id: int
    run_id: int | None
    charging_user_id: int | None
    name: str
    email: str
    reference: str
    status: str
    paid: bool
    amount: Decimal
    first: date
    last: date
    invoice_date: date
    due_date: date
    payment_terms: int
    penalty_interest: Decimal
    vat_percent: Decimal
    kwh: Decimal
    kwh_price: Decimal
    energy_total: Decimal
    energy_vat: Decimal
    months: int
    monthly_price: Decimal
    monthly_total: Decimal
    monthly_vat: Decimal
    net: Decimal
    vat: Decimal
    sessions: int
    already_billed: int
    virtual_barcode: str
    send_error: str | None
    version: int


class IdsIn(BaseModel):
    ids: list[int]


class Failure(BaseModel):
    id: int
    reason: str


class SendOut(BaseModel):
    sent: list[int]
    failed: list[Failure]


class DiscardOut(BaseModel):
    discarded: int


class UnpaidIn(BaseModel):
    confirm: bool = Field(False, description="the manual's confirmation: must be true")
