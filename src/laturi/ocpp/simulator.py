"""Simulated OCPP 1.6J charging stations, for demos, benchmarks and tests.

Each station is the `ocpp` package's ChargePoint as a client: it boots, heartbeats,
reports status changes, authorizes tags, charges with meter values (energy register,
power, current per phase, state of charge), and answers every central-system command.
Run them with `laturi simulate` (see `laturi.ocpp.simulate`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from laturi.stations.demo import DEMO_TAGS

log = logging.getLogger("laturi.simulator")
frames_log = logging.getLogger("laturi.simulator.frames")
frames_log.setLevel(logging.WARNING)  # every frame at INFO would drown the useful lines
Handler = TypeVar("Handler", bound=Callable[..., Any])


def answers(action: Action) -> Callable[[Handler], Handler]:
    """`ocpp`'s `on`, typed."""
    decorator: Callable[[Handler], Handler] = on(action)
    return decorator


def then(action: Action) -> Callable[[Handler], Handler]:
    """`ocpp`'s `after`, typed: runs once the answer went out, quietly if the link drops."""

    def decorate(func: Handler) -> Handler:
        @functools.wraps(func)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            with contextlib.suppress(websockets.ConnectionClosed):
                return await func(*args, **kwargs)

        routed: Handler = after(action)(guarded)
        return routed

    return decorate


VOLTAGE = 230.0


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SimConfig:
    """How the simulated stations behave; `speed` compresses every wait."""

    url: str
    identifiers: Sequence[str]
    tags: Sequence[str] = DEMO_TAGS
    connectors: int = 1
    password: str | None = None
    organization: str | None = None  # the slug in /ocpp/{slug}/{identifier}
    meter_interval: float = 30.0  # seconds between MeterValues while charging
    session_seconds: tuple[float, float] = (300.0, 1800.0)
    idle_seconds: tuple[float, float] = (60.0, 600.0)
    power_kw: float = 11.0
    speed: float = 1.0
    charge: bool = True  # False: boot, status and heartbeat only (benchmarks)
    seed: int | None = None

    def wait(self, seconds: float) -> float:
        return max(seconds / self.speed, 0.01)


@dataclass
class Connector:
    number: int
    meter_wh: int = 0
    transaction_id: int | None = None
    available: bool = True
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    remote_tag: str | None = None


