"""The PDF itself: Finnish letters and the euro sign survive, an unreadable logo is left off."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
from PIL import Image

from laturi.invoices.pdf import InvoiceDocument, Payee, render

D = Decimal
PAYEE = Payee(
    "Sähkö-Äijä Oy",
    "Öljytie 1",
    "00100 Helsinki",
    "0130655-4",
    "+358 50 1",
    "laskut@sahko.example",
    "www.sahko.example",
    "FI21 1234 5600 0007 85",
    "NDEAFIHH",
)
DOC = InvoiceDocument(
    payer_name="Åke Öhman-Ääriö",
    payer_email="ake@example.com",
    total=D("26.85"),
    invoice_date=date(2019, 3, 28),
    period_first=date(2018, 11, 1),
    period_last=date(2019, 2, 28),
    due_date=date(2019, 4, 11),
    payment_terms=14,
    penalty_interest=D(8),
    kwh=D("99.034"),
    kwh_price=D("0.1234"),
    energy_total=D("12.22"),
    months=4,
    monthly_price=D("3.66"),
    monthly_total=D("14.64"),
    vat_percent=D("25.5"),
    energy_vat=D("2.48"),
    monthly_vat=D("2.97"),
    net=D("21.41"),
    vat=D("5.45"),
    reference="108986",
    payee=PAYEE,
    virtual_barcode="",
    logo=None,
)


def text(data: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_finnish_letters_and_the_euro_sign_print() -> None:
    printed = text(render(DOC))
    for expected in ("Åke Öhman-Ääriö", "Sähkö-Äijä Oy", "Öljytie 1", "26.85 €", "VAT €"):
        assert expected in printed
    assert "Usage (kWh) 99.034 0.1234 12.22 25.5 % 2.48" in printed


def test_an_unreadable_logo_is_left_off_and_a_good_one_printed() -> None:
    broken = render(replace(DOC, logo=b"\x89PNG but not really"))
    assert "Åke Öhman-Ääriö" in text(broken)
    assert not pypdf.PdfReader(io.BytesIO(broken)).pages[0].images
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (200, 0, 0)).save(out, format="PNG")
    good = render(replace(DOC, logo=out.getvalue()))
    assert len(pypdf.PdfReader(io.BytesIO(good)).pages[0].images) == 1


def test_without_a_finnish_account_no_barcode_is_printed() -> None:
    assert "Virtual barcode" not in text(render(DOC))
