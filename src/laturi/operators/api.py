"""REST routes for operators, my account and API tokens."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["operators"])
