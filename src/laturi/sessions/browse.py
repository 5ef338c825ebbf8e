"""Charging sessions as operators browse them across their domain: list, detail, closing.

The filters an edge receives are checked here against the operator's domain: an id the
operator may not see is refused by name, never silently dropped, so a filter cannot be
used to learn what lies outside the domain.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users import repository as users
from laturi.errors import Conflict, NotFound, ValidationFailed
from laturi.groups import repository as groups
from laturi.grouptree.repository import subtree_ids
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import utcnow
from laturi.models import MeterValue, OcppMessage, Transaction
from laturi.models.station_event import EventKind
from laturi.sessions import browse_repository as repository
from laturi.sessions import repository as transactions
from laturi.sessions.browse_repository import SessionRow
from laturi.sessions.periods import Period
from laturi.sessions.selection import Selection
from laturi.stations import lifecycle
from laturi.stations import repository as stations
from laturi.stations.repository import Scope

NOT_FOUND = "Charging session does not exist."
ALREADY_ENDED = "The charging session has already ended."
OPERATOR_REASON = "Other"  # OCPP's Reason for a stop nobody at the station made
GROUP_NOT_FOUND = "Charging group does not exist in your domain."
MAX_IDS = 500  # per filter: enough for any form, bounded for the query


@dataclass(frozen=True)
class Filters:
    """Filters as an edge read them, before they are checked against the domain."""

    first: date | None = None
    last: date | None = None
    group_ids: Sequence[int] = ()
    station_ids: Sequence[int] = ()
    points: Sequence[tuple[int, int]] = ()
    charging_user_ids: Sequence[int] = ()
    user_group_ids: Sequence[int] = ()
    token_ids: Sequence[int] = ()
    search: str = ""
    state: str = ""


@dataclass(frozen=True)
class SessionDetail:
    row: SessionRow
    transaction: Transaction
    samples: Sequence[MeterValue]
    messages: Sequence[OcppMessage] = field(default_factory=tuple)


async def selection_for(
    session: AsyncSession, actor: Actor, filters: Filters
) -> tuple[Scope, Selection]:
    """The operator's scope and the checked selection; ids outside the domain are refused."""
    actor.require(Permission.VIEW)
    scope = await stations.scope_of(session, actor)
    for name, ids in (
        ("group_ids", filters.group_ids),
        ("station_ids", filters.station_ids),
        ("charging_user_ids", filters.charging_user_ids),
        ("user_group_ids", filters.user_group_ids),
        ("token_ids", filters.token_ids),
        ("points", filters.points),
    ):
        if len(ids) > MAX_IDS:
            raise ValidationFailed(f"Choose at most {MAX_IDS}.", field=name)
    if filters.state not in ("", "open", "closed"):
        raise ValidationFailed("Choose open or closed sessions.", field="state")
    return scope, Selection(
        period=_period(filters, actor),
        group_ids=await _subtrees(session, actor, filters.group_ids),
        station_ids=await _stations(session, actor, filters.station_ids, "station_ids"),
        points=await _points(session, actor, filters.points),
        charging_user_ids=await _users(session, actor, filters.charging_user_ids),
        user_group_ids=await _user_groups(session, actor, filters.user_group_ids),
        token_ids=await _tokens(session, actor, filters.token_ids),
        search=ListQuery(search=filters.search).escaped_search() if filters.search else "",
        state=filters.state,
    )


async def list_sessions(
    session: AsyncSession, actor: Actor, filters: Filters, query: ListQuery
) -> Page[SessionRow]:
    """Sessions of the domain: open ones first with their live energy, then newest."""
    scope, selection = await selection_for(session, actor, filters)
    rows, total = await repository.page(session, scope, selection, query)
    return Page(rows, total, query)


async def station_sessions(
    session: AsyncSession, actor: Actor, station_id: int, filters: Filters, query: ListQuery
) -> Page[SessionRow]:
    """One station's sessions (its Sessions tab)."""
    chosen = replace(filters, station_ids=(station_id,))
    await _station(session, actor, station_id)
    return await list_sessions(session, actor, chosen, query)


