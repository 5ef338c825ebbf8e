"""REST routes for charging sessions across the operator's domain."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Query

from laturi.api.schemas import PageOut
from laturi.auth.dependencies import ApiActor
from laturi.http import DbSession
from laturi.kit.pagination import ListQuery
from laturi.sessions import browse, filter_params
from laturi.sessions.browse_repository import SessionRow
from laturi.sessions.schemas import SessionDetailOut, SessionOut
from laturi.stations.panel.api_activity import meter_out
from laturi.stations.schemas import MessageOut, MeterValueOut

router = APIRouter(prefix="/sessions", tags=["charging sessions"])

SORT_HELP = "start, end, station, point, user, token, energy; a leading '-' sorts descending"


def api_filters(
    from_: str = Query("", alias="from", description="First local day, YYYY-MM-DD"),
    to: str = Query("", description="Last local day (included)"),
    group: list[str] = Query([], description="Charging group ids: their whole subtrees"),
    station: list[str] = Query([], description="Charging station ids"),
    point: list[str] = Query([], description="Charging points as station_id:connector_id"),
    user: list[str] = Query([], description="Charging user ids"),
    user_group: list[str] = Query([], description="Charging user group ids"),
    token: list[str] = Query([], description="Token ids; none chosen: every session"),
    q: str = Query("", description="Search id tag, user, token name, station"),
    state: str = Query("", description="open, closed, or empty for both"),
) -> browse.Filters:
    """The filters shared by sessions and reports (a session is in a period it ended in)."""
    values = {
        "from": [from_],
        "to": [to],
        "group": group,
        "station": station,
        "point": point,
        "user": user,
        "user_group": user_group,
        "token": token,
        "q": [q],
        "state": [state],
    }
    return filter_params.parse(lambda name: values.get(name, []))


def session_out(row: SessionRow) -> SessionOut:
    return SessionOut(**asdict(row))


@router.get("")
async def list_sessions(
    actor: ApiActor,
    session: DbSession,
    filters: browse.Filters = Depends(api_filters),
    sort: str = Query("", description=SORT_HELP),
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=500),
) -> PageOut[SessionOut]:
    """Sessions of your domain: open ones first (with their energy so far), then newest."""
    query = ListQuery.parse(search=None, sort=sort, page=page, size=size)
    found = await browse.list_sessions(session, actor, filters, query)
    items = [session_out(r) for r in found.items]
    return PageOut(items=items, total=found.total, page=page, size=size)


@router.get("/{transaction_id}")
async def get_session(transaction_id: int, actor: ApiActor, session: DbSession) -> SessionDetailOut:
    """A session with its meter values and, for admins, the station's OCPP frames meanwhile."""
    found = await browse.session_detail(session, actor, transaction_id)
    tx = found.transaction
    return SessionDetailOut(
        **asdict(found.row),
        closed_by_operator_at=tx.closed_by_operator_at,
        meter_start=tx.meter_start,
        meter_stop=tx.meter_stop,
        meter_values=[meter_out(s) for s in found.samples],
        messages=[MessageOut.model_validate(m, from_attributes=True) for m in found.messages],
    )


@router.get("/{transaction_id}/meter-values")
async def meter_values(
    transaction_id: int, actor: ApiActor, session: DbSession
) -> list[MeterValueOut]:
    found = await browse.session_detail(session, actor, transaction_id)
    return [meter_out(s) for s in found.samples]


@router.post("/{transaction_id}/close", responses={409: {"description": "Already ended"}})
async def close_session(transaction_id: int, actor: ApiActor, session: DbSession) -> SessionOut:
    """End a session its station will never stop, at its last known reading."""
    await browse.close_session(session, actor, transaction_id)
    found = await browse.session_detail(session, actor, transaction_id)
    return session_out(found.row)
