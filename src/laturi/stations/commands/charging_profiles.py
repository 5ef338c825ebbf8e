"""OCPP 1.6 smart charging rules a charging profile must keep before it is sent.

The schema (checked at the OCPP edge) knows the fields; these are the rules between them
that OCPP 1.6 states in prose, refused here with the offending field so the operator
learns what to fix instead of reading a station's bare Rejected. Anything malformed is
left to the schema check, which words it.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

from laturi.errors import ValidationFailed

Payload = dict[str, Any]
TX_PROFILE = "TxProfile"
CHARGE_POINT_MAX = "ChargePointMaxProfile"
RECURRING = "Recurring"


def check_set(params: Payload) -> None:
    """SetChargingProfile: the profile fits its connector and its schedule is sound."""
    profile = params.get("csChargingProfiles")
    if not isinstance(profile, dict):
        return
    where = "csChargingProfiles"
    purpose, connector = profile.get("chargingProfilePurpose"), params.get("connectorId")
    if purpose == CHARGE_POINT_MAX and connector != 0:
        raise ValidationFailed(
            "A ChargePointMaxProfile limits the whole station: connectorId must be 0.",
            field="connectorId",
        )
    if purpose == TX_PROFILE and connector == 0:
        raise ValidationFailed(
            "A TxProfile limits a transaction on one connector: connectorId cannot be 0.",
            field="connectorId",
        )
    if "transactionId" in profile and purpose != TX_PROFILE:
        raise ValidationFailed(
            "Only a TxProfile names a transaction.", field=f"{where}.transactionId"
        )
    _check_profile(profile, where)


def check_remote_start(params: Payload) -> None:
    """RemoteStartTransaction: an attached profile is a TxProfile for the coming transaction."""
    profile = params.get("chargingProfile")
    if not isinstance(profile, dict):
        return
    where = "chargingProfile"
    if profile.get("chargingProfilePurpose") != TX_PROFILE:
        raise ValidationFailed(
            "A remote start's charging profile must be a TxProfile.",
            field=f"{where}.chargingProfilePurpose",
        )
    if "transactionId" in profile:
        raise ValidationFailed(
            "A remote start's charging profile cannot name a transaction: none exists yet.",
            field=f"{where}.transactionId",
        )
    _check_profile(profile, where)


def _check_profile(profile: Payload, where: str) -> None:
    stack = profile.get("stackLevel")
    if isinstance(stack, int) and stack < 0:
        raise ValidationFailed("The stack level cannot be negative.", field=f"{where}.stackLevel")
    kind, recurrency = profile.get("chargingProfileKind"), profile.get("recurrencyKind")
    if kind == RECURRING and recurrency is None:
        raise ValidationFailed(
            "A Recurring profile needs a recurrencyKind (Daily or Weekly).",
            field=f"{where}.recurrencyKind",
        )
    if kind != RECURRING and recurrency is not None:
        raise ValidationFailed(
            "Only a Recurring profile has a recurrencyKind.", field=f"{where}.recurrencyKind"
        )
    valid_from, valid_to = _time(profile.get("validFrom")), _time(profile.get("validTo"))
    if valid_from and valid_to and valid_from >= valid_to:
        raise ValidationFailed("validTo must come after validFrom.", field=f"{where}.validTo")
    schedule = profile.get("chargingSchedule")
    if isinstance(schedule, dict):
        _check_schedule(schedule, kind, f"{where}.chargingSchedule")


def _check_schedule(schedule: Payload, kind: object, where: str) -> None:
    if kind == RECURRING and "startSchedule" not in schedule:
        raise ValidationFailed(
            "A Recurring profile's schedule needs a startSchedule to recur from.",
            field=f"{where}.startSchedule",
        )
    periods = schedule.get("chargingSchedulePeriod")
    if not isinstance(periods, list):
        return
    raw = [p.get("startPeriod") for p in periods if isinstance(p, dict)]
    starts = [s for s in raw if isinstance(s, int)]
    if not starts or len(starts) != len(periods):
        return
    field = f"{where}.chargingSchedulePeriod"
    if starts[0] != 0:
        raise ValidationFailed("The first schedule period must start at 0.", field=field)
    if any(later <= earlier for earlier, later in pairwise(starts)):
        raise ValidationFailed(
            "Schedule periods must be in increasing order of startPeriod.", field=field
        )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
