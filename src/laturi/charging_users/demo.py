"""The manual's charging users, for the demo organisation ACME."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.charging_users import service
from laturi.charging_users.service import TokenInput, UserInput
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup, Operator

SINCE = datetime(2018, 4, 13, tzinfo=UTC)

# first, last, e-mail, user group, charging group, token id, token name
USERS = [
    ("Scrooge", "McDuck", "scrooge", "Company managers", "ACME Shopping Malls", "12345678",
     "Scrooge's home charger"),
    ("Flintheart", "Glomgold", "flint", "Company managers", "ACME Birch Mall", "9F3A21C4",
     "Office card"),
    ("Donald", "Duck", "dduck", "Senior company workers", "ACME Pine Mall", "04A1B2C3",
     "Workplace token"),
    ("Daisy", "Duck", "daisy", "Senior company workers", "ACME Pine Mall", "04DA15E1",
     "Workplace token"),
    ("Huey", "Duck", "huey", "Guests", "ACME Maple Mall", "7E110001", "Guest card"),
    ("Dewey", "Duck", "dewey", "Guests", "ACME Maple Mall", "7E110002", "Guest card"),
    ("Louie", "Duck", "louie", "Guests", "ACME Maple Mall", "7E110003", "Guest card"),
    ("Gosalyn", "Mallard", "gosalyn", "Subcontractors", "ACME Birch Mall", "5C0FFEE1",
     "Contractor card"),
    ("Drake", "Mallard", "drake", "Subcontractors", "ACME Birch Mall", "5C0FFEE2",
     "Contractor card"),
    ("Launchpad", "McQuack", "launchpad", "Subcontractors", "ACME Birch Mall", "5C0FFEE3",
     "Contractor card"),
]  # fmt: skip


def _token(tag: str, name: str, group: str, now: datetime) -> TokenInput:
    """Guests' cards run for a month; Launchpad's expired; the rest are valid infinitely."""
    if group == "Guests":
        return TokenInput(id_tag=tag, name=name, valid_from=now, valid_to=now + timedelta(days=30))
    if tag == "5C0FFEE3":
        return TokenInput(id_tag=tag, name=name, valid_from=SINCE, valid_to=now - timedelta(days=1))
    return TokenInput(id_tag=tag, name=name, valid_from=SINCE)


async def load(
    session: AsyncSession,
    admin: Operator,
    groups: Mapping[str, ChargingGroup],
    user_groups: Mapping[str, int],
) -> None:
    """Create the users through the services, as an admin of the whole tree."""
    actor = await actor_for(session, admin)
    now = utcnow()
    for first, last, mail, user_group, group, tag, token_name in USERS:
        data = UserInput(
            first_name=first,
            last_name=last,
            email=f"{mail}@duckburg.com",
            user_group_id=user_groups[user_group],
            group_ids=[groups[group].id],
            tokens=[_token(tag, token_name, user_group, now)],
        )
        await service.create_user(session, actor, data)
