"""API shapes of charging sessions across the domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from laturi.stations.schemas import MessageOut, MeterValueOut


class SessionOut(BaseModel):
    id: int = Field(description="The OCPP transactionId")
    station_id: int
    station_name: str
    station_identifier: str
    connector_id: int
    id_tag: str
    charging_user_id: int | None
    charging_user_name: str | None = Field(
        description="The name the user had when the session started (kept after deletion)"
    )
    token_name: str | None = Field(description="The token's name when the session started")
    started_at: datetime
    stopped_at: datetime | None = Field(description="None while the session is open")
    energy_wh: int = Field(description="Energy so far while open; 0 when the start is unknown")
    stop_reason: str | None
    free_charging: bool
    closed_at_reboot: bool
    unmatched_stop: bool
    closed_by_username: str | None = Field(
        description="The operator who ended the session the station never stopped"
    )


class SessionDetailOut(SessionOut):
    closed_by_operator_at: datetime | None
    meter_start: int | None
    meter_stop: int | None
    meter_values: list[MeterValueOut]
    messages: list[MessageOut] = Field(description="The station's OCPP frames (admins only)")
