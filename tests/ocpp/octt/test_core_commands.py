"""OCTT Core profile, cases the central system drives: remote start/stop, reset, unlock, config.

One test per `TC_…_CSMS` case; the operator sends each command through the REST API.
"""

from __future__ import annotations

from typing import Any

import httpx
from ocpp.v16 import call, call_result

from laturi.bus import COMMAND_FAILED
from laturi.models.station_event import EventKind
from laturi.stations.commands.service import CONFIGURATION_ERROR
from tests.fixtures.station import Script
from tests.ocpp.octt.conftest import GOOD, Stage, at


def answered(response: httpx.Response) -> dict[str, Any]:
    """The command's result: the station answered (accepted or not)."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refusal(script: Script, action: str, answer: Any) -> Script:
    script.answers[action] = answer
    return script


class TestRemoteStartStop:
    async def test_tc_010_remote_start_cable_plugged_in_first(self, stage: Stage) -> None:
        """TC_010: cable first; RemoteStartTransaction and the StartTransaction after Accepted."""
        script = Script()
        async with stage.station(script) as station:
            await station.status(1, "Preparing", timestamp=at(0))
            body = answered(
                await stage.command("RemoteStartTransaction", {"connectorId": 1, "idTag": GOOD})
            )
            started = await station.start_tx(1, GOOD, 0, at(1))
            await station.status(1, "Charging", timestamp=at(1))
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
        assert script.received == [("RemoteStartTransaction", {"connector_id": 1, "id_tag": GOOD})]
        assert started.id_tag_info["status"] == "Accepted"
        (tx,) = await stage.transactions()
        assert tx.id_tag == GOOD and tx.is_open

    async def test_tc_011_1_remote_start_first(self, stage: Stage) -> None:
        """TC_011_1: remote start first; the Authorize and StartTransaction after Accepted."""
        async with stage.station() as station:
            body = answered(
                await stage.command("RemoteStartTransaction", {"connectorId": 1, "idTag": GOOD})
            )
            authorized = await station.call(call.Authorize(id_tag=GOOD), suppress=False)
            await station.status(1, "Preparing", timestamp=at(0))
            started = await station.start_tx(1, GOOD, 0, at(1))
        assert body["accepted"]
        assert authorized.id_tag_info["status"] == started.id_tag_info["status"] == "Accepted"
        assert len(await stage.transactions()) == 1

    async def test_tc_011_2_remote_start_time_out(self, stage: Stage) -> None:
        """TC_011_2: remote start Accepted, no cable comes: Available again, no session."""
        async with stage.station() as station:
            body = answered(
                await stage.command("RemoteStartTransaction", {"connectorId": 1, "idTag": GOOD})
            )
            await station.status(1, "Preparing", timestamp=at(0))
            await station.status(1, "Available", timestamp=at(1))
        assert body["accepted"]
        assert await stage.transactions() == []

    async def test_tc_012_remote_stop(self, stage: Stage) -> None:
        """TC_012: RemoteStopTransaction; the station's Remote StopTransaction closes it."""
        script = Script()
        async with stage.station(script) as station:
            started = await station.start_tx(1, GOOD, 0, at(0))
            tx_id = started.transaction_id
            body = answered(await stage.command("RemoteStopTransaction", {"transactionId": tx_id}))
            await station.stop_tx(tx_id, 900, timestamp=at(9), reason="Remote")
            await station.status(1, "Finishing", timestamp=at(9))
        assert body["accepted"]
        assert script.received == [("RemoteStopTransaction", {"transaction_id": tx_id})]
        (tx,) = await stage.transactions()
        assert tx.stop_reason == "Remote" and not tx.is_open

    async def test_tc_026_remote_start_rejected(self, stage: Stage) -> None:
        """TC_026: RemoteStartTransaction Rejected: the operator is told, no session appears."""
        script = refusal(
            Script(), "RemoteStartTransaction", call_result.RemoteStartTransaction("Rejected")
        )
        async with stage.station(script):
            body = answered(
                await stage.command("RemoteStartTransaction", {"connectorId": 1, "idTag": GOOD})
            )
        assert not body["accepted"] and body["answer"] == {"status": "Rejected"}
        assert body["message"] == COMMAND_FAILED
        assert await stage.transactions() == []

    async def test_tc_028_remote_stop_rejected(self, stage: Stage) -> None:
        """TC_028: RemoteStopTransaction Rejected: the operator is told, the session runs on."""
        script = refusal(
            Script(), "RemoteStopTransaction", call_result.RemoteStopTransaction("Rejected")
        )
        async with stage.station(script) as station:
            started = await station.start_tx(1, GOOD, 0, at(0))
            body = answered(
                await stage.command(
                    "RemoteStopTransaction", {"transactionId": started.transaction_id}
                )
            )
            (tx,) = await stage.transactions()
            assert tx.is_open
            await station.stop_tx(started.transaction_id, 50, timestamp=at(5))
        assert not body["accepted"] and body["message"] == COMMAND_FAILED
        (tx,) = await stage.transactions()
        assert tx.stop_reason == "Local"


