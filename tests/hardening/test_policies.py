"""Headers, cookies and the password policy (issue 12, §5)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from laturi.app import create_app
from laturi.auth.secrets import POLICY_MESSAGE, check_policy
from laturi.config import Settings
from laturi.db import Database
from laturi.errors import ValidationFailed
from tests.fixtures.factories import PASSWORD
from tests.fixtures.world import World


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Password123", "It is a very common password."),
        ("Qwerty-123", "It is similar to a commonly used password."),
        ("Summer2024!", "It is similar to a commonly used password."),
        ("Short-1", "It has fewer than 10 characters."),
        ("alllowercaseletters", "It needs three of"),
        ("Beta-is-my-name-1", "It contains the username."),
    ],
)
def test_common_and_weak_passwords_are_refused_saying_which_rule_failed(
    password: str, reason: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_policy(password, "beta")
    assert err.value.message.startswith(f"{POLICY_MESSAGE} {reason}")
    assert err.value.field == "password"


@pytest.mark.parametrize(
    "password", ["Laturi-demo-1", "Correct-horse-9-battery", "x" * 5 + "Yz9!" * 30]
)
def test_strong_passwords_pass(password: str) -> None:
    check_policy(password, "beta")


async def test_panel_pages_carry_a_content_security_policy(
    client: httpx.AsyncClient, world: World
) -> None:
    page = await client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


async def test_the_api_docs_load_their_assets_from_this_server(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "/static/vendor/swagger-ui-bundle.js" in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert (await client.get(f"/static/vendor/{asset}")).status_code == 200


@pytest.mark.parametrize(
    ("base_url", "secure"),
    # Behind a proxy, uvicorn's --proxy-headers turns a trusted X-Forwarded-Proto into the
    # request's scheme before the app sees it: the same case as a direct HTTPS request.
    [("https://testserver", True), ("http://testserver", False)],
)
async def test_the_session_cookie_is_secure_whenever_the_request_came_over_https(
    app: FastAPI, world: World, base_url: str, secure: bool
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        await client.get("/login")
        token = client.cookies.get("laturi_csrf") or ""
        answer = await client.post(
            "/login",
            data={"username": "alpha", "password": PASSWORD, "csrf_token": token},
        )
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    session_cookie = next(c for c in cookies if c.startswith("laturi_session="))
    assert ("; secure" in session_cookie.lower()) is secure


async def test_unparseable_json_is_a_400_listed_in_the_api_document(
    client: httpx.AsyncClient, alpha: dict[str, str]
) -> None:
    answer = await client.post(
        "/api/v1/groups",
        content=b'{"name": ',
        headers={**alpha, "content-type": "application/json"},
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_json")
    document = (await client.get("/api/v1/openapi.json")).json()
    assert "400" in document["paths"]["/api/v1/groups"]["post"]["responses"]


async def test_metrics_answer_only_their_token_when_one_is_set(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": "m-secret"}), database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer m-secret"}
        answer = await client.get("/metrics", headers=right)
        assert answer.status_code == 200 and "laturi_stations_connected" in answer.text


async def test_the_import_s_422_bodies_match_the_declared_schema(
    client: httpx.AsyncClient, alpha: dict[str, str]
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    declared = document["paths"]["/api/v1/charging-users/import"]["post"]["responses"]["422"]
    name = declared["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    required = set(document["components"]["schemas"][name].get("required", []))
    rejected = await client.post(
        "/api/v1/charging-users/import",
        headers=alpha,
        files={"file": ("u.csv", b"first_name,last_name,active\nA,B,maybe\n", "text/csv")},
    )
    invalid = await client.post("/api/v1/charging-users/import", headers=alpha)
    for answer in (rejected, invalid):
        assert answer.status_code == 422
        assert required <= answer.json().keys(), (required, answer.json())
    assert rejected.json()["errors"][0]["column"] == "active"
