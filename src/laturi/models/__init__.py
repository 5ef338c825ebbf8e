"""SQLAlchemy models, one module per aggregate; importing this registers them all."""

from laturi.models.base import Base
from laturi.models.charging_user import (
    AuthToken,
    ChargingUser,
    UserGroup,
    group_rights,
    station_rights,
)
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
    "AuthToken",
    "Base",
    "ChargingGroup",
    "ChargingUser",
    "LoginFailure",
    "OneTimeToken",
    "Operator",
    "OperatorSession",
    "Organization",
    "Station",
    "UserGroup",
    "group_rights",
    "station_rights",
]
