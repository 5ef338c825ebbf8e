"""Panel pages for operators and my account."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from laturi.web.security import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)])