async def session_detail(session: AsyncSession, actor: Actor, transaction_id: int) -> SessionDetail:
    """A session with its meter values and, for admins, its OCPP messages."""
    actor.require(Permission.VIEW)
    scope = await stations.scope_of(session, actor)
    row = await repository.row_of(session, scope, transaction_id)
    found = await repository.one(session, scope, transaction_id)
    if row is None or found is None:
        raise NotFound(NOT_FOUND)
    samples = await transactions.samples_of(session, found.id)
    messages: Sequence[OcppMessage] = ()
    if actor.can(Permission.READ_OCPP_LOG):
        messages = await repository.messages_of(session, found)
    return SessionDetail(row, found, samples, messages)


async def close_session(session: AsyncSession, actor: Actor, transaction_id: int) -> Transaction:
    """End a session its station never will: at its last known reading, marked as the
    operator's, with who and when. The station's own later stop, if it ever comes, is
    answered and ignored like any repeated stop.
    """
    actor.require(Permission.SEND_COMMANDS)
    found = await repository.one(session, await stations.scope_of(session, actor), transaction_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    if not found.is_open:
        raise Conflict(ALREADY_ENDED)
    now = utcnow()
    found.meter_stop = found.last_meter_wh if found.last_meter_wh is not None else found.meter_start
    found.stopped_at, found.stop_reason = now, OPERATOR_REASON
    found.closed_by_operator_id, found.closed_by_username = actor.operator_id, actor.username
    found.closed_by_operator_at = now
    info = (
        f"Transaction {found.id} closed by operator {actor.username} "
        f"with meter {found.meter_stop} Wh"
    )
    await lifecycle.note(session, found.station_id, EventKind.OPERATOR_CLOSE, info)
    await session.flush()
    return found


def _period(filters: Filters, actor: Actor) -> Period | None:
    if filters.first is None and filters.last is None:
        return None
    first = filters.first or filters.last
    last = filters.last or filters.first
    assert first is not None and last is not None
    if last < first:
        raise ValidationFailed("TO must be on or after FROM.", field="to")
    return Period(first, last, actor.time_zone)


async def _station(session: AsyncSession, actor: Actor, station_id: int) -> None:
    if await stations.visible(session, actor, station_id) is None:
        raise NotFound("Charging station does not exist.")


async def _subtrees(
    session: AsyncSession, actor: Actor, group_ids: Collection[int]
) -> frozenset[int] | None:
    if not group_ids:
        return None
    chosen: set[int] = set()
    for group_id in set(group_ids):
        if await groups.get(session, actor, group_id) is None:
            raise ValidationFailed(
                "Charging group does not exist in your domain.", field="group_ids"
            )
        chosen |= await subtree_ids(session, group_id)
    return frozenset(chosen & actor.domain)


async def _stations(
    session: AsyncSession, actor: Actor, station_ids: Collection[int], name: str
) -> frozenset[int]:
    for station_id in set(station_ids):
        if await stations.visible(session, actor, station_id) is None:
            raise ValidationFailed("Charging station does not exist.", field=name)
    return frozenset(station_ids)


async def _points(
    session: AsyncSession, actor: Actor, points: Collection[tuple[int, int]]
) -> frozenset[tuple[int, int]]:
    await _stations(session, actor, {s for s, _ in points}, "points")
    return frozenset(points)


async def _users(session: AsyncSession, actor: Actor, ids: Collection[int]) -> frozenset[int]:
    if not ids:
        return frozenset()
    scope = await users.scope_for(session, actor)
    found = {u.id for u in await users.visible_users(session, scope, set(ids))}
    if found != set(ids):
        raise ValidationFailed("Charging user does not exist.", field="charging_user_ids")
    return frozenset(found)


async def _user_groups(session: AsyncSession, actor: Actor, ids: Collection[int]) -> frozenset[int]:
    for group_id in set(ids):
        if await users.user_group(session, actor.organization_id, group_id) is None:
            raise ValidationFailed("Charging user group does not exist.", field="user_group_ids")
    return frozenset(ids)


async def _tokens(session: AsyncSession, actor: Actor, ids: Collection[int]) -> frozenset[int]:
    if not ids:
        return frozenset()
    owners = await repository.token_owners(session, actor.organization_id, set(ids))
    scope = await users.scope_for(session, actor)
    visible = {u.id for u in await users.visible_users(session, scope, set(owners.values()))}
    if set(owners) != set(ids) or not set(owners.values()) <= visible:
        raise ValidationFailed("Token does not exist.", field="token_ids")
    return frozenset(ids)
