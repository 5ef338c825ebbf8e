"""API shapes of stations, charging points, events, transactions, commands and the log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from laturi.stations.service import NAME_MAX, POWER_MAX_KW


class SocketOut(BaseModel):
    position: int
    type: str
    max_power_kw: float | None


class ChargingPointOut(BaseModel):
    connector_id: int
    status: str | None
    error_code: str | None
    info: str | None
    vendor_error_code: str | None
    status_at: datetime | None
    sockets: list[SocketOut]


class StationOut(BaseModel):
    id: int
    name: str
    identifier: str
    group_id: int | None = Field(description="None: an orphan station")
    group_name: str | None
    charging_point_count: int
    online: bool = Field(description="Connected to the central system now")
    live_status: str = Field(description="Offline, or the most urgent connector status")
    free_charging: bool
    has_password: bool = Field(description="Security profile 1: HTTP Basic auth required")
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    status: str | None = Field(description="Connector 0: the whole station")
    error_code: str | None
    last_boot_at: datetime | None
    last_heartbeat_at: datetime | None
    connected_at: datetime | None
    disconnected_at: datetime | None
    version: int


class StationDetailOut(StationOut):
    charging_points: list[ChargingPointOut]
    ocpp_url: str = Field(description="The address to configure in the station")


class StationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Pine Mall entry", "identifier": "EVI00000013", "group_id": 2},
            ]
        },
    )

    name: str = Field("", max_length=NAME_MAX, description="Defaults to the identifier")
    identifier: str = Field(description="A-Z, a-z, 0-9, '-' and '_'; cannot be changed later")
    group_id: int | None = Field(None, description="Defaults to your base group")
    free_charging: bool = False
    password: str | None = Field(
        None, max_length=200, description="HTTP Basic auth password the station must send"
    )


class StationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=NAME_MAX)
    group_id: int | None = None
    free_charging: bool | None = None
    password: str | None = Field(None, max_length=200, description='"" removes the password')
    version: int | None = Field(None, description="The version you read; a newer one gives 409")


class DeletionOut(BaseModel):
    outcome: str = Field(description="orphaned (left its group) or deleted (for good)")


class SocketIn(BaseModel):
    type: str = Field(description="Type 1, Type 2, Type 3, CHAdeMO, CCS, Schuko, CEE, ...")
    max_power_kw: Decimal | None = Field(None, gt=0, le=POWER_MAX_KW)


class SocketsIn(BaseModel):
    sockets: list[SocketIn] = Field(description="At most four")


class EventOut(BaseModel):
    id: int
    kind: str
    connector_id: int | None = Field(description="0 = the whole station")
    status: str | None
    error_code: str | None
    info: str | None
    vendor_id: str | None
    vendor_error_code: str | None
    at: datetime
    received_at: datetime


class TransactionOut(BaseModel):
    id: int = Field(description="The OCPP transactionId")
    connector_id: int
    id_tag: str
    token_id: int | None
    charging_user_id: int | None
    authorization_status: str
    free_charging: bool
    meter_start: int | None = Field(description="None only when an unmatched stop did not say")
    meter_stop: int | None
    energy_wh: int | None = Field(description="meter stop - meter start, when both are known")
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str | None
    closed_at_reboot: bool = Field(description="Closed by us at the station's next boot")
    unmatched_stop: bool = Field(
        description="Stopped without a known start: a StopTransaction for an unknown id"
    )
    reported_transaction_id: int | None = Field(
        description="The transaction id the station named in that unmatched stop"
    )
    last_meter_wh: int | None


class MeterValueOut(BaseModel):
    sampled_at: datetime
    measurand: str
    phase: str | None
    unit: str | None
    context: str | None
    location: str | None
    value: str | None
    raw: str | None


class TransactionDetailOut(TransactionOut):
    meter_values: list[MeterValueOut]


class MessageOut(BaseModel):
    id: int
    direction: str = Field(description="in: from the station; out: to the station")
    message_type: int | None = Field(description="2 call, 3 result, 4 error")
    unique_id: str | None
    action: str | None
    payload: str
    at: datetime


class CommandOut(BaseModel):
    command: str
    accepted: bool
    answer: dict[str, Any] = Field(description="The station's answer payload as it sent it")
    message: str | None = Field(description="Why it counts as failed, when it does")


class ConfigurationKeyOut(BaseModel):
    key: str
    value: str | None
    readonly: bool
    read_at: datetime = Field(description="When the station last reported or accepted it")
    reboot_required: bool = Field(
        description="Changed with the answer RebootRequired and the station has not booted since"
    )


class ConfigurationOut(BaseModel):
    online: bool = Field(description="Keys can be changed or read again only while online")
    read_at: datetime | None = Field(description="The latest report; null: never read")
    keys: list[ConfigurationKeyOut]


class UnknownAttemptOut(BaseModel):
    identifier: str
    reason: str = Field(description="unknown, or deleted (a station deleted for good)")
    address: str
    attempts: int
    first_at: datetime
    last_at: datetime


class DayOut(BaseModel):
    day: str
    charging_events: int
    energy_wh: int


class StatisticsOut(BaseModel):
    charging_events_24h: int
    points_used_24h: int
    energy_wh_24h: int
    days: list[DayOut]
