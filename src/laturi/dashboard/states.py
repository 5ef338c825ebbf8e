"""The manual's states of a charging point on the dashboard, from OCPP's statuses."""

from __future__ import annotations

from enum import StrEnum


class PointState(StrEnum):
    CHARGING = "Charging"
    AVAILABLE = "Available"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Issue detected"
    SUSPENDED = "Suspended"
    DISABLED = "Disabled"


# A car plugged in and being served (Preparing, Finishing) counts as charging; a reserved
# point cannot be taken, so it shows as unavailable.
BY_STATUS = {
    "Charging": PointState.CHARGING,
    "Preparing": PointState.CHARGING,
    "Finishing": PointState.CHARGING,
    "Available": PointState.AVAILABLE,
    "Unavailable": PointState.UNAVAILABLE,
    "Reserved": PointState.UNAVAILABLE,
    "Faulted": PointState.FAULTED,
    "SuspendedEV": PointState.SUSPENDED,
    "SuspendedEVSE": PointState.SUSPENDED,
}
COLOURS = {
    PointState.CHARGING: "#0d6efd",
    PointState.AVAILABLE: "#198754",
    PointState.UNAVAILABLE: "#6c757d",
    PointState.FAULTED: "#dc3545",
    PointState.SUSPENDED: "#ffc107",
    PointState.DISABLED: "#212529",
}


def state_of(online: bool, status: str | None) -> PointState:
    """Disabled while the station is offline or the point never reported a status."""
    if not online:
        return PointState.DISABLED
    return BY_STATUS.get(status or "", PointState.DISABLED)
