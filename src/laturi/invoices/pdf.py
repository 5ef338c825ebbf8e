"""The invoice as a PDF (fpdf2), laid out as the manual's invoice example, plus the bank barcode.

Pure: it takes an `InvoiceDocument` of printable values and returns bytes, so it can run in a
worker process. DejaVu Sans (bundled, Bitstream Vera licence) prints ä, ö and €.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from pypdf import PageObject, PdfReader, PdfWriter

from laturi.invoices.money import euros
from laturi.invoices.references import grouped
from laturi.invoices.virtual_barcode import code128_modules

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
LEFT, WIDTH = 15.0, 180.0


@dataclass(frozen=True)
class Payee:
    name: str
    address_1: str
    address_2: str
    business_id: str
    telephone: str
    email: str
    www: str
    iban: str
    bic: str


@dataclass(frozen=True)
class InvoiceDocument:
    """What an invoice prints; the numbers in comments are the manual's example's fields."""

    payer_name: str  # 1
    payer_email: str  # 1
    total: Decimal  # 2, 13
    invoice_date: date  # 3
    period_first: date  # 4
    period_last: date  # 4
    due_date: date  # 5
    payment_terms: int  # 6
    penalty_interest: Decimal  # 7
    kwh: Decimal  # 8
    kwh_price: Decimal  # 9
    energy_total: Decimal  # 10
    months: int  # 8
    monthly_price: Decimal  # 9
    monthly_total: Decimal  # 10
    vat_percent: Decimal  # 11
    energy_vat: Decimal  # 12
    monthly_vat: Decimal  # 12
    net: Decimal  # 13
    vat: Decimal  # 13
    reference: str
    payee: Payee
    virtual_barcode: str  # empty when the account is not Finnish
    logo: bytes | None = None


def day(value: date) -> str:
    """A date as the manual's invoice prints it: 28.3.2019."""
    return f"{value.day}.{value.month}.{value.year}"


def quantity(value: Decimal) -> str:
    """kWh as measured (Wh precision), at least two decimals: 99.03, 99.034."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def unit_price(value: Decimal) -> str:
    text = f"{value:.4f}".rstrip("0")
    return text + "0" * (2 - len(text.split(".")[1]))


def percent(value: Decimal) -> str:
    return f"{value.normalize():f} %"


class _Invoice(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        self.set_compression(True)
        self.add_font(FONT, "", FONTS / "DejaVuSansLatin.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSansLatin-Bold.ttf")
        self.set_auto_page_break(False)
        self.set_margins(LEFT, 15)
        self.add_page()

    def text_at(self, x: float, y: float, text: str, size: float = 9, style: str = "") -> None:
        if not text:
            return
        self.set_font(FONT, style, size)
        self.set_xy(x, y)
        self.cell(text=text)

    def pair(self, x: float, y: float, label: str, value: str, width: float = 38) -> None:
        self.text_at(x, y, label, 8)
        self.text_at(x + width, y, value, 9, "B")


def render(doc: InvoiceDocument) -> bytes:
    """The invoice's PDF."""
    pdf = _Invoice()
    pdf.set_title(_title(doc))
    pdf.set_creator("Laturi")
    _page(pdf, doc)
    return bytes(pdf.output())


def render_many(docs: list[InvoiceDocument]) -> list[bytes]:
    """Each invoice's PDF. Made as one document with a page each, then split: fpdf2 subsets and
    embeds the font once per document, which was three quarters of an invoice's time."""
    if len(docs) < 2:
        return [render(doc) for doc in docs]
    pdf = _Invoice()
    for n, doc in enumerate(docs):
        if n:
            pdf.add_page()
        _page(pdf, doc)
    pages = PdfReader(io.BytesIO(bytes(pdf.output()))).pages
    return [_alone(page, doc) for page, doc in zip(pages, docs, strict=True)]