class TestReset:
    async def test_tc_013_hard_reset(self, stage: Stage) -> None:
        """TC_013: Reset Hard Accepted; the station reconnects and its boot is Accepted."""
        script = Script()
        async with stage.station(script) as station:
            await station.boot()
            body = answered(await stage.command("Reset", {"type": "Hard"}))
        async with stage.station() as station:
            booted = await station.boot()
            await station.status(0, "Available")
            await station.status(1, "Available")
        assert body["accepted"] and script.received == [("Reset", {"type": "Hard"})]
        assert booted.status == "Accepted"
        assert len(await stage.events(EventKind.BOOT)) == 2

    async def test_tc_014_soft_reset(self, stage: Stage) -> None:
        """TC_014: Reset Soft mid-session: the SoftReset stop and the reboot answered."""
        script = Script()
        async with stage.station(script) as station:
            await station.boot()
            started = await station.start_tx(1, GOOD, 0, at(0))
            body = answered(await stage.command("Reset", {"type": "Soft"}))
            await station.stop_tx(started.transaction_id, 300, timestamp=at(4), reason="SoftReset")
            booted = await station.boot()
            await station.status(1, "Available")
        assert body["accepted"] and script.received == [("Reset", {"type": "Soft"})]
        assert booted.status == "Accepted"
        (tx,) = await stage.transactions()
        assert tx.stop_reason == "SoftReset" and not tx.closed_at_reboot


class TestUnlockConnector:
    async def test_tc_017_1_unlock_no_session_not_fixed_cable(self, stage: Stage) -> None:
        """TC_017_1: UnlockConnector on an idle connector: Unlocked, shown as done."""
        async with stage.station():
            body = answered(await stage.command("UnlockConnector", {"connectorId": 1}))
        assert body["accepted"] and body["answer"] == {"status": "Unlocked"}

    async def test_tc_017_2_unlock_no_session_fixed_cable(self, stage: Stage) -> None:
        """TC_017_2: a fixed cable cannot be unlocked: NotSupported is shown as a failed command."""
        script = refusal(Script(), "UnlockConnector", call_result.UnlockConnector("NotSupported"))
        async with stage.station(script):
            body = answered(await stage.command("UnlockConnector", {"connectorId": 1}))
        assert not body["accepted"] and body["answer"] == {"status": "NotSupported"}
        assert body["message"] == COMMAND_FAILED

    async def test_tc_018_1_unlock_with_session(self, stage: Stage) -> None:
        """TC_018_1: unlock mid-session: Unlocked; the UnlockCommand stop closes it."""
        async with stage.station() as station:
            started = await station.start_tx(1, GOOD, 0, at(0))
            body = answered(await stage.command("UnlockConnector", {"connectorId": 1}))
            await station.stop_tx(
                started.transaction_id, 120, timestamp=at(3), reason="UnlockCommand"
            )
            await station.status(1, "Finishing", timestamp=at(3))
        assert body["accepted"]
        (tx,) = await stage.transactions()
        assert tx.stop_reason == "UnlockCommand" and tx.energy_wh == 120

    async def test_tc_030_unlock_failure(self, stage: Stage) -> None:
        """TC_030: UnlockFailed is shown to the operator as a failed command."""
        script = refusal(Script(), "UnlockConnector", call_result.UnlockConnector("UnlockFailed"))
        async with stage.station(script):
            body = answered(await stage.command("UnlockConnector", {"connectorId": 1}))
        assert not body["accepted"] and body["answer"] == {"status": "UnlockFailed"}
        assert body["message"] == COMMAND_FAILED

    async def test_tc_031_unlock_unknown_connector(self, stage: Stage) -> None:
        """TC_031: UnlockConnector 99 is sent as asked; NotSupported comes back."""
        script = refusal(Script(), "UnlockConnector", call_result.UnlockConnector("NotSupported"))
        async with stage.station(script):
            body = answered(await stage.command("UnlockConnector", {"connectorId": 99}))
        assert script.received == [("UnlockConnector", {"connector_id": 99})]
        assert not body["accepted"] and body["answer"] == {"status": "NotSupported"}


