"""The manual's task types and what each one targets, its run states and target results."""

from __future__ import annotations

from enum import StrEnum


class TaskType(StrEnum):
    STATION_CURRENT = "station_current"
    GROUP_CURRENT = "group_current"
    USER_ACTIVATION = "user_activation"
    USER_GROUP_ACTIVATION = "user_group_activation"
    FIRMWARE_UPDATE = "firmware_update"


class KeyKind(StrEnum):
    STATION = "station"
    CHARGING_GROUP = "charging_group"
    CHARGING_USER = "charging_user"
    USER_GROUP = "user_group"


TYPE_LABELS = {
    TaskType.STATION_CURRENT: "Max current allowed per charger",
    TaskType.GROUP_CURRENT: "Max current allowed per charging group",
    TaskType.USER_ACTIVATION: "User activation",
    TaskType.USER_GROUP_ACTIVATION: "User group activation",
    TaskType.FIRMWARE_UPDATE: "Firmware update",
}
KEY_OF = {
    TaskType.STATION_CURRENT: KeyKind.STATION,
    TaskType.GROUP_CURRENT: KeyKind.CHARGING_GROUP,
    TaskType.USER_ACTIVATION: KeyKind.CHARGING_USER,
    TaskType.USER_GROUP_ACTIVATION: KeyKind.USER_GROUP,
    TaskType.FIRMWARE_UPDATE: KeyKind.CHARGING_GROUP,
}
CURRENT_TYPES = frozenset({TaskType.STATION_CURRENT, TaskType.GROUP_CURRENT})
ACTIVATION_TYPES = frozenset({TaskType.USER_ACTIVATION, TaskType.USER_GROUP_ACTIVATION})
# Group tasks reach several targets; the event feed counts their failures.
GROUP_TYPES = frozenset(
    {TaskType.GROUP_CURRENT, TaskType.USER_GROUP_ACTIVATION, TaskType.FIRMWARE_UPDATE}
)


class RunState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    MISSED = "missed"


class Result(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OFFLINE = "offline"
    TIMED_OUT = "timed_out"
    FAILED = "failed"


RESULT_LABELS = {
    Result.PENDING: "Waiting",
    Result.SENDING: "Sent, no answer yet",
    Result.ACCEPTED: "Accepted",
    Result.REJECTED: "Rejected",
    Result.OFFLINE: "Offline",
    Result.TIMED_OUT: "Timed out",
    Result.FAILED: "Failed",
}
FAILURES = frozenset({Result.REJECTED, Result.OFFLINE, Result.TIMED_OUT, Result.FAILED})
