"""Finnish national reference numbers (viitenumero): a base and its 7-3-1 check digit."""

from __future__ import annotations

WEIGHTS = (7, 3, 1)
MIN_BASE, MAX_BASE = 100, 10**19 - 1  # 3 to 19 digits: 4 to 20 with the check digit


def check_digit(base: int) -> int:
    """Weights 7, 3, 1 from the right; the digit that brings the sum up to a multiple of ten."""
    digits = [int(d) for d in reversed(str(base))]
    total = sum(d * WEIGHTS[i % 3] for i, d in enumerate(digits))
    return (10 - total % 10) % 10


def reference(base: int) -> str:
    """The reference number of a base: the base with its check digit appended."""
    if not MIN_BASE <= base <= MAX_BASE:
        raise ValueError("a reference number base has 3 to 19 digits")
    return f"{base}{check_digit(base)}"


def is_valid(number: str) -> bool:
    """Whether the text is a reference number with a correct check digit (spaces allowed)."""
    digits = number.replace(" ", "")
    if not digits.isdigit() or not 4 <= len(digits) <= 20 or digits[0] == "0":
        return False
    return check_digit(int(digits[:-1])) == int(digits[-1])


def grouped(number: str) -> str:
    """Printed in groups of five from the right, as Finnish banks print it."""
    head = len(number) % 5
    parts = [number[:head]] if head else []
    parts += [number[i : i + 5] for i in range(head, len(number), 5)]
    return " ".join(parts)
