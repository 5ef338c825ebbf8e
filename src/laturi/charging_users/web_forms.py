"""The charging user form of the panel: its fields as typed, and the service input made of them.

Token blocks are numbered fields (tokens-0-id_tag, tokens-0-name, ...); new blocks are added in
the browser. Dates are whole days in the operator's time zone, as in the manual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from starlette.datastructures import FormData

from laturi.charging_users.dates import day_end, day_start, local_day, parse_day
from laturi.charging_users.service import TokenInput, UserDetail, UserInput
from laturi.errors import LaturiError, ValidationFailed
from laturi.models import AuthToken
from laturi.web.pages import form_int

TOKEN_FIELD = re.compile(r"^tokens-(\d+)-(\w+)$")
USER_FIELDS = ("first_name", "last_name", "email", "user_group_id", "active", "version")


@dataclass
class TokenRow:
    """One token block as typed (strings), or as shown for a stored token."""

    pk: str = ""
    id_tag: str = ""
    name: str = ""
    active: str = "1"
    valid_from: str = ""
    valid_to: str = ""
    infinite: bool = True
    delete: bool = False


def blank_form() -> dict[str, Any]:
    return {"active": "1", "group_ids": [], "station_ids": [], "tokens": [TokenRow()]}


def stored_form(detail: UserDetail, time_zone: str) -> dict[str, Any]:
    """The edit form filled with the user as stored."""
    user = detail.user
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email or "",
        "user_group_id": str(user.user_group_id or ""),
        "active": "1" if user.active else "0",
        "version": str(user.version),
        "group_ids": [str(i) for i in detail.rights.groups],
        "station_ids": [str(i) for i in detail.rights.stations],
        "tokens": [_stored_token(t, time_zone) for t in detail.tokens],
    }


def _stored_token(token: AuthToken, time_zone: str) -> TokenRow:
    end = token.valid_to
    return TokenRow(
        pk=str(token.id),
        id_tag=token.id_tag,
        name=token.name,
        active="1" if token.active else "0",
        valid_from=local_day(token.valid_from, time_zone).isoformat(),
        valid_to=local_day(end, time_zone).isoformat() if end else "",
        infinite=end is None,
    )


def read(form: FormData) -> dict[str, Any]:
    """The submitted form as plain values, kept to show it again beside an error."""
    data: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in USER_FIELDS}
    data["group_ids"] = [str(v) for v in form.getlist("group_ids")]
    data["station_ids"] = [str(v) for v in form.getlist("station_ids")]
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        if match := TOKEN_FIELD.match(key):
            rows.setdefault(int(match[1]), {})[match[2]] = str(value).strip()
    data["tokens"] = [_token_row(rows[i]) for i in sorted(rows)]
    # Sections the form showed: a post without them leaves those parts as they are.
    data["rights_shown"] = form.get("rights_shown") == "1"
    data["tokens_shown"] = form.get("tokens_shown") == "1"
    return data


def _token_row(fields: dict[str, str]) -> TokenRow:
    known = {k: v for k, v in fields.items() if k in TokenRow.__dataclass_fields__}
    row = TokenRow(**known)  # type: ignore[arg-type]
    row.infinite, row.delete = "infinite" in fields, "delete" in fields
    return row


def to_input(
    data: dict[str, Any], stored: dict[int, AuthToken], time_zone: str
) -> tuple[UserInput, list[int]]:
    """The service's input, and for each of its tokens the block it came from."""
    tokens, blocks = [], []
    for index, row in enumerate(data["tokens"]):
        if row.delete or _untouched(row):
            continue
        tokens.append(_token_input(index, row, stored, time_zone))
        blocks.append(index)
    user = UserInput(
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"] or None,
        user_group_id=form_int(data["user_group_id"]),
        active=data["active"] != "0",
        group_ids=_ids(data["group_ids"]) if data["rights_shown"] else None,
        station_ids=_ids(data["station_ids"]) if data["rights_shown"] else None,
        tokens=tokens if data["tokens_shown"] else None,
        version=form_int(data["version"]),
    )
    return user, blocks


def _untouched(row: TokenRow) -> bool:
    """A new token block left empty (the add form offers one) is no token."""
    return not (row.pk or row.id_tag or row.name)


def _token_input(
    index: int, row: TokenRow, stored: dict[int, AuthToken], time_zone: str
) -> TokenInput:
    current = stored.get(form_int(row.pk) or 0)
    start = _day(row.valid_from, f"tokens.{index}.valid_from")
    end = None if row.infinite else _day(row.valid_to, f"tokens.{index}.valid_to")
    was_start = current.valid_from if current else None
    was_end = current.valid_to if current else None
    return TokenInput(
        id=current.id if current else form_int(row.pk),
        id_tag=row.id_tag,
        name=row.name,
        active=row.active != "0",
        # An unchanged day keeps the stored moment (the API may have set a time of day).
        valid_from=_same_day(was_start, start, time_zone)
        or (day_start(start, time_zone) if start else None),
        valid_to=_same_day(was_end, end, time_zone) or (day_end(end, time_zone) if end else None),
    )


def _same_day(stored: datetime | None, typed: date | None, time_zone: str) -> datetime | None:
    if stored is not None and typed is not None and local_day(stored, time_zone) == typed:
        return stored
    return None


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    if (day := parse_day(text)) is None:
        raise ValidationFailed("Select a date.", field=field)
    return day


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def errors_of(err: LaturiError, blocks: list[int] | None) -> dict[str, str]:
    """The error beside its field; a token's field points at the block it came from."""
    field = err.field or "_"
    parts = field.split(".")
    if blocks is not None and parts[0] == "tokens" and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        field = f"tokens.{blocks[index] if index < len(blocks) else index}.{parts[2]}"
    return {field: err.message}
