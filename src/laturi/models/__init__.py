"""SQLAlchemy models, one module per aggregate; importing this registers them all."""

from laturi.models.base import Base
from laturi.models.group import ChargingGroup
from laturi.models.operator import (
    ApiToken,
    LoginFailure,
    OneTimeToken,
    Operator,
    OperatorSession,
)
from laturi.models.organization import Organization
from laturi.models.station import Station

__all__ = [
    "ApiToken",
    "Base",
    "ChargingGroup",
    "LoginFailure",
    "OneTimeToken",
    "Operator",
    "OperatorSession",
    "Organization",
    "Station",
]
