"""What a charging user owes for a period: kWh x kWh price and full months x monthly price."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from laturi.invoices.money import Line, Totals, line, totals
from laturi.invoices.months import full_months

WH_PER_KWH = Decimal(1000)


@dataclass(frozen=True)
class Figures:
    kwh: Decimal
    energy: Line
    months: int
    monthly: Line
    totals: Totals


def calculate(
    *,
    energy_wh: int,
    kwh_price: Decimal,
    first: date,
    last: date,
    monthly_price: Decimal,
    vat: Decimal,
) -> Figures:
    """The invoice's lines and totals; prices include VAT, which each line extracts."""
    kwh = (Decimal(energy_wh) / WH_PER_KWH).quantize(Decimal("0.001"))
    months = full_months(first, last)
    energy = line(kwh, kwh_price, vat)
    monthly = line(Decimal(months), monthly_price, vat)
    return Figures(kwh, energy, months, monthly, totals([energy, monthly]))
