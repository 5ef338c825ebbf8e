"""A remote start obeys the rule a station's own Authorize would meet.

A station that accepts RemoteStartTransaction starts charging and then asks about the tag in
StartTransaction; a tag the rule refuses gets Invalid there, too late: the car is charging.
So the tag is judged before anything is sent, by the one rule (sessions.authorization).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.bus import Payload
from laturi.errors import ValidationFailed
from laturi.kit.time import utcnow
from laturi.models import Station
from laturi.sessions.authorization import decide


async def check(session: AsyncSession, station: Station, params: Payload) -> None:
    """Refuse, with the rule's reason, a remote start for a tag that may not charge here."""
    id_tag = params.get("idTag")
    if not isinstance(id_tag, str) or not id_tag:
        return  # the OCPP schema check names the missing or malformed tag
    decision = await decide(
        session,
        organization_id=station.organization_id,
        station_id=station.id,
        free_charging=station.free_charging,
        id_tag=id_tag,
        at=utcnow(),
    )
    if not decision.accepted:
        raise ValidationFailed(
            f"Charging refused for RFID token {id_tag}: {decision.status}, {decision.reason}."
            " Nothing was sent to the station.",
            field="idTag",
        )
