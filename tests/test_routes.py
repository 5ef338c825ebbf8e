"""Rules every route of the app must keep, checked over the whole route table."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from laturi.app import create_app
from laturi.config import Settings
from laturi.http import db_session


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif included := getattr(route, "original_router", None):  # FastAPI's include_router
            yield from _api_routes(included.routes)


def _routes(app: FastAPI) -> list[APIRoute]:
    return list(_api_routes(app.routes))


class TestSessionScope:
    def test_every_session_commits_before_the_response_is_sent(self) -> None:
        app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
        late = [
            f"{route.path} {route.methods}"
            for route in _routes(app)
            for dep in _walk(route.dependant)
            if dep.call is db_session and dep.scope != "function"
        ]
        assert late == []
        assert any(dep.call is db_session for r in _routes(app) for dep in _walk(r.dependant))


class TestApiErrorsDocumented:
    def test_every_api_operation_documents_its_error_responses(self) -> None:
        spec = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:")).openapi()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                codes = set(operation["responses"])
                assert {"401", "403", "404", "422"} <= codes, (method, path, codes)


class TestOperationIds:
    def test_operation_ids_are_the_routes_own_names(self) -> None:
        spec = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:")).openapi()
        ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
        assert len(ids) == len(set(ids))
        assert "list_groups" in ids and "create_station" in ids
        assert all(i.isidentifier() and "api_v1" not in i for i in ids)

    def test_main_request_bodies_carry_an_example(self) -> None:
        schemas = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:")).openapi()[
            "components"
        ]["schemas"]
        for name in ("StationCreate", "GroupCreate", "UserCreate", "OperatorInvite"):
            assert schemas[name]["examples"], name
