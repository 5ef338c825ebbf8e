"""The panel's menu: the manual's links, each shown to the operators who may use it."""

from __future__ import annotations

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission

# The manual's menu, in its order; items needing a permission show only to those who hold it.
MENU: list[tuple[str, str, Permission]] = [
    ("Dashboard", "/", Permission.VIEW),
    ("Charging groups", "/groups", Permission.VIEW),
    ("Charging stations", "/stations", Permission.VIEW),
    # Not a menu item of the manual: the sessions list every operator looks for first.
    ("Charging sessions", "/sessions", Permission.VIEW),
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
    "/sessions",
    "/reports",
    "/invoices",
    "/schedules",
}


def menu_for(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return []
    return [(label, href) for label, href, perm in MENU if actor.can(perm) and href in BUILT]
