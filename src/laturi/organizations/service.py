"""Creating organisations and their first operators (the CLI and demo use these)."""

from __future__ import annotations

from collections.abc import Sequence

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth import repository as auth_repository
from laturi.auth.secrets import check_policy, hash_password
from laturi.errors import Conflict, NotFound
from laturi.kit.emails import normalize_email
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup, Operator, Organization
from laturi.models.operator import Level, OperatorStatus


async def create_organization(session: AsyncSession, name: str, root_group: str) -> Organization:
    """An organisation with its root charging group."""
    organization = Organization(name=name, slug=await free_slug(session, name))
    session.add(organization)
    await session.flush()
    session.add(ChargingGroup(organization_id=organization.id, name=root_group))
    await session.flush()
    return organization


async def free_slug(session: AsyncSession, name: str) -> str:
    """A URL segment for the organisation: its name transliterated, numbered if taken."""
    # python-slugify transliterates (Äänekoski -> aanekoski) where a regex would drop letters.
    base = slugify(name, max_length=55) or "organisation"
    taken = set(
        await session.scalars(
            select(Organization.slug).where(Organization.slug.startswith(base, autoescape=True))
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


async def by_slug(session: AsyncSession, slug: str) -> Organization | None:
    return (await session.scalars(select(Organization).where(Organization.slug == slug))).first()


async def slug_of(session: AsyncSession, organization_id: int) -> str:
    """The organisation's segment in its stations' OCPP address."""
    slug = await session.scalar(select(Organization.slug).where(Organization.id == organization_id))
    if slug is None:
        raise NotFound("Organisation does not exist.")
    return slug


async def every_organization(session: AsyncSession) -> Sequence[Organization]:
    return (await session.scalars(select(Organization).order_by(Organization.name))).all()


async def sole_organization_id(session: AsyncSession) -> int | None:
    """The organisation of a single-tenant installation; None when there are several."""
    ids = (await session.scalars(select(Organization.id).limit(2))).all()
    return ids[0] if len(ids) == 1 else None


async def find_group(session: AsyncSession, organization: str, group: str | None) -> ChargingGroup:
    """A group by organisation and name; without a name, the organisation's root group."""
    query = (
        select(ChargingGroup)
        .join(Organization, Organization.id == ChargingGroup.organization_id)
        .where(Organization.name == organization)
    )
    query = (
        query.where(ChargingGroup.name == group)
        if group
        else query.where(ChargingGroup.parent_id.is_(None))
    )
    found = (await session.scalars(query)).first()
    if found is None:
        raise NotFound(f"No charging group {group or '(root)'} in organisation {organization}.")
    return found


async def create_operator(
    session: AsyncSession,
    *,
    base_group: ChargingGroup,
    username: str,
    email: str,
    password: str,
    level: Level,
    first_name: str = "",
    last_name: str = "",
) -> Operator:
    """An active operator with a password, for provisioning without e-mail."""
    if await auth_repository.operator_by_username(session, username):
        raise Conflict("Username already exists.", field="username")
    check_policy(password, username)
    operator = Operator(
        organization_id=base_group.organization_id,
        base_group_id=base_group.id,
        username=username,
        email=normalize_email(email),
        first_name=first_name,
        last_name=last_name,
        level=level,
        status=OperatorStatus.ACTIVE,
        password_hash=hash_password(password),
        activated_at=utcnow(),
    )
    session.add(operator)
    await session.flush()
    return operator
