"""Jinja2 environment of the panel and the mails."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi.templating import Jinja2Templates

from laturi.kit.pagination import PAGE_SIZES
from laturi.kit.time import local_format

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(PAGE_SIZES=PAGE_SIZES)
    env.filters["localtime"] = local_format
    env.filters["plain_number"] = plain_number
    return templates


def plain_number(value: Decimal | float | int) -> str:
    """A number without trailing zeros and never in exponent form: 50, 7.4, 22.08."""
    return format(Decimal(str(value)).normalize(), "f")
