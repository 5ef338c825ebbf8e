"""SQLAlchemy models, one module per aggregate; importing this registers them all."""

from laturi.models.base import Base
from laturi.models.charging_point import ChargingPoint, Socket
from laturi.models.charging_user import (
    AuthToken,
    ChargingUser,
    UserGroup,
    group_rights,
    station_rights,
)
from laturi.models.dashboard import DashboardGroup
from laturi.models.group import ChargingGroup
from laturi.models.invoice import BilledSession, Invoice, InvoiceRun, InvoiceSettings
from laturi.models.local_list import LocalList, LocalListEntry
from laturi.models.operator import (
    ApiToken,
    LoginFailure,
    OneTimeToken,
    Operator,
    OperatorSession,
)
from laturi.models.organization import Organization
from laturi.models.schedule import RunTarget, ScheduledTask, StationLimit, SystemJob, TaskRun
from laturi.models.station import Station, UnknownStationAttempt
from laturi.models.station_configuration import StationConfigurationKey
from laturi.models.station_event import OcppMessage, StationEvent
from laturi.models.transaction import MeterValue, Transaction

__all__ = [
    "ApiToken",
    "AuthToken",
    "Base",
    "BilledSession",
    "ChargingGroup",
    "ChargingPoint",
    "ChargingUser",
    "DashboardGroup",
    "Invoice",
    "InvoiceRun",
    "InvoiceSettings",
    "LocalList",
    "LocalListEntry",
    "LoginFailure",
    "MeterValue",
    "OcppMessage",
    "OneTimeToken",
    "Operator",
    "OperatorSession",
    "Organization",
    "RunTarget",
    "ScheduledTask",
    "Socket",
    "Station",
    "StationConfigurationKey",
    "StationEvent",
    "StationLimit",
    "SystemJob",
    "TaskRun",
    "Transaction",
    "UnknownStationAttempt",
    "UserGroup",
    "group_rights",
    "station_rights",
]
