"""Shapes every API endpoint shares: errors and pages."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

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


ERRORS = {
    401: {"model": ErrorOut, "description": "No valid API token"},
    403: {"model": ErrorOut, "description": "Access denied."},
    404: {"model": ErrorOut, "description": "Not found in your domain"},
    409: {"model": ErrorOut, "description": "Conflicts with existing data or a newer version"},
    422: {"model": ErrorOut, "description": "Invalid input; `field` names the field"},
}
