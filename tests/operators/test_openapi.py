"""The API describes every operators endpoint with its error answers; panel forms need CSRF."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.world import World, log_in

MAILING = {
    ("post", "/api/v1/operators"),
    ("post", "/api/v1/operators/{operator_id}/invitation"),
    ("post", "/api/v1/operators/{operator_id}/password-reset"),
}
ENDPOINTS = {
    ("get", "/api/v1/operators"),
    ("get", "/api/v1/operators/{operator_id}"),
    ("patch", "/api/v1/operators/{operator_id}"),
    ("delete", "/api/v1/operators/{operator_id}"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/me/api-tokens"),
    ("post", "/api/v1/me/api-tokens"),
    ("delete", "/api/v1/me/api-tokens/{token_id}"),
} | MAILING


async def test_every_endpoint_documents_its_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    found = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if path.startswith(("/api/v1/operators", "/api/v1/me"))
    }
    assert found == ENDPOINTS
    for method, path in ENDPOINTS:
        operation = spec["paths"][path][method]
        codes = set(operation["responses"])
        assert {"401", "403", "404", "409", "422"} <= codes, (method, path)
        assert ("502" in codes) is ((method, path) in MAILING), (method, path)
        assert operation.get("security"), (method, path)
    created = spec["components"]["schemas"]["ApiTokenCreated"]["properties"]
    assert "token" in created


@pytest.mark.parametrize(
    "path", ["/account", "/account/password", "/account/api-tokens", "/operators/new"]
)
async def test_panel_forms_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    await log_in(client, "alpha")
    response = await client.post(path, data={"name": "x"})
    assert response.status_code == 403
    assert "The form has expired." in response.text