class TestConfiguration:
    async def test_tc_019_1_retrieve_all_configuration_keys(self, stage: Stage) -> None:
        """TC_019_1: GetConfiguration without keys asks for every key; the list comes back."""
        script = Script()
        async with stage.station(script):
            body = answered(await stage.command("GetConfiguration"))
        assert script.received == [("GetConfiguration", {})]
        keys = {k["key"] for k in body["answer"]["configurationKey"]}
        assert {"HeartbeatInterval", "SupportedFeatureProfiles"} <= keys

    async def test_tc_019_2_retrieve_specific_configuration_key(self, stage: Stage) -> None:
        """TC_019_2: GetConfiguration for HeartbeatInterval asks for that key only."""
        script = refusal(
            Script(),
            "GetConfiguration",
            call_result.GetConfiguration(
                configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
            ),
        )
        async with stage.station(script):
            body = answered(await stage.command("GetConfiguration", {"key": ["HeartbeatInterval"]}))
        assert script.received == [("GetConfiguration", {"key": ["HeartbeatInterval"]})]
        assert [k["key"] for k in body["answer"]["configurationKey"]] == ["HeartbeatInterval"]

    async def test_tc_021_change_configuration(self, stage: Stage) -> None:
        """TC_021: ChangeConfiguration MeterValueSampleInterval=10 is sent as given and Accepted."""
        script = Script()
        async with stage.station(script):
            body = answered(
                await stage.command(
                    "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "10"}
                )
            )
        assert script.received == [
            ("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "10"})
        ]
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}

    async def test_tc_040_1_configuration_key_not_supported(self, stage: Stage) -> None:
        """TC_040_1: an unknown key is sent; NotSupported shows the configuration error."""
        script = refusal(
            Script(), "ChangeConfiguration", call_result.ChangeConfiguration("NotSupported")
        )
        async with stage.station(script):
            body = answered(
                await stage.command("ChangeConfiguration", {"key": "NoSuchKey", "value": "1"})
            )
        assert not body["accepted"] and body["answer"] == {"status": "NotSupported"}
        assert body["message"] == CONFIGURATION_ERROR

    async def test_tc_040_2_configuration_invalid_value(self, stage: Stage) -> None:
        """TC_040_2: an invalid value is Rejected by the station; the configuration error shows."""
        script = refusal(
            Script(), "ChangeConfiguration", call_result.ChangeConfiguration("Rejected")
        )
        async with stage.station(script):
            body = answered(
                await stage.command(
                    "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "-1"}
                )
            )
        assert not body["accepted"] and body["answer"] == {"status": "Rejected"}
        assert body["message"] == CONFIGURATION_ERROR

    async def test_tc_061_clear_cache(self, stage: Stage) -> None:
        """TC_061: ClearCache is sent and its Accepted shown as done."""
        script = Script()
        async with stage.station(script):
            body = answered(await stage.command("ClearCache"))
        assert script.received == [("ClearCache", {})]
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
