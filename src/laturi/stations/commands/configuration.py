"""A station's configuration keys as it last reported them.

Every GetConfiguration answer (REFRESH CONFIGURATION from the panel, or the command sent
through the API) is stored, and an accepted ChangeConfiguration updates the stored value, so
the advanced settings read without asking the station again, even while it is offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.bus import Presence
from laturi.kit.time import utcnow
from laturi.models import Station, StationConfigurationKey
from laturi.stations.commands import configuration_repository as stored_keys
from laturi.stations.service import visible_station

KEY_MAX, VALUE_MAX = 50, 500  # OCPP 1.6 CiString50 and CiString500
CHANGED = frozenset({"Accepted", "RebootRequired"})


@dataclass(frozen=True)
class StoredKey:
    key: str
    value: str | None
    readonly: bool
    read_at: datetime
    reboot_needed: bool  # changed with RebootRequired, and the station has not booted since


@dataclass(frozen=True)
class StoredConfiguration:
    """What the advanced settings show: the stored keys, and whether they can be changed now."""

    keys: Sequence[StoredKey]
    online: bool
    read_at: datetime | None  # the latest report; None: never read

    def get(self, key: str) -> StoredKey | None:
        return next((k for k in self.keys if k.key == key), None)


async def stored(
    session: AsyncSession, actor: Actor, station_id: int, presence: Presence
) -> StoredConfiguration:
    """The keys the station last reported, with the station's presence."""
    station = await visible_station(session, actor, station_id)
    rows = await stored_keys.keys_of(session, station.id)
    keys = [_stored(row, station) for row in rows]
    latest = max((k.read_at for k in keys), default=None)
    return StoredConfiguration(keys, presence.is_online(station.id), latest)


async def remember_read(
    session: AsyncSession, station_id: int, params: dict[str, Any], answer: dict[str, Any]
) -> None:
    """Store a GetConfiguration answer.

    Asked for every key, the answer is the whole configuration: keys it no longer reports are
    forgotten. Asked for some keys, only those are written, and those it calls unknown go.
    """
    now = utcnow()
    rows = {row.key: row for row in await stored_keys.keys_of(session, station_id)}
    known = set(rows)
    reported: set[str] = set()
    for item in _well_formed(answer.get("configurationKey")):
        key = str(item["key"])
        reported.add(key)
        row = rows.get(key) or _new_row(session, station_id, key)
        rows[key] = row
        row.value = _value(item.get("value"))
        row.readonly = bool(item.get("readonly", False))
        row.read_at = now
    asked = params.get("key")
    gone = {str(k) for k in answer.get("unknownKey") or []} if asked else known - reported
    for key in gone - reported:
        if key in known:
            await session.delete(rows[key])
    await session.flush()


async def remember_change(
    session: AsyncSession, station_id: int, key: str, value: str, status: str
) -> None:
    """Store a value the station accepted; RebootRequired marks it as waiting for a boot."""
    if status not in CHANGED or not 0 < len(key) <= KEY_MAX:
        return
    now = utcnow()
    row = await stored_keys.key_of(session, station_id, key)
    if row is None:
        row = _new_row(session, station_id, key)
        row.readonly = False  # the station just changed it
    row.value = _value(value)
    row.read_at = now
    row.reboot_requested_at = now if status == "RebootRequired" else None
    await session.flush()


def _stored(row: StationConfigurationKey, station: Station) -> StoredKey:
    asked = row.reboot_requested_at
    booted = station.last_boot_at
    waiting = asked is not None and (booted is None or booted < asked)
    return StoredKey(row.key, row.value, row.readonly, row.read_at, waiting)


def _new_row(session: AsyncSession, station_id: int, key: str) -> StationConfigurationKey:
    row = StationConfigurationKey(station_id=station_id, key=key)
    session.add(row)
    return row


def _well_formed(items: object) -> Iterable[dict[str, Any]]:
    """Keys that fit the schema; a station breaking it must not break the page."""
    if not isinstance(items, list):
        return []
    return [
        item
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("key"), str)
        and item["key"]
        and len(item["key"]) <= KEY_MAX
    ]


def _value(value: object) -> str | None:
    return None if value is None else str(value)[:VALUE_MAX]
