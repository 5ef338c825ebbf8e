"""The demo holds the manual's charging users and user groups."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from laturi import demo
from laturi.auth.repository import operator_by_username
from laturi.auth.service import actor_for
from laturi.charging_users import service
from laturi.charging_users.user_groups import service as user_groups
from laturi.kit.pagination import ListQuery


async def test_the_manuals_users_and_groups(session: AsyncSession) -> None:
    await demo.load(session)
    alpha = await operator_by_username(session, "alpha")
    beta = await operator_by_username(session, "beta")
    assert alpha is not None and beta is not None
    everyone = await service.list_users(
        session, await actor_for(session, alpha), ListQuery(size=50)
    )
    names = {r.user.full_name for r in everyone.items}
    assert {"Scrooge McDuck", "Donald Duck", "Gosalyn Mallard", "Drake Mallard"} <= names
    assert "Flintheart Glomgold" in names and everyone.total == 10
    scrooge = next(r for r in everyone.items if r.user.first_name == "Scrooge")
    assert (scrooge.user.email, scrooge.user_group, scrooge.tokens) == (
        "scrooge@duckburg.com",
        "Company managers",
        1,
    )
    groups = await user_groups.list_user_groups(
        session, await actor_for(session, alpha), ListQuery(sort="name")
    )
    assert [(r.group.name, r.members) for r in groups.items] == [
        ("Company managers", 2),
        ("Guests", 3),
        ("Senior company workers", 2),
        ("Subcontractors", 3),
    ]
    # beta (ACME Pine Mall) sees the Pine Mall workers and Scrooge, whose right covers all malls.
    pine = await service.list_users(session, await actor_for(session, beta), ListQuery())
    assert {r.user.full_name for r in pine.items} == {"Scrooge McDuck", "Donald Duck", "Daisy Duck"}
