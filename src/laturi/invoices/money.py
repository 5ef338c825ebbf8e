"""Money on an invoice: `Decimal` euros, rounded by one rule in one function.

The rule: every amount is rounded once, to the cent, half up (0.005 -> 0.01), at the point
where it is first shown. A line's total is its quantity x unit price rounded; a line's VAT is
extracted from that rounded total (total x VAT / (100 + VAT)) and rounded; the line's net is
the total minus its VAT, exact. The invoice's figures are sums of the lines' rounded figures,
so they add up to the cent: lines to the total, line VAT to the VAT, net + VAT to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    """The one rounding rule: to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One invoice line: quantity x unit price (VAT included), with the VAT extracted."""

    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    vat: Decimal

    @property
    def net(self) -> Decimal:
        return self.total - self.vat


def line(quantity: Decimal, unit_price: Decimal, vat_percent: Decimal) -> Line:
    """A line whose price includes VAT at `vat_percent`."""
    total = cents(quantity * unit_price)
    return Line(quantity, unit_price, total, cents(total * vat_percent / (HUNDRED + vat_percent)))


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    total: Decimal


def totals(lines: list[Line]) -> Totals:
    """The invoice's figures: sums of its lines' rounded figures."""
    total = sum((x.total for x in lines), Decimal("0.00"))
    vat = sum((x.vat for x in lines), Decimal("0.00"))
    return Totals(net=total - vat, vat=vat, total=total)


def euros(value: Decimal) -> str:
    """An amount as printed: 26.85 €."""
    return f"{cents(value):.2f} €"
