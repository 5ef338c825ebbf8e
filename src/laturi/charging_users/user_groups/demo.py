"""The manual's charging user groups, for the demo organisation ACME."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users.user_groups.service import UserGroupInput, create_user_group
from laturi.models import Operator

USER_GROUPS = ("Company managers", "Senior company workers", "Guests", "Subcontractors")


async def load(session: AsyncSession, admin: Operator) -> dict[str, int]:
    """The user groups by name, made through the service as an admin of the whole tree."""
    actor = await actor_for(session, admin)
    made = {}
    for name in USER_GROUPS:
        made[name] = (await create_user_group(session, actor, UserGroupInput(name))).id
    return made
