"""The Finnish bank's virtual barcode (pankkiviivakoodi), version 4: national reference.

54 digits: "4", the IBAN's 16 digits (without "FI"), euros (6) and cents (2), "000", the
reference number right-aligned in 20 digits, and the due date YYMMDD. Printed as Code 128
(character set C) as the Finnish Federation of Financial Services' guide asks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from barcode.codex import Code128

from laturi.invoices.money import cents


def virtual_barcode(iban: str, amount: Decimal, reference: str, due: date) -> str:
    """The 54-digit code; a Finnish IBAN is required, an amount over 999,999.99 € prints zeros."""
    account = iban.replace(" ", "").upper()
    if not account.startswith("FI") or len(account) != 18:
        raise ValueError("the virtual barcode needs a Finnish IBAN")
    amount = cents(amount)
    euro_cents = int(amount * 100) if amount < Decimal(1_000_000) else 0
    return f"4{account[2:]}{euro_cents:08d}000{reference:0>20}{due:%y%m%d}"


def code128_modules(code: str) -> str:
    """The Code 128 bars and spaces of the code, '1' a dark module, '0' a light one."""
    built: list[str] = Code128(code).build()
    return built[0]
