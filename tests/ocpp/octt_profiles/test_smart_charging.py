"""OCTT Smart Charging profile, central-system cases (TC_056, TC_057, TC_059, TC_066, TC_067).

Profiles go out as the operator writes them; the rules OCPP 1.6 states between their
fields (which connector a purpose may target, a sound schedule) are checked first and a
breach is refused with the offending field, nothing sent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from ocpp.v16 import call_result
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.station import FakeStation, Script, connected
from tests.fixtures.world import World
from tests.ocpp.octt_profiles.conftest import Operator

FAILED = "Remote command execution failed."


def profile(purpose: str, profile_id: int = 1, stack: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 11000.0},
                {"startPeriod": 300, "limit": 7400.0, "numberPhases": 3},
            ],
        },
        **extra,
    }


@pytest.fixture
async def tag(session: AsyncSession, world: World) -> str:
    """An id tag valid at station 2 since yesterday."""
    user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
    yesterday = utcnow() - timedelta(days=1)
    await create_token(session, user=user, id_tag="SMART1", valid_from=yesterday)
    await session.commit()
    return "SMART1"


async def charging(station: FakeStation, tag: str) -> int:
    await station.boot()
    await station.status(1, "Preparing")
    started = await station.start_tx(1, tag, 1000)
    assert started.id_tag_info["status"] == "Accepted"
    await station.status(1, "Charging")
    transaction_id: int = started.transaction_id
    return transaction_id


async def finish(operator: Operator, station: FakeStation, transaction_id: int) -> None:
    """The station ends the session; the transaction is closed with its energy."""
    await station.stop_tx(transaction_id, 2000)
    found = await operator.client.get(
        f"{operator.base}/transactions/{transaction_id}", headers=operator.headers
    )
    assert found.json()["stopped_at"] is not None and found.json()["energy_wh"] == 1000


class TestChargingProfiles:
    async def test_tc_056_tx_default_profile(
        self, operator: Operator, ocpp_url: str, tag: str
    ) -> None:
        """TC_056: a TxDefaultProfile for connector 1 goes out during charging, Accepted."""
        script = Script()
        sent = profile("TxDefaultProfile")
        async with connected(ocpp_url, "ST2", script=script) as station:
            transaction_id = await charging(station, tag)
            body = await operator.command(
                "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": sent}
            )
            await finish(operator, station, transaction_id)
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
        ((action, received),) = script.received
        assert action == "SetChargingProfile" and received["connector_id"] == 1
        got = received["cs_charging_profiles"]
        assert got["charging_profile_purpose"] == "TxDefaultProfile" and got["stack_level"] == 0
        periods = got["charging_schedule"]["charging_schedule_period"]
        assert [(p["start_period"], p["limit"]) for p in periods] == [(0, 11000.0), (300, 7400.0)]

    async def test_tc_057_tx_profile(self, operator: Operator, ocpp_url: str, tag: str) -> None:
        """TC_057: a TxProfile naming the running transaction goes out, Accepted."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            transaction_id = await charging(station, tag)
            sent = profile("TxProfile", transactionId=transaction_id)
            body = await operator.command(
                "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": sent}
            )
            await finish(operator, station, transaction_id)
        assert body["accepted"]
        ((_, received),) = script.received
        got = received["cs_charging_profiles"]
        assert got["charging_profile_purpose"] == "TxProfile"
        assert got["transaction_id"] == transaction_id

    async def test_tc_059_remote_start_with_charging_profile(
        self, operator: Operator, ocpp_url: str, tag: str
    ) -> None:
        """TC_059: RemoteStartTransaction carries a TxProfile; the session then runs."""
        script = Script()
        params = {"connectorId": 1, "idTag": tag, "chargingProfile": profile("TxProfile")}
        async with connected(ocpp_url, "ST2", script=script) as station:
            await station.boot()
            body = await operator.command("RemoteStartTransaction", params)
            await station.status(1, "Preparing")
            started = await station.start_tx(1, tag, 1000)
            await station.status(1, "Charging")
            await finish(operator, station, started.transaction_id)
        assert body["accepted"] and started.id_tag_info["status"] == "Accepted"
        ((action, received),) = script.received
        assert action == "RemoteStartTransaction" and received["id_tag"] == tag
        assert received["charging_profile"]["charging_profile_purpose"] == "TxProfile"
        assert "transaction_id" not in received["charging_profile"]

    async def test_tc_066_get_composite_schedule(self, operator: Operator, ocpp_url: str) -> None:
        """TC_066: after SetChargingProfile, GetCompositeSchedule's schedule is shown as sent."""
        script = Script()
        schedule = {
            "duration": 600,
            "startSchedule": "2026-03-01T10:00:00Z",
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
        }
        script.answers["GetCompositeSchedule"] = call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=1,
            schedule_start="2026-03-01T10:00:00Z",
            charging_schedule=schedule,
        )
        async with connected(ocpp_url, "ST2", script=script):
            await operator.command(
                "SetChargingProfile",
                {"connectorId": 1, "csChargingProfiles": profile("TxDefaultProfile")},
            )
            body = await operator.command(
                "GetCompositeSchedule", {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"}
            )
        assert body["accepted"] and body["answer"]["status"] == "Accepted"
        periods = body["answer"]["chargingSchedule"]["chargingSchedulePeriod"]
        assert periods == [{"startPeriod": 0, "limit": 11000.0}]
        assert [a for a, _ in script.received] == ["SetChargingProfile", "GetCompositeSchedule"]
        asked = {"connector_id": 1, "duration": 600, "charging_rate_unit": "W"}
        assert script.received[1][1] == asked

    async def test_tc_067_clear_charging_profile(self, operator: Operator, ocpp_url: str) -> None:
        """TC_067: a profile is set, then cleared by its id: both Accepted."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            await operator.command(
                "SetChargingProfile",
                {"connectorId": 1, "csChargingProfiles": profile("TxDefaultProfile", 42)},
            )
            body = await operator.command("ClearChargingProfile", {"id": 42})
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
        assert script.received[1] == ("ClearChargingProfile", {"id": 42})

    async def test_clear_charging_profile_by_criteria(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """ClearChargingProfile by connector, purpose and stack level reaches the station."""
        script = Script()
        params = {
            "connectorId": 0,
            "chargingProfilePurpose": "ChargePointMaxProfile",
            "stackLevel": 1,
        }
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("ClearChargingProfile", params)
        assert body["accepted"]
        assert script.received == [
            (
                "ClearChargingProfile",
                {
                    "connector_id": 0,
                    "charging_profile_purpose": "ChargePointMaxProfile",
                    "stack_level": 1,
                },
            )
        ]

    async def test_clearing_an_unknown_profile_is_a_failure(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """The station answers Unknown when nothing matched: shown as a failure."""
        script = Script()
        script.answers["ClearChargingProfile"] = call_result.ClearChargingProfile(status="Unknown")
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("ClearChargingProfile", {"id": 9999})
        assert body["accepted"] is False and body["message"] == FAILED
        assert body["answer"] == {"status": "Unknown"}

    async def test_charge_point_max_profile_and_stack_levels(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """A ChargePointMaxProfile on connector 0 and stacked TxDefaultProfiles all go out."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            answers = [
                await operator.command(
                    "SetChargingProfile", {"connectorId": connector, "csChargingProfiles": sent}
                )
                for connector, sent in [
                    (0, profile("ChargePointMaxProfile", 1)),
                    (0, profile("TxDefaultProfile", 2, stack=0)),
                    (0, profile("TxDefaultProfile", 3, stack=1)),
                ]
            ]
        assert all(a["accepted"] for a in answers)
        got = [r["cs_charging_profiles"] for _, r in script.received]
        assert [(p["charging_profile_id"], p["stack_level"]) for p in got] == [
            (1, 0),
            (2, 0),
            (3, 1),
        ]

    async def test_a_rejected_profile_is_a_failure(self, operator: Operator, ocpp_url: str) -> None:
        """The station may refuse a profile: Rejected is shown with the manual's message."""
        script = Script()
        script.answers["SetChargingProfile"] = call_result.SetChargingProfile(status="Rejected")
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command(
                "SetChargingProfile",
                {"connectorId": 1, "csChargingProfiles": profile("TxProfile")},
            )
        assert body["accepted"] is False and body["message"] == FAILED
        assert body["answer"] == {"status": "Rejected"}


