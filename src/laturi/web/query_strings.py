"""Query strings of filtered lists: keep every filter, change one parameter."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request


def keep(request: Request, *dropped: str) -> str:
    """The request's query string without `dropped` (page, sort...), to append to."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in dropped]
    return urlencode(pairs)


def pages_around(page: int, pages: int, width: int = 3) -> list[int]:
    """Page numbers to link: the first, the last and `width` either side of the current."""
    near = range(max(1, page - width), min(pages, page + width) + 1)
    return sorted({1, pages, *near})
