"""Jinja2 environment of the panel and the mails."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.kit.pagination import PAGE_SIZES
from laturi.kit.time import local_format

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# The manual's menu, in its order; items needing a permission show only to those who hold it.
MENU: list[tuple[str, str, Permission]] = [
    ("Dashboard", "/", Permission.VIEW),
    ("Charging groups", "/groups", Permission.VIEW),
    ("Charging stations", "/stations", Permission.VIEW),
    ("Operators", "/operators", Permission.MANAGE_OPERATORS),
    ("Charging users", "/charging-users", Permission.VIEW),
    ("Charging user groups", "/user-groups", Permission.VIEW),
    ("Invoices", "/invoices", Permission.MANAGE_INVOICES),
    ("Reports", "/reports", Permission.VIEW),
    ("Schedule tasks", "/schedules", Permission.MANAGE_SCHEDULES),
]

# Menu entries whose pages exist; the rest arrive with later capabilities.
BUILT = {
    "/",
    "/groups",
    "/operators",
    "/charging-users",
    "/user-groups",
    "/stations",
    "/schedules",
}


def menu_for(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return []
    return [(label, href) for label, href, perm in MENU if actor.can(perm) and href in BUILT]


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(menu_for=menu_for, PAGE_SIZES=PAGE_SIZES, Permission=Permission)
    env.filters["localtime"] = local_format
    return templates
