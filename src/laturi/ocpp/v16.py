"""OCPP 1.6J handlers: each parses its message, calls one domain service, shapes the answer.

Every handler opens one database session for its message, except the busiest, MeterValues
and Heartbeat: messages of several stations arriving together share one (group commit, see
`units`), each still answered only once it is committed. Schema validation already
happened in `protocol` (handlers skip the package's own, which would run it twice).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, TypeVar

from ocpp.exceptions import TypeConstraintViolationError
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.bus import Payload
from laturi.config import Settings
from laturi.kit.time import utcnow
from laturi.ocpp.protocol import CentralSystemBase, Journal, Transport
from laturi.ocpp.units import Batcher, Units
from laturi.sessions import service as sessions
from laturi.sessions.authorization import TagDecision
from laturi.stations import lifecycle
from laturi.stations.lifecycle import StationKey

Kwargs = Any
Handler = TypeVar("Handler", bound=Callable[..., Any])


def handles(action: Action) -> Callable[[Handler], Handler]:
    """`ocpp`'s routing decorator, typed, without its schema check (done in `protocol`)."""
    decorator: Callable[[Handler], Handler] = on(action, skip_schema_validation=True)
    return decorator


def parse_time(value: str) -> datetime:
    """An OCPP dateTime; one without an offset is taken as UTC, as stations mean it."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as err:
        raise TypeConstraintViolationError(
            details={"cause": f"not a date and time: {value!r}"}
        ) from err
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def ocpp_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def id_tag_info(decision: TagDecision) -> dict[str, Any]:
    info: dict[str, Any] = {"status": decision.status}
    if decision.expires_at is not None:
        info["expiry_date"] = ocpp_time(decision.expires_at)
    return info


def samples(meter_value: list[dict[str, Any]]) -> list[sessions.Sample]:
    """OCPP MeterValue objects (snake_case dicts) as flat samples with their timestamps."""
    return [
        sessions.Sample(
            sampled_at=parse_time(group["timestamp"]),
            value=sampled["value"],
            measurand=sampled.get("measurand"),
            phase=sampled.get("phase"),
            unit=sampled.get("unit"),
            context=sampled.get("context"),
            location=sampled.get("location"),
            format=sampled.get("format"),
        )
        for group in meter_value
        for sampled in group["sampled_value"]
    ]


class CentralSystem16(CentralSystemBase):
    """One station's OCPP 1.6J connection."""

    def __init__(
        self,
        station: StationKey,
        transport: Transport,
        journal: Journal,
        units: Units,
        settings: Settings,
        meters: Batcher[sessions.MeterReport],
        heartbeats: Batcher[int],
    ) -> None:
        super().__init__(station.identifier, transport, journal)
        self.station = station
        self._units = units
        self._meters = meters
        self._heartbeats = heartbeats
        self._settings = settings
        # A BootNotification asked for with TriggerMessage is no reboot: set when such a
        # request goes out (the station may boot before we read its answer), cleared when
        # it is refused or the boot arrives.
        self._boot_triggered = False

    async def request(self, action: str, payload: Payload, answer_within: float) -> Payload:
        """A command to the station; notes a triggered BootNotification (see above)."""
        triggers_boot = (
            action == Action.trigger_message.value
            and payload.get("requestedMessage") == Action.boot_notification.value
        )
        self._boot_triggered = self._boot_triggered or triggers_boot
        answer: Payload | None = None
        try:
            answer = await super().request(action, payload, answer_within)
        finally:
            if triggers_boot and (answer is None or answer.get("status") != "Accepted"):
                self._boot_triggered = False
        return answer

    def _session(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._units.session()

    @handles(Action.boot_notification)
    async def on_boot_notification(self, **kw: Kwargs) -> call_result.BootNotification:
        info = lifecycle.BootInfo(
            vendor=kw["charge_point_vendor"],
            model=kw["charge_point_model"],
            serial_number=kw.get("charge_point_serial_number")
            or kw.get("charge_box_serial_number"),
            firmware_version=kw.get("firmware_version"),
            iccid=kw.get("iccid"),
            imsi=kw.get("imsi"),
            meter_type=kw.get("meter_type"),
            meter_serial_number=kw.get("meter_serial_number"),
        )
        triggered, self._boot_triggered = self._boot_triggered, False
        async with self._session() as session:
            await lifecycle.booted(session, self.station.id, info)
            if not triggered:
                await sessions.close_interrupted(session, self.station.id)
        return call_result.BootNotification(
            current_time=ocpp_time(utcnow()),
            interval=self._settings.ocpp_heartbeat_interval,
            status="Accepted",
        )

    @handles(Action.heartbeat)
    async def on_heartbeat(self, **kw: Kwargs) -> call_result.Heartbeat:
        await self._heartbeats.submit(self.station.id)
        return call_result.Heartbeat(current_time=ocpp_time(utcnow()))

    @handles(Action.status_notification)
    async def on_status_notification(self, **kw: Kwargs) -> call_result.StatusNotification:
        report = lifecycle.StatusReport(
            connector_id=kw["connector_id"],
            status=kw["status"],
            error_code=kw["error_code"],
            at=parse_time(kw["timestamp"]) if kw.get("timestamp") else utcnow(),
            info=kw.get("info"),
            vendor_id=kw.get("vendor_id"),
            vendor_error_code=kw.get("vendor_error_code"),
        )
        async with self._session() as session:
            await lifecycle.status_reported(session, self.station.id, report)
        return call_result.StatusNotification()

    @handles(Action.authorize)
    async def on_authorize(self, **kw: Kwargs) -> call_result.Authorize:
        async with self._session() as session:
            decision = await sessions.authorize(session, self.station.id, kw["id_tag"])
        return call_result.Authorize(id_tag_info=id_tag_info(decision))

    @handles(Action.start_transaction)
    async def on_start_transaction(self, **kw: Kwargs) -> call_result.StartTransaction:
        request = sessions.StartRequest(
            connector_id=kw["connector_id"],
            id_tag=kw["id_tag"],
            meter_start=kw["meter_start"],
            started_at=parse_time(kw["timestamp"]),
            reservation_id=kw.get("reservation_id"),
        )
        async with self._session() as session:
            made, decision = await sessions.start(session, self.station.id, request)
        return call_result.StartTransaction(
            transaction_id=made.id, id_tag_info=id_tag_info(decision)
        )

    @handles(Action.stop_transaction)
    async def on_stop_transaction(self, **kw: Kwargs) -> call_result.StopTransaction:
        request = sessions.StopRequest(
            transaction_id=kw["transaction_id"],
            meter_stop=kw["meter_stop"],
            stopped_at=parse_time(kw["timestamp"]),
            reason=kw.get("reason"),
            id_tag=kw.get("id_tag"),
            samples=samples(kw.get("transaction_data") or []),
        )
        async with self._session() as session:
            decision = await sessions.stop(session, self.station.id, request)
        info = id_tag_info(decision) if decision else None
        return call_result.StopTransaction(id_tag_info=info)

    @handles(Action.meter_values)
    async def on_meter_values(self, **kw: Kwargs) -> call_result.MeterValues:
        report = sessions.MeterReport(
            self.station.id,
            kw["connector_id"],
            kw.get("transaction_id"),
            samples(kw["meter_value"]),
        )
        await self._meters.submit(report)
        return call_result.MeterValues()

    @handles(Action.data_transfer)
    async def on_data_transfer(self, **kw: Kwargs) -> call_result.DataTransfer:
        async with self._session() as session:
            status = await lifecycle.data_transfer(
                session, self.station.id, kw["vendor_id"], kw.get("message_id"), kw.get("data", "")
            )
        return call_result.DataTransfer(status=status)

    @handles(Action.diagnostics_status_notification)
    async def on_diagnostics_status(
        self, **kw: Kwargs
    ) -> call_result.DiagnosticsStatusNotification:
        async with self._session() as session:
            await lifecycle.diagnostics_status(session, self.station.id, kw["status"])
        return call_result.DiagnosticsStatusNotification()

    @handles(Action.firmware_status_notification)
    async def on_firmware_status(self, **kw: Kwargs) -> call_result.FirmwareStatusNotification:
        async with self._session() as session:
            await lifecycle.firmware_status(session, self.station.id, kw["status"])
        return call_result.FirmwareStatusNotification()
