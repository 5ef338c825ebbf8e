"""All of /api/v1, assembled from each domain's api module."""

from __future__ import annotations

from fastapi import APIRouter

from laturi.api.schemas import ERRORS
from laturi.groups.api import router as groups
from laturi.operators.api import router as operators

router = APIRouter(prefix="/api/v1", responses=ERRORS)  # type: ignore[arg-type]
router.include_router(groups)
router.include_router(operators)
