"""Sessions for report tests: recorded as the OCPP edge would, names and all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import AuthToken, ChargingUser, Station, Transaction


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def add_session(
    session: AsyncSession,
    station: Station,
    *,
    ended: datetime | None,
    wh: int,
    user: ChargingUser | None = None,
    token: AuthToken | None = None,
    connector: int = 1,
    hours: float = 1.0,
    free: bool = False,
    last_wh: int | None = None,
) -> Transaction:
    """A session of `wh` Wh that ended at `ended` (None: still open, started an hour ago)."""
    start = (ended or datetime.now(UTC)) - timedelta(hours=hours)
    tx = Transaction(
        station_id=station.id,
        connector_id=connector,
        id_tag=token.id_tag if token else "FREE",
        token_id=token.id if token else None,
        charging_user_id=user.id if user else None,
        charging_user_name=user.full_name if user else None,
        token_name=token.name if token else None,
        authorization_status="Accepted",
        free_charging=free,
        meter_start=1000,
        started_at=start,
        meter_stop=None if ended is None else 1000 + wh,
        stopped_at=ended,
        stop_reason=None if ended is None else "Local",
        last_meter_wh=last_wh,
        last_meter_at=None if last_wh is None else start + timedelta(minutes=30),
    )
    session.add(tx)
    await session.flush()
    return tx
