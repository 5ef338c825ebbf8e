"""The OCPP requests a task sends, built once and held to the station rules before sending."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from laturi.stations.commands import charging_profiles

Payload = dict[str, Any]
# One profile id and stack level for the scheduler's limit: each new limit replaces the last.
PROFILE_ID = 9100
STACK_LEVEL = 0


def max_current(amperes: Decimal, starting: datetime) -> Payload:
    """SetChargingProfile: a ChargePointMaxProfile on connector 0, in amperes, from `starting`."""
    return {
        "connectorId": 0,
        "csChargingProfiles": {
            "chargingProfileId": PROFILE_ID,
            "stackLevel": STACK_LEVEL,
            "chargingProfilePurpose": charging_profiles.CHARGE_POINT_MAX,
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "startSchedule": _iso(starting),
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": float(amperes)}],
            },
        },
    }


def check_max_current(amperes: Decimal) -> None:
    """The limit's profile keeps OCPP's charging-profile rules (checked when a task is saved)."""
    charging_profiles.check_set(
        max_current(amperes, datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
    )


def firmware(location: str, retrieve_at: datetime) -> Payload:
    """UpdateFirmware: where to fetch the image and when."""
    return {"location": location, "retrieveDate": _iso(retrieve_at)}


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")
