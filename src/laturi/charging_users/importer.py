"""Bulk import of charging users with their tokens from a CSV file: all rows or none.

Columns (header row required, any order, names case-insensitive; only the names are required):
first_name, last_name, email, user_group, active, token_id, token_name, token_active,
valid_from, valid_to, charging_groups, charging_stations.

- One row per token. Rows sharing an e-mail address describe one user: their user columns
  must agree (or be left empty after the first). A row without an e-mail is a user of its own.
- user_group: the name of an existing charging user group.
- active, token_active: yes/no, true/false, 1/0, active/inactive; empty means active.
- valid_from, valid_to: YYYY-MM-DD or DD.MM.YYYY (start or end of that day in the operator's
  time zone) or an ISO date and time; empty means from now and valid infinitely.
- charging_groups: group names (or #id) of your domain; charging_stations: station
  identifiers; several separated by "|".

Every row is checked with the same rules as the form; any rejected row means nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users import import_lookups, repository, service
from laturi.charging_users.dates import parse_moment
from laturi.charging_users.import_lookups import Lookups
from laturi.charging_users.keys import tag_key, text_key
from laturi.charging_users.service import TokenInput, UserInput
from laturi.errors import LaturiError, ValidationFailed

USER_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "user_group",
    "active",
    "charging_groups",
    "charging_stations",
)
TOKEN_COLUMNS = ("token_id", "token_name", "token_active", "valid_from", "valid_to")
COLUMNS = USER_COLUMNS + TOKEN_COLUMNS
MAX_ROWS = 20_000
FLAGS = {"": True, "yes": True, "true": True, "1": True, "active": True}
FLAGS |= {"no": False, "false": False, "0": False, "inactive": False}
# Where a service error's field points in the file.
FIELD_COLUMNS = {
    "user_group_id": "user_group",
    "group_ids": "charging_groups",
    "station_ids": "charging_stations",
    "id_tag": "token_id",
    "name": "token_name",
}


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file; the header is line 1
    column: str | None
    message: str


@dataclass
class ImportReport:
    users: int = 0
    tokens: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False


@dataclass
class _Draft:
    """One user to be made: the line of each of its rows and the input built from them."""

    lines: list[int]
    rows: list[dict[str, str]]
    data: UserInput | None = None
    token_lines: list[int] = field(default_factory=list)  # the line of each token, in order


async def import_users(
    session: AsyncSession, actor: Actor, content: bytes, *, dry_run: bool = False
) -> ImportReport:
    """Check every row; write every user only when no row is rejected (and not a dry run)."""
    actor.require(Permission.MANAGE_CHARGING_USERS)
    report = ImportReport()
    rows = _read(content, report)
    if report.errors:
        return report
    scope = await repository.scope_for(session, actor)
    lookups = await import_lookups.load(session, scope)
    drafts = _drafts(rows, report)
    plans = []
    for draft in drafts:
        draft.data = _input(draft, lookups, actor.time_zone, report)
        if draft.data is not None:
            plans.append(await _prepare(session, scope, draft, report))
    _repeated_tokens(drafts, report)
    report.errors = sorted(dict.fromkeys(report.errors), key=lambda e: e.line)
    report.users = len(drafts)
    report.tokens = sum(len(d.data.tokens or []) for d in drafts if d.data)
    if report.errors or dry_run:
        return report
    for plan in plans:
        if plan is not None:
            await service.write_new(session, scope, plan)
    report.written = True
    return report


def _read(content: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """The data rows keyed by column, or errors about the file itself."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(RowError(1, None, "The file is not UTF-8 text."))
        return []
    lines = text.splitlines()
    dialect = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if problem := _header_problem(header):
        report.errors.append(RowError(1, None, problem))
        return []
    rows = []
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((reader.line_num, _cells(header, cells, reader.line_num, report)))
    if len(rows) > MAX_ROWS:
        report.errors.append(RowError(1, None, f"Too many rows: {MAX_ROWS} at most per file."))
    return rows


def _header_problem(header: Sequence[str]) -> str | None:
    if unknown := [h for h in header if h not in COLUMNS]:
        return f"Unknown column: {', '.join(unknown)}. Columns are: {', '.join(COLUMNS)}."
    if missing := [c for c in ("first_name", "last_name") if c not in header]:
        return f"Missing column: {', '.join(missing)}."
    if len(set(header)) != len(header):
        return "A column appears twice in the header."
    return None


