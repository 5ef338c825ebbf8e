"""Property tests: the rule in the database agrees with a plain reference model.

Each example builds a fresh organisation (random group tree, stations, users with random
rights, tokens with random windows) beside a second organisation holding the same token ids,
then asks every station about every token at a random moment.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users.authorization import (
    AuthorizationStatus,
    authorize,
    tokens_valid_at,
)
from laturi.models import ChargingGroup, Organization, Station
from tests.fixtures.factories import (
    create_charging_user,
    create_group,
    create_organization,
    create_station,
    create_token,
)

BASE = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
S = AuthorizationStatus
_names = itertools.count()


@dataclass(frozen=True)
class TokenSpec:
    tag: str
    active: bool
    start: int  # hours from BASE
    end: int | None  # hours from BASE; None: valid infinitely


@dataclass(frozen=True)
class UserSpec:
    active: bool
    groups: frozenset[int]
    stations: frozenset[int]
    tokens: tuple[TokenSpec, ...]


@dataclass(frozen=True)
class Network:
    parents: tuple[int | None, ...]  # parents[i] < i; the root has None
    station_groups: tuple[int | None, ...]  # None: an orphan station
    users: tuple[UserSpec, ...]


@st.composite
def networks(draw: st.DrawFn) -> Network:
    size = draw(st.integers(1, 7))
    parents = (None, *(draw(st.integers(0, i - 1)) for i in range(1, size)))
    station_groups = tuple(
        draw(st.lists(st.one_of(st.none(), st.integers(0, size - 1)), min_size=1, max_size=5))
    )
    tags = iter(
        draw(
            st.lists(
                st.text("0123456789ABCDEF", min_size=4, max_size=8),
                unique_by=str.lower,
                min_size=8,
                max_size=8,
            )
        )
    )
    users = []
    for _ in range(draw(st.integers(1, 3))):
        tokens = []
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.integers(-3, 3))
            end = draw(st.one_of(st.none(), st.integers(start, 4)))
            tokens.append(TokenSpec(next(tags), draw(st.booleans()), start, end))
        users.append(
            UserSpec(
                active=draw(st.booleans()),
                groups=draw(st.frozensets(st.integers(0, size - 1), max_size=3)),
                stations=draw(st.frozensets(st.integers(0, len(station_groups) - 1), max_size=2)),
                tokens=tuple(tokens),
            )
        )
    return Network(parents, station_groups, tuple(users))


def expected(net: Network, station: int, tag: str, at: int) -> AuthorizationStatus:
    """The reference model: the issue's rule written as plainly as possible."""
    for user in net.users:
        for token in user.tokens:
            if token.tag.lower() == tag.lower():
                return _expected_for(net, user, token, station, at)
    return S.INVALID


def _expected_for(net: Network, user: UserSpec, token: TokenSpec, station: int, at: int) -> S:
    if not token.active:
        return S.BLOCKED
    if at < token.start or (token.end is not None and at > token.end):
        return S.EXPIRED
    if not user.active:
        return S.BLOCKED
    return S.ACCEPTED if _covered(net, user, station) else S.BLOCKED


def _covered(net: Network, user: UserSpec, station: int) -> bool:
    if station in user.stations:
        return True
    group = net.station_groups[station]
    while group is not None:
        if group in user.groups:
            return True
        group = net.parents[group]
    return False


async def _build(
    session: AsyncSession, net: Network, everything: bool = False
) -> tuple[Organization, list[Station]]:
    """Write the network into a fresh organisation; `everything`: users may charge anywhere."""
    org = await create_organization(session, name=f"P{next(_names)}")
    groups: list[ChargingGroup] = []
    for parent in net.parents:
        groups.append(
            await create_group(
                session, organization=org, parent=None if parent is None else groups[parent]
            )
        )
    stations = [
        await create_station(session, group=None if g is None else groups[g], organization=org)
        for g in net.station_groups
    ]
    for spec in net.users:
        user = await create_charging_user(
            session,
            organization=org,
            active=spec.active or everything,
            groups=[groups[0]] if everything else [groups[g] for g in spec.groups],
            stations=stations if everything else [stations[s] for s in spec.stations],
        )
        for t in spec.tokens:
            await create_token(
                session,
                user=user,
                id_tag=t.tag,
                active=t.active or everything,
                valid_from=BASE + t.start * HOUR - (100 * HOUR if everything else 0 * HOUR),
                valid_to=None if everything or t.end is None else BASE + t.end * HOUR,
            )
    return org, stations


def _tags(net: Network) -> list[str]:
    return [t.tag for u in net.users for t in u.tokens]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(net=networks(), at=st.integers(-4, 5), flip=st.booleans())
async def test_authorize_agrees_with_the_reference_model(
    session: AsyncSession, net: Network, at: int, flip: bool
) -> None:
    org, stations = await _build(session, net)
    # A second organisation with the same token ids, all of them usable everywhere there.
    await _build(session, net, everything=True)
    moment = BASE + at * HOUR
    for index, station in enumerate(stations):
        for tag in [*_tags(net), "NOT-A-TOKEN"]:
            asked = tag.swapcase() if flip else tag
            answer = await authorize(
                session, organization_id=org.id, station_id=station.id, id_tag=asked, at=moment
            )
            assert answer.status is expected(net, index, tag, at), (index, tag)
            assert (answer.token_id is None) == (answer.status is S.INVALID)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(net=networks(), at=st.integers(-4, 5))
async def test_the_local_list_is_exactly_the_accepted_tokens(
    session: AsyncSession, net: Network, at: int
) -> None:
    org, stations = await _build(session, net)
    await _build(session, net, everything=True)
    moment = BASE + at * HOUR
    for index, station in enumerate(stations):
        listed = await tokens_valid_at(
            session, organization_id=org.id, station_id=station.id, at=moment
        )
        wanted = {tag for tag in _tags(net) if expected(net, index, tag, at) is S.ACCEPTED}
        assert {tag for tag, _ in listed} == wanted
        assert all(a.status is S.ACCEPTED for _, a in listed)
