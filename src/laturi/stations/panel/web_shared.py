"""What the station panel modules share: parsing helpers and how values are shown."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.bus import Presence
from laturi.models import StationEvent
from laturi.models.station_event import EventKind
from laturi.stations.panel import service as panel

# What each kind of event says in the feed's Info column when the station gave no text.
EVENT_LABELS = {
    EventKind.STATUS: "Status update",
    EventKind.BOOT: "Boot",
    EventKind.CONNECT: "Connected",
    EventKind.DISCONNECT: "Disconnected",
    EventKind.AUTH_FAILED: "Connection refused: wrong credentials",
    EventKind.FIRMWARE: "Firmware status",
    EventKind.DIAGNOSTICS: "Diagnostics status",
    EventKind.DATA_TRANSFER: "Data transfer",
    EventKind.UNKNOWN_STOP: "Stop of an unknown transaction",
    EventKind.REBOOT_CLOSE: "Transaction closed at reboot",
    EventKind.OPERATOR_CLOSE: "Transaction closed by an operator",
    EventKind.COMMAND: "Command",
}
STATUS_COLOURS = {
    "Available": "success",
    "Charging": "primary",
    "Preparing": "info",
    "Finishing": "info",
    "SuspendedEV": "warning",
    "SuspendedEVSE": "warning",
    "Reserved": "secondary",
    "Unavailable": "secondary",
    "Faulted": "danger",
    "Offline": "dark",
}
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def humanize(code: str | None) -> str:
    """An OCPP code as the manual writes it: NoError -> No error."""
    if not code:
        return ""
    words = _WORD.findall(code)
    head = [words[0]] if words else []
    tail = [w if w.isupper() else w.lower() for w in words[1:]]
    return " ".join(head + tail)


def event_info(event: StationEvent) -> str:
    label = EVENT_LABELS.get(EventKind(event.kind), str(event.kind))
    if event.info and event.kind == EventKind.STATUS:
        return event.info
    return f"{label}: {event.info}" if event.info else label


def status_colour(status: str | None) -> str:
    return STATUS_COLOURS.get(status or "", "secondary")


def kwh(wh: int | None) -> str:
    return f"{(wh or 0) / 1000:.2f}"


def clock(value: datetime, time_zone: str) -> str:
    """A moment to the second in the operator's zone, day-month-year (the message log)."""
    return value.astimezone(ZoneInfo(time_zone)).strftime("%d.%m.%Y %H:%M:%S")


PRESENTATION: dict[str, Any] = {
    "clock": clock,
    "humanize": humanize,
    "event_info": event_info,
    "status_colour": status_colour,
    "kwh": kwh,
}


async def station_context(
    session: AsyncSession, actor: Actor, station_id: int, presence: Presence, header: bool = True
) -> dict[str, Any]:
    """The station view's header and charging points, for every tab of the view."""
    found = await panel.overview(session, actor, station_id, presence, header=header)
    return {
        "overview": found,
        "row": found.detail.row,
        "station": found.detail.row.station,
        "station_id": station_id,
        **PRESENTATION,
    }