def _alone(page: PageObject, doc: InvoiceDocument) -> bytes:
    writer = PdfWriter()
    writer.add_page(page)
    writer.add_metadata({"/Title": _title(doc), "/Creator": "Laturi"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _title(doc: InvoiceDocument) -> str:
    return f"Vehicle charging invoice {doc.reference}"


def _page(pdf: _Invoice, doc: InvoiceDocument) -> None:
    _logo(pdf, doc.logo)
    _head(pdf, doc)
    _lines(pdf, doc)
    _payee(pdf, doc.payee)
    _transfer(pdf, doc)


def _logo(pdf: _Invoice, logo: bytes | None) -> None:
    """The manual: a logo that cannot be read is left off the invoice."""
    if not logo:
        return
    try:
        pdf.image(io.BytesIO(logo), x=LEFT, y=12, h=18)
    except Exception as err:  # noqa: BLE001 - any unreadable image is simply not printed
        log.warning("invoice logo left off: %s", err)


def _head(pdf: _Invoice, doc: InvoiceDocument) -> None:
    pdf.text_at(LEFT, 36, doc.payer_name, 11, "B")
    pdf.text_at(LEFT, 42, doc.payer_email, 9)
    x, y = 110.0, 14.0
    pdf.text_at(x, y, "Invoice", 14, "B")
    rows = [
        ("Total including VAT", euros(doc.total)),
        ("Invoice date", day(doc.invoice_date)),
        ("Invoice period", f"{day(doc.period_first)} - {day(doc.period_last)}"),
        ("Due date", day(doc.due_date)),
        ("Payment terms", f"{doc.payment_terms} days"),
        ("Penalty interest", percent(doc.penalty_interest)),
        ("Reference No", grouped(doc.reference)),
    ]
    for i, (label, value) in enumerate(rows):
        pdf.pair(x, y + 9 + i * 5.5, label, value, 32)


def _lines(pdf: _Invoice, doc: InvoiceDocument) -> None:
    y = 62.0
    pdf.text_at(LEFT, y, "Vehicle charging invoice", 12, "B")
    columns = [(LEFT, ""), (62, "Amount"), (87, "Unit price"), (112, "Total"), (135, "VAT %")]
    columns.append((158, "VAT €"))
    for x, label in columns:
        pdf.text_at(x, y + 9, label, 8, "B")
    pdf.line(LEFT, y + 14, LEFT + WIDTH, y + 14)
    vat = percent(doc.vat_percent)
    rows = [
        ("Usage (kWh)", quantity(doc.kwh), unit_price(doc.kwh_price), doc.energy_total,
         doc.energy_vat),
        ("No. of months", str(doc.months), unit_price(doc.monthly_price), doc.monthly_total,
         doc.monthly_vat),
    ]  # fmt: skip
    for i, (label, amount, price, total, line_vat) in enumerate(rows):
        row_y = y + 16 + i * 6
        values = [label, amount, price, f"{total:.2f}", vat, f"{line_vat:.2f}"]
        for (x, _), value in zip(columns, values, strict=True):
            pdf.text_at(x, row_y, value, 9)
    totals = [
        ("Total (VAT 0 %) €", doc.net),
        ("VAT €", doc.vat),
        ("To be paid €", doc.total),
    ]
    for i, (caption, figure) in enumerate(totals):
        row_y = y + 32 + i * 6
        pdf.text_at(112, row_y, caption, 9, "B" if i == 2 else "")
        pdf.text_at(158, row_y, f"{figure:.2f}", 9, "B" if i == 2 else "")


def _payee(pdf: _Invoice, payee: Payee) -> None:
    y = 122.0
    pdf.line(LEFT, y - 3, LEFT + WIDTH, y - 3)
    address = ", ".join(p for p in (payee.address_1, payee.address_2) if p)
    left = [("Company", payee.name), ("Address", address), ("Business ID", payee.business_id)]
    right = [("Telephone", payee.telephone), ("E-mail", payee.email), ("WWW", payee.www)]
    for i, (label, value) in enumerate(left):
        pdf.pair(LEFT, y + i * 5.5, label, value, 24)
    for i, (label, value) in enumerate(right):
        pdf.pair(120, y + i * 5.5, label, value, 20)


def _transfer(pdf: _Invoice, doc: InvoiceDocument) -> None:
    """The bank transfer form of a Finnish invoice, with the virtual barcode under it."""
    y = 195.0
    pdf.line(LEFT, y - 4, LEFT + WIDTH, y - 4)
    payee = doc.payee
    pdf.pair(LEFT, y, "Recipient bank account", f"{payee.iban}   {payee.bic}", 40)
    recipient = [payee.name, payee.address_1, payee.address_2]
    pdf.text_at(LEFT, y + 7, "Recipient", 8)
    for i, text in enumerate(t for t in recipient if t):
        pdf.text_at(LEFT + 40, y + 7 + i * 4.5, text, 9)
    pdf.text_at(LEFT, y + 23, "Payer", 8)
    pdf.text_at(LEFT + 40, y + 23, doc.payer_name, 9)
    pdf.text_at(LEFT + 40, y + 27.5, doc.payer_email, 9)
    info_x = 120.0
    pdf.text_at(info_x, y + 7, "Vehicle charging", 9)
    pdf.text_at(info_x, y + 11.5, f"{day(doc.period_first)} - {day(doc.period_last)}", 9)
    pdf.pair(info_x, y + 23, "Reference No", grouped(doc.reference), 24)
    pdf.pair(info_x, y + 28.5, "Due date", day(doc.due_date), 24)
    pdf.pair(info_x, y + 34, "Euro", f"{doc.total:.2f}", 24)
    if doc.virtual_barcode:
        _barcode(pdf, doc.virtual_barcode, y + 45)


def _barcode(pdf: _Invoice, code: str, y: float) -> None:
    pdf.text_at(LEFT, y, "Virtual barcode", 8)
    pdf.text_at(LEFT + 24, y, code, 8)
    modules = code128_modules(code)
    # 0.25 mm per module keeps the code within the form's width at the guide's 10 mm height.
    module = 0.25
    pdf.set_fill_color(0, 0, 0)
    for bar in re.finditer("1+", modules):
        pdf.rect(LEFT + bar.start() * module, y + 5, len(bar.group()) * module, 12, style="F")
