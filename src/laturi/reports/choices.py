"""The report form's choices, within the operator's domain.

Long lists are cut at `LIMIT` entries each (a large network reaches its users and tokens
through the API's ids or the sessions list's search instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users import repository as charging_users
from laturi.groups import service as groups
from laturi.groups.service import GroupRow
from laturi.reports import repository
from laturi.stations import repository as stations

LIMIT = 1000


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Choices:
    groups: Sequence[GroupRow]
    points: Sequence[Choice]
    users: Sequence[Choice]
    user_groups: Sequence[Choice]
    tokens: Sequence[Choice]
    stations: Sequence[Choice]


async def choices(session: AsyncSession, actor: Actor) -> Choices:
    """Groups, points, users, user groups and tokens the operator may filter by."""
    actor.require(Permission.VIEW)
    scope = await stations.scope_of(session, actor)
    people = await charging_users.scope_for(session, actor)
    points = await repository.points(session, scope, LIMIT)
    visible = await repository.stations(session, scope, LIMIT)
    users = await repository.users(session, people, LIMIT)
    tokens = await repository.tokens(session, people, LIMIT)
    user_groups = await charging_users.user_groups(session, actor.organization_id)
    return Choices(
        groups=await groups.rows(session, actor),
        points=[Choice(f"{s}:{c}", f"{name} ({ident}) · {c}") for s, name, ident, c in points],
        users=[Choice(str(i), name) for i, name in users],
        user_groups=[Choice(str(g.id), g.name) for g in user_groups],
        tokens=[Choice(str(i), f"{tag} {name or ''} ({user})") for i, tag, name, user in tokens],
        stations=[Choice(str(i), f"{name} ({ident})") for i, name, ident in visible],
    )
