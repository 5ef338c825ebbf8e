"""The manual's permission list, written once and checked by every edge."""

from __future__ import annotations

from enum import StrEnum

from laturi.errors import AccessDenied
from laturi.models.operator import Level


class Permission(StrEnum):
    # What the manual says a basic operator can not do:
    MANAGE_OPERATORS = "manage_operators"
    ADD_REMOVE_STATIONS = "add_remove_stations"
    EDIT_STATIONS = "edit_stations"
    REMOVE_CHARGING_USERS = "remove_charging_users"
    DELETE_TOKENS = "delete_tokens"
    UPDATE_FIRMWARE = "update_firmware"
    MANAGE_SCHEDULES = "manage_schedules"
    EDIT_USER_GROUPS = "edit_user_groups"
    MANAGE_INVOICES = "manage_invoices"
    # The issue on stations: the raw OCPP message log is searchable by admins.
    READ_OCPP_LOG = "read_ocpp_log"
    # What every operator may do within their domain:
    VIEW = "view"
    MANAGE_GROUPS = "manage_groups"
    MANAGE_CHARGING_USERS = "manage_charging_users"
    SEND_COMMANDS = "send_commands"
    MANAGE_OWN_ACCOUNT = "manage_own_account"


BASIC_DENIED = frozenset(
    {
        Permission.MANAGE_OPERATORS,
        Permission.ADD_REMOVE_STATIONS,
        Permission.EDIT_STATIONS,
        Permission.REMOVE_CHARGING_USERS,
        Permission.DELETE_TOKENS,
        Permission.UPDATE_FIRMWARE,
        Permission.MANAGE_SCHEDULES,
        Permission.EDIT_USER_GROUPS,
        Permission.MANAGE_INVOICES,
        Permission.READ_OCPP_LOG,
    }
)

GRANTS: dict[Level, frozenset[Permission]] = {
    Level.ADMIN: frozenset(Permission),
    Level.BASIC: frozenset(Permission) - BASIC_DENIED,
}


def allows(level: Level, permission: Permission) -> bool:
    """Whether operators of this level hold the permission."""
    return permission in GRANTS[level]


def require(level: Level, permission: Permission) -> None:
    """Raise the manual's "Access denied." unless the level holds the permission."""
    if not allows(level, permission):
        raise AccessDenied()
