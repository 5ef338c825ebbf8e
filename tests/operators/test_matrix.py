"""Who may do what to whom: every operators page and endpoint, for the manual's four operators.

alpha: admin, base group A (all of organisation A): manages delta (in C) and epsilon (in B).
gamma: admin, base group C: manages delta only; epsilon (in B) is outside the domain: 404.
beta:  basic: "Access denied." (403) on all operator management; My account works.
omega: admin of organisation B: nothing of A exists for them: 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import Operator
from tests.fixtures.factories import PASSWORD
from tests.fixtures.html import refusal
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.world import World, api_token, log_in
from tests.operators.conftest import Targets, reload, submit

ACTORS = ("alpha", "gamma", "beta", "omega")
MANAGES = {"alpha": {"delta", "epsilon"}, "gamma": {"delta"}, "beta": set(), "omega": set()}
SEES = {
    "alpha": ["alpha", "beta", "delta", "epsilon", "gamma"],
    "gamma": ["delta", "gamma"],
    "omega": ["omega"],
}
DENIED, MISSING = "Access denied.", "Operator not found."

Body = Callable[[Operator], dict[str, object]] | None


def expected(actor: str, target: str, ok: int) -> int:
    if actor == "beta":
        return 403
    return ok if target in MANAGES[actor] else 404


@dataclass(frozen=True)
class Call:
    """One page or endpoint acting on an operator; `mails` if success sends the target a mail."""

    name: str
    method: str
    path: str
    body: Body
    ok: int
    mails: bool = False

    def __str__(self) -> str:
        return self.name


def edit_form(op: Operator) -> dict[str, object]:
    return {
        "email": op.email,
        "first_name": "Changed",
        "last_name": op.last_name,
        "status": "active",
        "level": "basic",
        "base_group_id": op.base_group_id,
        "version": op.version,
    }


API_CALLS = [
    Call("get", "GET", "/api/v1/operators/{id}", None, 200),
    Call("patch", "PATCH", "/api/v1/operators/{id}", lambda op: {"first_name": "Changed"}, 200),
    Call("delete", "DELETE", "/api/v1/operators/{id}", None, 204),
    Call("resend", "POST", "/api/v1/operators/{id}/invitation", None, 202, mails=True),
    Call(
        "reset",
        "POST",
        "/api/v1/operators/{id}/password-reset",
        lambda op: {"email": op.email},
        202,
        mails=True,
    ),
]

PANEL_CALLS = [
    Call("edit page", "GET", "/operators/{id}/edit", None, 200),
    Call("save", "POST", "/operators/{id}/edit", edit_form, 303),
    Call("resend", "POST", "/operators/{id}/invitation", lambda op: {"back": "list"}, 303, True),
    Call(
        "reset", "POST", "/operators/{id}/password-reset", lambda op: {"email": op.email}, 303, True
    ),
    Call("delete", "POST", "/operators/{id}/delete", lambda op: {"version": op.version}, 303),
]

CASES = list(product(ACTORS, ("delta", "epsilon")))


def changed(call: Call, before: Operator | None, after: Operator | None) -> bool:
    if call.name == "delete":
        return after is None
    assert before is not None and after is not None
    return call.method != "GET" and after.first_name == "Changed"


@pytest.mark.parametrize(
    ("call", "actor", "target"), [(c, *x) for c in API_CALLS for x in CASES], ids=str
)
async def test_api_on_an_operator(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    targets: Targets,
    smtp: SmtpServer,
    call: Call,
    actor: str,
    target: str,
) -> None:
    victim = targets[target]
    headers = await api_token(session, world.operator(actor))
    body = call.body(victim) if call.body else None
    path = call.path.format(id=victim.id)
    response = await client.request(call.method, path, json=body, headers=headers)
    status = expected(actor, target, call.ok)
    assert response.status_code == status, response.text
    if status in (403, 404):
        assert response.json()["message"] == (DENIED if status == 403 else MISSING)
    await assert_effects(session, smtp, call, victim, status == call.ok)


@pytest.mark.parametrize(
    ("call", "actor", "target"), [(c, *x) for c in PANEL_CALLS for x in CASES], ids=str
)
async def test_panel_on_an_operator(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    targets: Targets,
    smtp: SmtpServer,
    call: Call,
    actor: str,
    target: str,
) -> None:
    victim = targets[target]
    await log_in(client, actor)
    path = call.path.format(id=victim.id)
    if call.method == "GET":
        response = await client.get(path)
    else:
        response = await submit(client, path, **(call.body(victim) if call.body else {}))
    status = expected(actor, target, call.ok)
    assert response.status_code == status, response.text
    if status in (403, 404):
        assert (refusal(response) if status == 403 else MISSING) in response.text
    await assert_effects(session, smtp, call, victim, status == call.ok)


async def assert_effects(
    session: AsyncSession, smtp: SmtpServer, call: Call, victim: Operator, allowed: bool
) -> None:
    """Refused calls change nothing and mail nobody; allowed ones do what they say."""
    after = await reload(session, victim.id)
    assert changed(call, victim, after) is (allowed and call.name in {"patch", "save", "delete"})
    assert len(smtp.inbox.to(victim.email)) == (1 if allowed and call.mails else 0)


@pytest.mark.parametrize("actor", ACTORS)
async def test_the_list(
    client: httpx.AsyncClient, session: AsyncSession, world: World, targets: Targets, actor: str
) -> None:
    headers = await api_token(session, world.operator(actor))
    response = await client.get("/api/v1/operators", headers=headers)
    await log_in(client, actor)
    page = await client.get("/operators")
    if actor == "beta":
        assert (response.status_code, response.json()["message"]) == (403, DENIED)
        assert page.status_code == 403 and DENIED in page.text
        return
    assert [i["username"] for i in response.json()["items"]] == SEES[actor]
    assert page.status_code == 200
    shown = sorted(u for u in SEES[actor] if f'data-username="{u}"' in page.text)
    assert shown == SEES[actor]
    assert all(
        f'data-username="{u}"' not in page.text
        for u in SEES["alpha"] + ["omega"]
        if u not in SEES[actor]
    )


# Inviting into group C / group B: only an admin, only into their own domain.
INVITE = {
    ("alpha", "c"): 201,
    ("alpha", "b"): 201,
    ("gamma", "c"): 201,
    ("gamma", "b"): 422,
    ("beta", "c"): 403,
    ("beta", "b"): 403,
    ("omega", "c"): 422,
    ("omega", "b"): 422,
}


def invitation(group_id: int, username: str) -> dict[str, object]:
    return {
        "email": f"{username}@example.com",
        "email_confirm": f"{username}@example.com",
        "username": username,
        "level": "basic",
        "base_group_id": group_id,
    }


@pytest.mark.parametrize(("actor", "group"), list(INVITE), ids=str)
async def test_inviting(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    smtp: SmtpServer,
    actor: str,
    group: str,
) -> None:
    group_id = getattr(world, group).id
    headers = await api_token(session, world.operator(actor))
    body = invitation(group_id, "by-api")
    response = await client.post("/api/v1/operators", json=body, headers=headers)
    assert response.status_code == INVITE[actor, group], response.text
    await log_in(client, actor)
    form_page = await client.get("/operators/new")
    assert form_page.status_code == (403 if actor == "beta" else 200)
    posted = await submit(client, "/operators/new", **invitation(group_id, "by-panel"))
    assert posted.status_code == (303 if INVITE[actor, group] == 201 else INVITE[actor, group])
    assert len(smtp.inbox.messages) == (2 if INVITE[actor, group] == 201 else 0)


def my_account_calls() -> list[tuple[str, str, dict[str, object] | None, int]]:
    return [
        ("GET", "/api/v1/me", None, 200),
        ("PATCH", "/api/v1/me", {"first_name": "Me"}, 200),
        (
            "POST",
            "/api/v1/me/password",
            {"current_password": PASSWORD, "new_password": "Brand-new-pass-9"},
            204,
        ),
        ("GET", "/api/v1/me/api-tokens", None, 200),
        ("POST", "/api/v1/me/api-tokens", {"name": "more"}, 201),
    ]


@pytest.mark.parametrize("actor", ACTORS)
async def test_my_account_works_for_everyone(
    client: httpx.AsyncClient, session: AsyncSession, world: World, actor: str
) -> None:
    headers = await api_token(session, world.operator(actor))
    for method, path, body, status in my_account_calls():
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
    assert (await client.get("/api/v1/me", headers=headers)).json()["username"] == actor
    await log_in(client, actor, "Brand-new-pass-9")
    page = await client.get("/account")
    assert page.status_code == 200 and f'<strong id="username">{actor}</strong>' in page.text
    posts = [
        (
            "/account",
            {
                "first_name": "Mine",
                "last_name": "",
                "email": f"{actor}@example.com",
                "time_zone": "UTC",
            },
        ),
        ("/account/api-tokens", {"name": "panel"}),
    ]
    for path, form in posts:
        response = await submit(client, path, **form)
        assert response.status_code in (200, 303), (path, response.text)
    tokens = (await client.get("/api/v1/me/api-tokens", headers=headers)).json()
    assert [t["name"] for t in tokens] == ["panel", "more", "test"]
    revoke = await submit(client, f"/account/api-tokens/{tokens[0]['id']}/revoke")
    assert revoke.status_code == 303
    foreign = await submit(client, "/account/api-tokens/999999/revoke")
    assert foreign.status_code == 404 and "API token not found." in foreign.text
