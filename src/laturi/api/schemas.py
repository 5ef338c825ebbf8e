"""Shapes every API endpoint shares: errors and pages."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from laturi.kit.pagination import MAX_PAGE_SIZE, ListQuery, Page

T = TypeVar("T")


class ErrorOut(BaseModel):
    error: str
    message: str
    field: str | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int

    @classmethod
    def of(cls, found: Page[Any], items: list[T]) -> PageOut[T]:
        """The API's page of `items`, shaped from what the service found."""
        return cls(items=items, total=found.total, page=found.query.page, size=found.query.size)


def listing(
    *, search: str = "Search text", sort: str | None = None, default_sort: str = "", size: int = 50
) -> Any:
    """A list endpoint's q, sort, page and size parameters, read into one ListQuery."""
    sort_doc = f"{sort}; a leading '-' sorts descending"

    def paged(
        q: str = Query("", description=search),
        page: int = Query(1, ge=1),
        size: int = Query(size, ge=1, le=MAX_PAGE_SIZE),
    ) -> ListQuery:
        return ListQuery.parse(search=q, sort="", page=page, size=size)

    def sorted_and_paged(
        q: str = Query("", description=search),
        sort: str = Query(default_sort, description=sort_doc),
        page: int = Query(1, ge=1),
        size: int = Query(size, ge=1, le=MAX_PAGE_SIZE),
    ) -> ListQuery:
        return ListQuery.parse(search=q, sort=sort, page=page, size=size)

    return Depends(sorted_and_paged if sort else paged)


ERRORS = {
    400: {"model": ErrorOut, "description": "The request body is not valid JSON"},
    401: {"model": ErrorOut, "description": "No valid API token"},
    403: {"model": ErrorOut, "description": "Access denied."},
    404: {"model": ErrorOut, "description": "Not found in your domain"},
    409: {"model": ErrorOut, "description": "Conflicts with existing data or a newer version"},
    422: {"model": ErrorOut, "description": "Invalid input; `field` names the field"},
}
