"""The demo data of the manual: ACME's shopping malls, its operators, and a second organisation."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.repository import operator_by_username
from laturi.charging_users import demo as charging_users_demo
from laturi.charging_users.user_groups import demo as user_groups_demo
from laturi.invoices import demo as invoices_demo
from laturi.models import ChargingGroup, Organization
from laturi.models.operator import Level
from laturi.organizations.service import create_operator, create_organization
from laturi.schedules import demo as schedules_demo
from laturi.sessions import demo as demo_sessions
from laturi.stations import demo as demo_stations

DEMO_PASSWORD = "Laturi-demo-1"
ACME = "ACME"
OTHER = "Globex"
MALLS = ("ACME Pine Mall", "ACME Birch Mall", "ACME Maple Mall")

# username, level, base group, first name, last name
OPERATORS = [
    ("alpha", Level.ADMIN, "ACME Shopping Malls", "Alpha", "Operator"),
    ("beta", Level.BASIC, "ACME Pine Mall", "Beta", "Operator"),
    ("gamma", Level.ADMIN, "ACME Maple Mall", "Gamma", "Operator"),
]


async def is_loaded(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(Organization)))


async def load(session: AsyncSession) -> list[tuple[str, str]]:
    """Create the demo once; returns the (username, organisation) log-ins made."""
    if await is_loaded(session):
        return []
    acme = await create_organization(session, ACME, "ACME Shopping Malls")
    root = (
        await session.scalars(select(ChargingGroup).where(ChargingGroup.organization_id == acme.id))
    ).one()
    groups = {root.name: root}
    for mall in MALLS:
        group = ChargingGroup(organization_id=acme.id, parent_id=root.id, name=mall)
        session.add(group)
        groups[mall] = group
    await session.flush()
    made = []
    for username, level, base, first, last in OPERATORS:
        await create_operator(
            session,
            base_group=groups[base],
            username=username,
            email=f"{username}@acme.example",
            password=DEMO_PASSWORD,
            level=level,
            first_name=first,
            last_name=last,
        )
        made.append((username, ACME))
    await _charging_users(session, groups)
    await demo_stations.load(session, [groups[mall] for mall in MALLS])
    await demo_sessions.load(session)
    await invoices_demo.load(session)
    await schedules_demo.load(session)
    other = await create_organization(session, OTHER, "Globex Parking")
    other_root = (
        await session.scalars(
            select(ChargingGroup).where(ChargingGroup.organization_id == other.id)
        )
    ).one()
    session.add(
        ChargingGroup(organization_id=other.id, parent_id=other_root.id, name="Globex Garage")
    )
    await create_operator(
        session,
        base_group=other_root,
        username="omega",
        email="omega@globex.example",
        password=DEMO_PASSWORD,
        level=Level.ADMIN,
        first_name="Omega",
        last_name="Operator",
    )
    made.append(("omega", OTHER))
    return made


async def _charging_users(session: AsyncSession, groups: dict[str, ChargingGroup]) -> None:
    """The manual's charging users with tokens and user groups, made by alpha."""
    alpha = await operator_by_username(session, "alpha")
    assert alpha is not None
    user_groups = await user_groups_demo.load(session, alpha)
    await charging_users_demo.load(session, alpha, groups, user_groups)