class SimulatedStation(ChargePoint):  # type: ignore[misc]  # ocpp ships no types
    """One simulated station on one WebSocket connection."""

    def __init__(self, identifier: str, connection: Any, config: SimConfig) -> None:
        super().__init__(identifier, connection, response_timeout=30, logger=frames_log)
        self.config = config
        self._later: set[asyncio.Task[None]] = set()
        seed = f"{config.seed}-{identifier}" if config.seed is not None else None
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
        self.connectors = {
            n: Connector(n, meter_wh=self.rng.randrange(0, 5_000_000))
            for n in range(1, config.connectors + 1)
        }
        self.settings: dict[str, tuple[str, bool]] = {
            "HeartbeatInterval": ("300", False),
            "MeterValueSampleInterval": (str(int(config.meter_interval)), False),
            "AuthorizeRemoteTxRequests": ("false", False),
            "NumberOfConnectors": (str(config.connectors), True),
            "SupportedFeatureProfiles": (
                "Core,FirmwareManagement,LocalAuthListManagement,RemoteTrigger,SmartCharging",
                True,
            ),
        }
        self.firmware = "SIM-1.0"
        self.local_list_version = 0
        self.profiles: dict[int, dict[str, Any]] = {}
        self.reboot = asyncio.Event()

    # --- the station's own life ------------------------------------------------------------

    async def live(self) -> None:
        """Boot, report, heartbeat and charge until a reset asks for a reboot."""
        answer = await self.call(
            call.BootNotification(
                charge_point_model="Simulator",
                charge_point_vendor="Laturi",
                charge_point_serial_number=f"SIM-{self.id}",
                firmware_version=self.firmware,
            )
        )
        interval = float(getattr(answer, "interval", 300) or 300)
        self.settings["HeartbeatInterval"] = (str(int(interval)), False)
        await self.report(0, "Available")
        for connector in self.connectors.values():
            await self.report(connector.number, "Available")
        tasks = [asyncio.create_task(self._heartbeats(interval))]
        if self.config.charge:
            tasks += [asyncio.create_task(self._drive(c)) for c in self.connectors.values()]
        try:
            await self.reboot.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def report(self, connector: int, status: str, error: str = "NoError") -> None:
        await self.call(
            call.StatusNotification(
                connector_id=connector, error_code=error, status=status, timestamp=now_iso()
            )
        )

    async def _heartbeats(self, interval: float) -> None:
        while True:
            await asyncio.sleep(self.config.wait(interval))
            await self.call(call.Heartbeat())

    async def _drive(self, connector: Connector) -> None:
        """A driver arrives now and then, shows a tag and charges for a while."""
        low, high = self.config.idle_seconds
        while True:
            await asyncio.sleep(self.config.wait(self.rng.uniform(low, high)))
            if connector.transaction_id is None and connector.available:
                try:
                    await self._visit(connector)
                except (AttributeError, TypeError, KeyError):
                    # The central system answered a call with an error: next driver.
                    log.warning("%s: a charging visit failed", self.id, exc_info=True)

    async def _visit(self, connector: Connector) -> None:
        tag = self.rng.choice(list(self.config.tags))
        answer = await self.call(call.Authorize(id_tag=tag))
        if answer.id_tag_info["status"] == "Accepted":
            await self.charge(connector, tag)

    async def charge(self, connector: Connector, tag: str) -> None:
        """One charging session on the connector, with meter values, ended by time or stop."""
        connector.stop.clear()
        await self.report(connector.number, "Preparing")
        started = await self.call(
            call.StartTransaction(
                connector_id=connector.number,
                id_tag=tag,
                meter_start=connector.meter_wh,
                timestamp=now_iso(),
            )
        )
        if started.id_tag_info["status"] != "Accepted":
            await self.report(connector.number, "Available")
            return
        connector.transaction_id = started.transaction_id
        await self.report(connector.number, "Charging")
        reason = await self._meter(connector)
        await self.finish(connector, reason)

    async def _meter(self, connector: Connector) -> str:
        low, high = self.config.session_seconds
        duration = self.rng.uniform(low, high)
        soc = self.rng.uniform(10, 60)
        elapsed = 0.0
        while elapsed < duration:
            step = min(self.config.meter_interval, duration - elapsed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(connector.stop.wait(), self.config.wait(step))
                return "Remote"
            elapsed += step
            connector.meter_wh += int(self.config.power_kw * 1000 * step / 3600)
            soc = min(100.0, soc + step / 60)
            await self._send_meter(connector, soc)
        return "EVDisconnected"

    async def _send_meter(self, connector: Connector, soc: float) -> None:
        amps = self.config.power_kw * 1000 / (3 * VOLTAGE)
        sampled = [
            {
                "value": str(connector.meter_wh),
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            },
            {
                "value": f"{self.config.power_kw:.1f}",
                "measurand": "Power.Active.Import",
                "unit": "kW",
            },
            *(
                {"value": f"{amps:.1f}", "measurand": "Current.Import", "phase": phase, "unit": "A"}
                for phase in ("L1", "L2", "L3")
            ),
            {"value": f"{soc:.0f}", "measurand": "SoC", "unit": "Percent"},
        ]
        await self.call(
            call.MeterValues(
                connector_id=connector.number,
                transaction_id=connector.transaction_id,
                meter_value=[{"timestamp": now_iso(), "sampledValue": sampled}],
            )
        )

    async def finish(self, connector: Connector, reason: str) -> None:
        if connector.transaction_id is None:
            return
        tx, connector.transaction_id = connector.transaction_id, None
        await self.call(
            call.StopTransaction(
                meter_stop=connector.meter_wh, timestamp=now_iso(), transaction_id=tx, reason=reason
            )
        )
        await self.report(connector.number, "Finishing")
        await self.report(connector.number, "Available" if connector.available else "Unavailable")

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine after the answer went out (never inside a handler: it would wait
        for an answer the same receive loop must read)."""

        async def guarded() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                await work

        # The loop holds tasks weakly: keep each until it is done.
        task = asyncio.get_running_loop().create_task(guarded())
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    # --- answers to the central system -----------------------------------------------------

    @answers(Action.reset)
    async def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        return call_result.Reset(status="Accepted")

    @then(Action.reset)
    async def after_reset(self, type: str, **_: Any) -> None:
        for connector in self.connectors.values():
            await self.finish(connector, "HardReset" if type == "Hard" else "SoftReset")
        self.reboot.set()

    @answers(Action.remote_start_transaction)
    async def on_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        connector = self.connectors.get(connector_id or 1)
        if connector is None or connector.transaction_id is not None or not connector.available:
            return call_result.RemoteStartTransaction(status="Rejected")
        connector.remote_tag = id_tag
        return call_result.RemoteStartTransaction(status="Accepted")

    @then(Action.remote_start_transaction)
    async def after_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> None:
        connector = self.connectors.get(connector_id or 1)
        if connector is not None and connector.remote_tag == id_tag:
            connector.remote_tag = None
            self.later(self.charge(connector, id_tag))

    @answers(Action.remote_stop_transaction)
    async def on_remote_stop(
        self, transaction_id: int, **_: Any
    ) -> call_result.RemoteStopTransaction:
        for connector in self.connectors.values():
            if connector.transaction_id == transaction_id:
                connector.stop.set()
                return call_result.RemoteStopTransaction(status="Accepted")
        return call_result.RemoteStopTransaction(status="Rejected")

    @answers(Action.unlock_connector)
    async def on_unlock(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        found = connector_id in self.connectors
        return call_result.UnlockConnector(status="Unlocked" if found else "NotSupported")

    @answers(Action.change_availability)
    async def on_availability(
        self, connector_id: int, type: str, **_: Any
    ) -> call_result.ChangeAvailability:
        chosen = (
            list(self.connectors.values())
            if connector_id == 0
            else [c for c in self.connectors.values() if c.number == connector_id]
        )
        if not chosen:
            return call_result.ChangeAvailability(status="Rejected")
        busy = any(c.transaction_id is not None for c in chosen)
        for connector in chosen:
            connector.available = type == "Operative"
        return call_result.ChangeAvailability(status="Scheduled" if busy else "Accepted")

    @then(Action.change_availability)
    async def after_availability(self, connector_id: int, type: str, **_: Any) -> None:
        status = "Available" if type == "Operative" else "Unavailable"
        for connector in self.connectors.values():
            if connector_id in (0, connector.number) and connector.transaction_id is None:
                await self.report(connector.number, status)

    @answers(Action.change_configuration)
    async def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> call_result.ChangeConfiguration:
        if key not in self.settings:
            return call_result.ChangeConfiguration(status="NotSupported")
        if self.settings[key][1]:
            return call_result.ChangeConfiguration(status="Rejected")
        self.settings[key] = (value, False)
        return call_result.ChangeConfiguration(status="Accepted")

    @answers(Action.get_configuration)
    async def on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> call_result.GetConfiguration:
        wanted = key or list(self.settings)
        known = [k for k in wanted if k in self.settings]
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": k, "readonly": self.settings[k][1], "value": self.settings[k][0]}
                for k in known
            ],
            unknown_key=[k for k in wanted if k not in self.settings],
        )

    @answers(Action.clear_cache)
    async def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        return call_result.ClearCache(status="Accepted")

    @answers(Action.update_firmware)
    async def on_update_firmware(self, location: str, **_: Any) -> call_result.UpdateFirmware:
        return call_result.UpdateFirmware()

    @then(Action.update_firmware)
    async def after_update_firmware(self, location: str, **_: Any) -> None:
        for status in ("Downloading", "Downloaded", "Installing", "Installed"):
            await asyncio.sleep(self.config.wait(2))
            await self.call(call.FirmwareStatusNotification(status=status))
        self.firmware = location.rsplit("/", 1)[-1][:50] or "SIM-1.1"
        self.reboot.set()

    @answers(Action.get_diagnostics)
    async def on_get_diagnostics(self, location: str, **_: Any) -> call_result.GetDiagnostics:
        return call_result.GetDiagnostics(file_name=f"{self.id}-diagnostics.zip")

    @then(Action.get_diagnostics)
    async def after_get_diagnostics(self, **_: Any) -> None:
        for status in ("Uploading", "Uploaded"):
            await asyncio.sleep(self.config.wait(2))
            await self.call(call.DiagnosticsStatusNotification(status=status))

    @answers(Action.trigger_message)
    async def on_trigger(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        known = {
            "BootNotification",
            "Heartbeat",
            "StatusNotification",
            "MeterValues",
            "FirmwareStatusNotification",
            "DiagnosticsStatusNotification",
        }
        if connector_id not in (None, 0, *self.connectors):
            return call_result.TriggerMessage(status="Rejected")
        status = "Accepted" if requested_message in known else "NotImplemented"
        return call_result.TriggerMessage(status=status)

    @then(Action.trigger_message)
    async def after_trigger(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> None:
        connector = self.connectors.get(connector_id or 1)
        if requested_message == "Heartbeat":
            await self.call(call.Heartbeat())
        elif requested_message == "StatusNotification":
            busy = connector is not None and connector.transaction_id is not None
            await self.report(connector_id or 0, "Charging" if busy else "Available")
        elif requested_message == "MeterValues" and connector is not None:
            await self._send_meter(connector, 50.0)
        elif requested_message == "BootNotification":
            await self.call(
                call.BootNotification(charge_point_model="Simulator", charge_point_vendor="Laturi")
            )
        elif requested_message == "FirmwareStatusNotification":
            await self.call(call.FirmwareStatusNotification(status="Idle"))
        elif requested_message == "DiagnosticsStatusNotification":
            await self.call(call.DiagnosticsStatusNotification(status="Idle"))

    @answers(Action.set_charging_profile)
    async def on_set_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        self.profiles[int(cs_charging_profiles["charging_profile_id"])] = cs_charging_profiles
        return call_result.SetChargingProfile(status="Accepted")

    @answers(Action.clear_charging_profile)
    async def on_clear_profile(
        self, id: int | None = None, **_: Any
    ) -> call_result.ClearChargingProfile:
        cleared = bool(self.profiles) if id is None else id in self.profiles
        if id is None:
            self.profiles.clear()
        else:
            self.profiles.pop(id, None)
        return call_result.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @answers(Action.get_composite_schedule)
    async def on_composite(
        self, connector_id: int, duration: int, **_: Any
    ) -> call_result.GetCompositeSchedule:
        if not self.profiles:
            return call_result.GetCompositeSchedule(status="Rejected")
        schedule = next(iter(self.profiles.values()))["charging_schedule"]
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=now_iso(),
            charging_schedule={
                "duration": duration,
                "charging_rate_unit": schedule["charging_rate_unit"],
                "charging_schedule_period": schedule["charging_schedule_period"],
            },
        )

    @answers(Action.send_local_list)
    async def on_send_local_list(
        self, list_version: int, update_type: str, **_: Any
    ) -> call_result.SendLocalList:
        self.local_list_version = list_version
        return call_result.SendLocalList(status="Accepted")

    @answers(Action.get_local_list_version)
    async def on_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(list_version=self.local_list_version)

    @answers(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **_: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status="UnknownVendorId")
