"""The local authorization list each station holds: what to send it and what it accepted.

OCPP 1.6 SendLocalList: the version is one more than the last one the station accepted
from us (or reported). A full update carries every token valid at the station now; a
differential one only what changed since the list the station accepted, an entry without
idTagInfo removing its tag. Entries the operator gives are sent as given (odd requests
reach the station so that its answer can be seen), and whatever the station accepts is
what we then know it holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.errors import ValidationFailed
from laturi.kit.time import utcnow
from laturi.models import LocalList, LocalListEntry, Station
from laturi.sessions.authorization import local_list

Payload = dict[str, Any]
FULL = "Full"
DIFFERENTIAL = "Differential"
NOT_SUPPORTED = -1  # GetLocalListVersion's answer from a station without a local list
NEEDS_FULL = "The station's local list is not known: send a full update first."

Held = tuple[str, datetime | None]  # status, expiry


async def request(session: AsyncSession, station: Station, params: Payload) -> Payload:
    """SendLocalList's payload: what the operator gave, completed from the valid tokens."""
    held = await session.get(LocalList, station.id)
    update = params.get("updateType", FULL)
    payload = {"updateType": update, "listVersion": (held.version if held else 0) + 1, **params}
    if "localAuthorizationList" in params:
        return payload
    wanted = await local_list(
        session, organization_id=station.organization_id, station_id=station.id
    )
    if update != DIFFERENTIAL:
        return {**payload, "localAuthorizationList": wanted}
    if held is None or not held.known:
        raise ValidationFailed(NEEDS_FULL, field="updateType")
    changes = _difference(await _entries(session, station.id), wanted)
    return {**payload, "localAuthorizationList": changes}


async def accepted(session: AsyncSession, station_id: int, sent: Payload) -> None:
    """The station accepted `sent`: it now holds that list, at that version."""
    held = await session.get(LocalList, station_id)
    full = sent.get("updateType") == FULL
    if held is None:
        held = LocalList(station_id=station_id, version=0, known=full)
        session.add(held)
        await session.flush()
    if full:
        await _forget_entries(session, station_id)
        held.known = True
    for item in sent.get("localAuthorizationList") or []:
        await session.execute(
            delete(LocalListEntry).where(
                LocalListEntry.station_id == station_id, LocalListEntry.id_tag == item["idTag"]
            )
        )
        info = item.get("idTagInfo")
        if info is not None:
            status, expires_at = _held(info)
            await session.execute(
                insert(LocalListEntry).values(
                    station_id=station_id,
                    id_tag=item["idTag"],
                    status=status,
                    expires_at=expires_at,
                )
            )
    held.version, held.updated_at = int(sent["listVersion"]), utcnow()
    await session.flush()


async def reported(session: AsyncSession, station_id: int, version: int) -> None:
    """GetLocalListVersion's answer: -1 no local list, 0 an empty one, else its version."""
    held = await session.get(LocalList, station_id)
    if held is not None and held.version == version and held.known:
        return
    if held is not None:
        await _forget_entries(session, station_id)
    if version == NOT_SUPPORTED:
        if held is not None:
            await session.delete(held)
            await session.flush()
        return
    if held is None:
        held = LocalList(station_id=station_id, version=version)
        session.add(held)
    # An empty list is known; any other version than ours has a content we never sent.
    held.version, held.known, held.updated_at = version, version == 0, utcnow()
    await session.flush()


async def version(session: AsyncSession, station_id: int) -> int | None:
    """The version of the list the station holds as far as we know; None: no list."""
    held = await session.get(LocalList, station_id)
    return held.version if held else None


async def held_tags(session: AsyncSession, station_id: int) -> list[str]:
    """The id tags the station holds as far as we know, sorted."""
    return sorted((await _entries(session, station_id)).keys())


def _difference(held: dict[str, Held], wanted: list[Payload]) -> list[Payload]:
    """Entries to add or change, then removals (tags the station holds but may no longer)."""
    wanted_tags = {item["idTag"] for item in wanted}
    changed = [item for item in wanted if held.get(item["idTag"]) != _held(item["idTagInfo"])]
    removed = [{"idTag": tag} for tag in sorted(held) if tag not in wanted_tags]
    return changed + removed


def _held(info: Payload) -> Held:
    expiry = info.get("expiryDate")
    return str(info["status"]), datetime.fromisoformat(expiry) if expiry else None


async def _entries(session: AsyncSession, station_id: int) -> dict[str, Held]:
    query = select(LocalListEntry).where(LocalListEntry.station_id == station_id)
    rows = (await session.scalars(query)).all()
    return {row.id_tag: (row.status, row.expires_at) for row in rows}


async def _forget_entries(session: AsyncSession, station_id: int) -> None:
    await session.execute(delete(LocalListEntry).where(LocalListEntry.station_id == station_id))