INVALID: list[tuple[str, dict[str, Any], str]] = [
    (
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": profile("ChargePointMaxProfile")},
        "connectorId",
    ),
    (
        "SetChargingProfile",
        {"connectorId": 0, "csChargingProfiles": profile("TxProfile")},
        "connectorId",
    ),
    (
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": profile("TxDefaultProfile", transactionId=5)},
        "csChargingProfiles.transactionId",
    ),
    (
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": profile("TxDefaultProfile", stack=-1)},
        "csChargingProfiles.stackLevel",
    ),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": profile("TxDefaultProfile", chargingProfileKind="Recurring"),
        },
        "csChargingProfiles.recurrencyKind",
    ),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": profile("TxDefaultProfile", recurrencyKind="Daily"),
        },
        "csChargingProfiles.recurrencyKind",
    ),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": profile(
                "TxDefaultProfile",
                validFrom="2026-03-02T00:00:00Z",
                validTo="2026-03-01T00:00:00Z",
            ),
        },
        "csChargingProfiles.validTo",
    ),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": profile(
                "TxDefaultProfile",
                chargingSchedule={
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 60, "limit": 16.0}],
                },
            ),
        },
        "csChargingProfiles.chargingSchedule.chargingSchedulePeriod",
    ),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": profile(
                "TxDefaultProfile",
                chargingSchedule={
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 16.0},
                        {"startPeriod": 0, "limit": 10.0},
                    ],
                },
            ),
        },
        "csChargingProfiles.chargingSchedule.chargingSchedulePeriod",
    ),
    (
        "RemoteStartTransaction",
        {"connectorId": 1, "idTag": "SMART1", "chargingProfile": profile("TxDefaultProfile")},
        "chargingProfile.chargingProfilePurpose",
    ),
    (
        "RemoteStartTransaction",
        {
            "connectorId": 1,
            "idTag": "SMART1",
            "chargingProfile": profile("TxProfile", transactionId=5),
        },
        "chargingProfile.transactionId",
    ),
]


class TestProfileRules:
    @pytest.mark.parametrize(("command", "params", "field"), INVALID)
    async def test_a_profile_breaking_ocpp_rules_is_refused_with_its_field(
        self,
        operator: Operator,
        ocpp_url: str,
        command: str,
        params: dict[str, Any],
        field: str,
    ) -> None:
        """OCPP 1.6's rules between profile fields are checked before anything is sent."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await operator.send(command, params)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field and response.json()["message"]
        assert script.received == []

    async def test_a_profile_breaking_the_schema_is_refused_before_sending(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """A schedule without its rate unit breaks the schema: refused, nothing sent."""
        script = Script()
        broken = profile("TxDefaultProfile")
        del broken["chargingSchedule"]["chargingRateUnit"]
        async with connected(ocpp_url, "ST2", script=script):
            response = await operator.send(
                "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": broken}
            )
        assert response.status_code == 422
        assert "chargingRateUnit" in response.json()["message"]
        assert script.received == []
