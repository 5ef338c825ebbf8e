"""Paging, sorting and searching of list views, shared by the panel and the API."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZES = (8, 16, 32, 64, 100)
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class ListQuery:
    """What a list view asks for: search text, sort key and direction, page."""

    search: str = ""
    sort: str = ""
    descending: bool = False
    page: int = 1
    size: int = PAGE_SIZES[0]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @classmethod
    def parse(
        cls, *, search: str | None, sort: str | None, page: int | None, size: int | None
    ) -> ListQuery:
        """Read raw query parameters leniently: '-name' sorts by name descending."""
        key = (sort or "").strip()
        return cls(
            search=(search or "").strip(),
            sort=key.lstrip("-"),
            descending=key.startswith("-"),
            page=max(1, page or 1),
            size=min(MAX_PAGE_SIZE, max(1, size or PAGE_SIZES[0])),
        )

    def escaped_search(self) -> str:
        """The search text as a LIKE pattern, its wildcards escaped with '\\'."""
        text = self.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{text}%"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the total they came from."""

    items: Sequence[T]
    total: int
    query: ListQuery

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.size))
