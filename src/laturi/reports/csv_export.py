"""The report as CSV: the separators a spreadsheet in the reader's locale expects.

With a decimal comma the fields are separated by semicolons (as Finnish spreadsheets read
CSV); with a decimal point, by commas. Text a spreadsheet would run as a formula is
neutralised with a leading apostrophe (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from laturi.sessions.browse_repository import SessionRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that spreadsheets read the file as UTF-8


class Decimals(StrEnum):
    COMMA = "comma"
    POINT = "point"


@dataclass(frozen=True)
class Options:
    decimals: Decimals = Decimals.COMMA

    @property
    def separator(self) -> str:
        return ";" if self.decimals is Decimals.COMMA else ","


def header(options: Options, time_zone: str) -> str:
    """The first line (after the byte-order mark): column names, times' zone stated."""
    names = [
        "Charging user",
        "Token name",
        "Token",
        "Charging station",
        "Station identifier",
        "Charging point",
        "Charging volume (kWh)",
        f"Start date & time ({time_zone})",
        f"End date & time ({time_zone})",
    ]
    return BOM + _write([names], options)


def lines(rows: Sequence[SessionRow], options: Options, time_zone: str) -> str:
    zone = ZoneInfo(time_zone)
    return _write([_cells(r, options, zone) for r in rows], options)


def kwh(energy_wh: int, options: Options) -> str:
    """Wh as kWh with three decimals, in the chosen decimal separator."""
    text = str(Decimal(energy_wh).scaleb(-3).quantize(Decimal("0.001")))
    return text.replace(".", ",") if options.decimals is Decimals.COMMA else text


def neutralise(text: str | None) -> str:
    """Text as a spreadsheet shows it, never as a formula it would run."""
    value = text or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(row: SessionRow, options: Options, zone: ZoneInfo) -> list[str]:
    return [
        neutralise(row.charging_user_name),
        neutralise(row.token_name),
        neutralise(row.id_tag),
        neutralise(row.station_name),
        neutralise(row.station_identifier),
        str(row.connector_id),
        kwh(row.energy_wh, options),
        _local(row.started_at, zone),
        _local(row.stopped_at, zone),
    ]


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    """YYYY-MM-DD HH:MM:SS in the zone (isoformat: several times faster than strftime)."""
    if moment is None:
        return ""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(" ", "seconds")


def _write(rows: list[list[str]], options: Options) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=options.separator, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
