"""OCTT Remote Trigger profile, central-system cases (TC_054, TC_055).

TC_054 triggers each message type a station can be asked for; the central system must
answer the message that arrives afterwards as it answers the unprompted one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.v16 import call, call_result
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.station import FakeStation, Script, connected, now_iso
from tests.fixtures.world import World
from tests.ocpp.octt_profiles.conftest import Operator

FAILED = "Remote command execution failed."
Triggered = Callable[[FakeStation], Awaitable[Any]]


async def boot(station: FakeStation) -> Any:
    answer = await station.boot()
    assert answer.status == "Accepted" and answer.interval > 0
    return answer


async def diagnostics(station: FakeStation) -> Any:
    answer = await station.call(call.DiagnosticsStatusNotification(status="Idle"), suppress=False)
    assert isinstance(answer, call_result.DiagnosticsStatusNotification)
    return answer


async def firmware(station: FakeStation) -> Any:
    answer = await station.call(call.FirmwareStatusNotification(status="Idle"), suppress=False)
    assert isinstance(answer, call_result.FirmwareStatusNotification)
    return answer


async def heartbeat(station: FakeStation) -> Any:
    answer = await station.call(call.Heartbeat(), suppress=False)
    assert answer.current_time
    return answer


async def meter_values(station: FakeStation) -> Any:
    sample = {"timestamp": now_iso(), "sampled_value": [{"value": "1234", "context": "Trigger"}]}
    answer = await station.call(
        call.MeterValues(connector_id=1, meter_value=[sample]), suppress=False
    )
    assert isinstance(answer, call_result.MeterValues)
    return answer


async def status(station: FakeStation) -> Any:
    answer = await station.status(1, "Available")
    assert isinstance(answer, call_result.StatusNotification)
    return answer


TRIGGERS: list[tuple[str, int | None, Triggered, str | None]] = [
    ("BootNotification", None, boot, "boot"),
    ("DiagnosticsStatusNotification", None, diagnostics, "diagnostics"),
    ("FirmwareStatusNotification", None, firmware, "firmware"),
    ("Heartbeat", None, heartbeat, None),
    ("MeterValues", 1, meter_values, None),
    ("MeterValues", None, meter_values, None),
    ("StatusNotification", 1, status, "status"),
    ("StatusNotification", None, status, "status"),
]


class TestTriggerMessage:
    @pytest.mark.parametrize(("message", "connector", "triggered", "kind"), TRIGGERS)
    async def test_tc_054_trigger_message(
        self,
        operator: Operator,
        ocpp_url: str,
        message: str,
        connector: int | None,
        triggered: Triggered,
        kind: str | None,
    ) -> None:
        """TC_054: TriggerMessage is Accepted and the requested message is then answered."""
        params: dict[str, Any] = {"requestedMessage": message}
        if connector is not None:
            params["connectorId"] = connector
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            body = await operator.command("TriggerMessage", params)
            await triggered(station)
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
        ((action, sent),) = script.received
        assert action == "TriggerMessage" and sent.get("requested_message") == message
        assert sent.get("connector_id") == connector
        if kind is not None:
            assert [e["kind"] for e in await operator.events(kind)] == [kind]

    @pytest.mark.parametrize("answer", ["Rejected", "NotImplemented"])
    async def test_tc_055_trigger_message_rejected(
        self, operator: Operator, ocpp_url: str, answer: str
    ) -> None:
        """TC_055: Rejected (or NotImplemented) is shown as a failure with the station's answer."""
        script = Script()
        script.answers["TriggerMessage"] = call_result.TriggerMessage(status=answer)
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("TriggerMessage", {"requestedMessage": "Heartbeat"})
        assert body["accepted"] is False and body["message"] == FAILED
        assert body["answer"] == {"status": answer}
        assert [e["info"] for e in await operator.events("command")] == [
            f"TriggerMessage: {answer}"
        ]

    async def test_a_call_error_answer_is_a_failed_command(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """A station that does not know TriggerMessage answers a CallError: 502, worded."""
        script = Script()
        script.answers["TriggerMessage"] = OcppNotImplemented(description="no remote trigger")
        async with connected(ocpp_url, "ST2", script=script):
            response = await operator.send("TriggerMessage", {"requestedMessage": "Heartbeat"})
        assert response.status_code == 502
        assert response.json()["message"] == FAILED
        assert "NotImplemented" in response.json()["detail"]

    async def test_an_unknown_message_type_is_refused_before_sending(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """Only OCPP 1.6's six message types can be triggered; nothing else is sent."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await operator.send("TriggerMessage", {"requestedMessage": "Authorize"})
        assert response.status_code == 422
        assert "Authorize" in response.json()["message"]
        assert script.received == []

    async def test_a_triggered_boot_notification_does_not_close_open_transactions(
        self, session: AsyncSession, world: World, operator: Operator, ocpp_url: str
    ) -> None:
        """A BootNotification the station sent on request is no reboot: charging goes on."""
        user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        yesterday = utcnow() - timedelta(days=1)
        await create_token(session, user=user, id_tag="TRIG1", valid_from=yesterday)
        await session.commit()
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            started = await station.start_tx(1, "TRIG1", 1000)
            assert started.id_tag_info["status"] == "Accepted"
            await operator.command("TriggerMessage", {"requestedMessage": "BootNotification"})
            await boot(station)
            stopped = await station.stop_tx(started.transaction_id, 1500)
        assert stopped.id_tag_info is None  # the stop named no idTag
        found = await operator.client.get(
            f"{operator.base}/transactions/{started.transaction_id}", headers=operator.headers
        )
        body = found.json()
        assert body["closed_at_reboot"] is False
        assert body["meter_stop"] == 1500 and body["energy_wh"] == 500
        assert await operator.events("reboot_close") == []
