"""All of /api/v1, assembled from each domain's api module."""

from __future__ import annotations

from fastapi import APIRouter

from laturi.api.schemas import ERRORS
from laturi.charging_users.api import router as charging_users
from laturi.charging_users.user_groups.api import router as user_groups
from laturi.groups.api import router as groups
from laturi.operators.api import router as operators
from laturi.schedules.api import router as schedules
from laturi.stations.api import router as stations
from laturi.stations.api_activity import router as station_activity

router = APIRouter(prefix="/api/v1", responses=ERRORS)  # type: ignore[arg-type]
router.include_router(groups)
router.include_router(operators)
router.include_router(charging_users)
router.include_router(user_groups)
router.include_router(stations)
router.include_router(station_activity)
router.include_router(schedules)