def _cells(
    header: Sequence[str], cells: list[str], line: int, report: ImportReport
) -> dict[str, str]:
    if len(cells) > len(header):
        report.errors.append(RowError(line, None, "The row has more cells than the header."))
    row = {c: "" for c in COLUMNS}
    row.update({h: v.strip() for h, v in zip(header, cells, strict=False)})
    return row


def _drafts(rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport) -> list[_Draft]:
    """Rows grouped into users by e-mail address; rows without one stand alone."""
    by_email: dict[str, _Draft] = {}
    drafts: list[_Draft] = []
    for line, row in rows:
        key = text_key(row["email"])
        draft = by_email.get(key) if key else None
        if draft is None:
            draft = _Draft([line], [row])
            drafts.append(draft)
            if key:
                by_email[key] = draft
            continue
        for column in USER_COLUMNS[:2] + USER_COLUMNS[3:]:  # the e-mail matched already
            if row[column] and row[column] != draft.rows[0][column]:
                report.errors.append(
                    RowError(
                        line, column, f"Rows with the same e-mail address disagree on {column}."
                    )
                )
        draft.lines.append(line)
        draft.rows.append(row)
    return drafts


def _input(
    draft: _Draft, lookups: Lookups, time_zone: str, report: ImportReport
) -> UserInput | None:
    """The service's input from a user's rows; None (with the errors noted) when unreadable."""
    first = draft.rows[0]
    try:
        user = UserInput(
            first_name=first["first_name"],
            last_name=first["last_name"],
            email=first["email"] or None,
            user_group_id=lookups.user_group(first["user_group"]),
            active=_flag(first["active"], "active"),
            group_ids=lookups.group_ids(first["charging_groups"]),
            station_ids=lookups.station_ids(first["charging_stations"]),
        )
    except LaturiError as err:
        report.errors.append(RowError(draft.lines[0], err.field, err.message))
        return None
    tokens = []
    for line, row in zip(draft.lines, draft.rows, strict=True):
        if any(row[c] for c in TOKEN_COLUMNS):
            try:
                tokens.append(_token(row, time_zone))
                draft.token_lines.append(line)
            except LaturiError as err:
                report.errors.append(RowError(line, err.field, err.message))
    return replace(user, tokens=tokens)


def _token(row: dict[str, str], time_zone: str) -> TokenInput:
    return TokenInput(
        id_tag=row["token_id"],
        name=row["token_name"],
        active=_flag(row["token_active"], "token_active"),
        valid_from=parse_moment(row["valid_from"], time_zone, end=False, field="valid_from"),
        valid_to=parse_moment(row["valid_to"], time_zone, end=True, field="valid_to"),
    )


def _flag(text: str, column: str) -> bool:
    value = FLAGS.get(text.lower())
    if value is None:
        raise ValidationFailed(f"Write yes or no, not {text}.", field=column)
    return value


async def _prepare(
    session: AsyncSession, scope: repository.Scope, draft: _Draft, report: ImportReport
) -> service.Plan | None:
    assert draft.data is not None
    try:
        return await service.prepare_new(session, scope, draft.data)
    except LaturiError as err:
        report.errors.append(_located(draft, err))
        return None


def _located(draft: _Draft, err: LaturiError) -> RowError:
    """A service error placed on the row and column it came from."""
    parts = (err.field or "").split(".")
    if parts[0] == "tokens" and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        line = draft.token_lines[index] if index < len(draft.token_lines) else draft.lines[0]
        return RowError(line, FIELD_COLUMNS.get(parts[2], parts[2]), err.message)
    return RowError(draft.lines[0], FIELD_COLUMNS.get(parts[0], parts[0] or None), err.message)


def _repeated_tokens(drafts: Sequence[_Draft], report: ImportReport) -> None:
    """A token id may appear once in the file (two users cannot share one)."""
    seen: set[str] = set()
    for draft in drafts:
        for line, row in zip(draft.lines, draft.rows, strict=True):
            key = tag_key(row["token_id"])
            if key and key in seen:
                report.errors.append(RowError(line, "token_id", service.TOKEN_TAKEN))
            seen.add(key)
