"""Commands to a station through the REST API, with a real station answering over OCPP."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from ocpp.exceptions import GenericError
from ocpp.v16 import call_result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import StationEvent, Transaction
from laturi.models.station_event import EventKind
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import read
from tests.fixtures.world import World, api_token

PROFILE = {
    "chargingProfileId": 7,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    },
}

# command, raw parameters, what the station must receive (snake_case), answer accepted
ROUND_TRIPS: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "ChangeAvailability",
        {"connectorId": 0, "type": "Inoperative"},
        {"connector_id": 0, "type": "Inoperative"},
        {"status": "Accepted"},
    ),
    (
        "ChangeConfiguration",
        {"key": "MeterValueSampleInterval", "value": "10"},
        {"key": "MeterValueSampleInterval", "value": "10"},
        {"status": "Accepted"},
    ),
    ("ClearCache", {}, {}, {"status": "Accepted"}),
    ("GetConfiguration", {}, {}, {"unknownKey": []}),
    ("GetConfiguration", {"key": ["HeartbeatInterval"]}, {"key": ["HeartbeatInterval"]}, {}),
    (
        "RemoteStartTransaction",
        {
            "connectorId": 1,
            "idTag": "04A2B3C4",
            "chargingProfile": PROFILE | {"chargingProfilePurpose": "TxProfile"},
        },
        {"connector_id": 1, "id_tag": "04A2B3C4"},
        {"status": "Accepted"},
    ),
    ("RemoteStopTransaction", {"transactionId": 424242}, {"transaction_id": 424242}, {}),
    ("Reset", {"type": "Hard"}, {"type": "Hard"}, {"status": "Accepted"}),
    ("UnlockConnector", {"connectorId": 99}, {"connector_id": 99}, {"status": "Unlocked"}),
    (
        "UpdateFirmware",
        {"location": "ftp://fw.example/evb.bin", "retrieveDate": "2026-03-01T10:00:00Z"},
        {"location": "ftp://fw.example/evb.bin", "retrieve_date": "2026-03-01T10:00:00Z"},
        {},
    ),
    (
        "GetDiagnostics",
        {"location": "ftp://diag.example/up/"},
        {"location": "ftp://diag.example/up/"},
        {"fileName": "diag.zip"},
    ),
    (
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "connectorId": 1},
        {"requested_message": "StatusNotification", "connector_id": 1},
        {"status": "Accepted"},
    ),
    (
        "SetChargingProfile",
        {"connectorId": 0, "csChargingProfiles": PROFILE},
        {"connector_id": 0},
        {"status": "Accepted"},
    ),
    ("ClearChargingProfile", {"id": 7}, {"id": 7}, {"status": "Accepted"}),
    (
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"},
        {"connector_id": 1, "duration": 3600, "charging_rate_unit": "W"},
        {"status": "Accepted"},
    ),
    ("SendLocalList", {}, {"update_type": "Full", "local_authorization_list": []}, {}),
    ("GetLocalListVersion", {}, {}, {"listVersion": 3}),
]


def command_url(world: World, command: str, station: int = 2) -> str:
    return f"/api/v1/stations/{world.stations[station].id}/commands/{command}"


async def command_events(database: Database) -> list[str]:
    async def work(s: AsyncSession) -> list[str]:
        query = select(StationEvent.info).where(StationEvent.kind == EventKind.COMMAND)
        return [i or "" for i in (await s.scalars(query.order_by(StationEvent.id))).all()]

    return await read(database, work)


class TestRoundTrips:
    @pytest.mark.parametrize(("command", "params", "received", "answer"), ROUND_TRIPS)
    async def test_the_station_receives_the_command_and_its_answer_comes_back(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        command: str,
        params: dict[str, Any],
        received: dict[str, Any],
        answer: dict[str, Any],
        session: AsyncSession,
    ) -> None:
        if "idTag" in params:  # a remote start: the tag must be one that may charge there
            user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
            await create_token(session, user=user, id_tag=params["idTag"])
            await session.commit()
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(command_url(world, command), json=params, headers=alpha)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["command"] == command and body["accepted"] and body["message"] is None
        assert answer.items() <= body["answer"].items()
        ((action, kwargs),) = script.received
        assert action == command and received.items() <= kwargs.items()


class TestRefusals:
    @pytest.mark.parametrize(
        ("command", "params", "answer", "message"),
        [
            (
                "Reset",
                {"type": "Soft"},
                call_result.Reset(status="Rejected"),
                "Remote command execution failed.",
            ),
            (
                "UnlockConnector",
                {"connectorId": 99},
                call_result.UnlockConnector(status="NotSupported"),
                "Remote command execution failed.",
            ),
            (
                "ChangeConfiguration",
                {"key": "NoSuchKey", "value": "1"},
                call_result.ChangeConfiguration(status="NotSupported"),
                "Charging point configuration error.",
            ),
        ],
    )
    async def test_a_rejection_shows_the_answer_and_the_manual_s_message(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        command: str,
        params: dict[str, Any],
        answer: Any,
        message: str,
    ) -> None:
        script = Script()
        script.answers[command] = answer
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(command_url(world, command), json=params, headers=alpha)
        assert response.status_code == 200
        body = response.json()
        assert body["accepted"] is False and body["message"] == message
        assert body["answer"]["status"] == answer.status

    async def test_a_call_error_answer_is_a_failed_command(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        database: Database,
    ) -> None:
        script = Script()
        script.answers["ClearCache"] = GenericError(description="cache is busy")
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(command_url(world, "ClearCache"), headers=alpha)
        assert response.status_code == 502
        body = response.json()
        assert body["message"] == "Remote command execution failed."
        assert "GenericError" in body["detail"] and "cache is busy" in body["detail"]
        assert await command_events(database) == ["ClearCache: failed: " + body["detail"]]

    async def test_no_answer_in_time_fails_and_the_late_answer_is_ignored(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        settings: Settings,
    ) -> None:
        settings.ocpp_command_timeout = 0.3
        script = Script(delay=0.6)
        async with connected(ocpp_url, "ST2", script=script):
            late = await client.post(command_url(world, "ClearCache"), headers=alpha)
            assert late.status_code == 504
            assert late.json()["message"] == "Remote command execution failed."
            await asyncio.sleep(0.5)  # the late answer arrives, nobody waits for it
            script.delay = 0
            again = await client.post(command_url(world, "ClearCache"), headers=alpha)
        assert again.status_code == 200 and again.json()["accepted"]

    async def test_an_offline_station_says_so_and_nothing_is_sent(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post(
            command_url(world, "Reset"), json={"type": "Soft"}, headers=alpha
        )
        assert response.status_code == 409
        assert response.json()["message"] == "Charging station is not connected. Nothing was sent."
        assert await command_events(database) == []

    async def test_parameters_breaking_the_schema_are_refused_before_sending(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient, ocpp_url: str
    ) -> None:
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(
                command_url(world, "Reset"), json={"type": "Sideways"}, headers=alpha
            )
        assert response.status_code == 422
        assert "Sideways" in response.json()["message"]
        assert script.received == []

    async def test_an_unknown_command_is_not_found(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        response = await client.post(command_url(world, "SelfDestruct"), headers=alpha)
        assert response.status_code == 422


class TestOneCallInFlight:
    async def test_concurrent_commands_go_out_one_after_the_other(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        app: FastAPI,
    ) -> None:
        script = Script(delay=0.1)
        async with connected(ocpp_url, "ST2", script=script):
            answers = await asyncio.gather(
                *(client.post(command_url(world, "ClearCache"), headers=alpha) for _ in range(3))
            )
        assert [a.status_code for a in answers] == [200, 200, 200]
        await app.state.ocpp.journal.flush()
        log = await client.get(
            f"/api/v1/stations/{world.stations[2].id}/messages",
            params={"action": "ClearCache"},
            headers=alpha,
        )
        frames = [(m["direction"], m["message_type"]) for m in reversed(log.json()["items"])]
        assert frames == [("out", 2), ("in", 3)] * 3


class TestMessageLog:
    async def test_frames_each_way_are_kept_and_searchable(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        app: FastAPI,
    ) -> None:
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            await client.post(command_url(world, "Reset"), json={"type": "Soft"}, headers=alpha)
        await app.state.ocpp.journal.flush()
        url = f"/api/v1/stations/{world.stations[2].id}/messages"
        found = (await client.get(url, headers=alpha)).json()["items"]
        assert [(m["direction"], m["message_type"], m["action"]) for m in reversed(found)] == [
            ("in", 2, "BootNotification"),
            ("out", 3, "BootNotification"),
            ("out", 2, "Reset"),
            ("in", 3, "Reset"),
        ]
        searched = (await client.get(url, params={"q": "fake-1"}, headers=alpha)).json()
        assert [m["action"] for m in searched["items"]] == ["BootNotification"]


class TestLocalList:
    async def test_send_local_list_defaults_to_the_tokens_valid_at_the_station(
        self,
        session: AsyncSession,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
    ) -> None:
        since = utcnow() - timedelta(days=1)
        here = await create_charging_user(session, organization=world.org_a, groups=[world.b])
        away = await create_charging_user(session, organization=world.org_a, groups=[world.c])
        await create_token(session, user=here, id_tag="HERE1", valid_from=since)
        await create_token(session, user=away, id_tag="AWAY1", valid_from=since)
        await session.commit()
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(command_url(world, "SendLocalList"), headers=alpha)
        assert response.json()["accepted"]
        ((_, kwargs),) = script.received
        assert kwargs["update_type"] == "Full" and kwargs["list_version"] > 0
        assert kwargs["local_authorization_list"] == [
            {"id_tag": "HERE1", "id_tag_info": {"status": "Accepted"}}
        ]

    async def test_a_hand_written_list_is_an_admin_s_the_computed_one_anyone_s(
        self, session: AsyncSession, world: World, client: httpx.AsyncClient, ocpp_url: str
    ) -> None:
        beta = await api_token(session, world.beta)
        written = {
            "updateType": "Full",
            "localAuthorizationList": [{"idTag": "ANYONE", "idTagInfo": {"status": "Accepted"}}],
        }
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            refused = await client.post(
                command_url(world, "SendLocalList"), json=written, headers=beta
            )
            computed = await client.post(command_url(world, "SendLocalList"), headers=beta)
        assert (refused.status_code, refused.json()["message"]) == (403, "Access denied.")
        assert computed.json()["accepted"]
        assert [action for action, _ in script.received] == ["SendLocalList"]

    async def test_another_organisation_s_tokens_never_enter_the_list(
        self,
        session: AsyncSession,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
    ) -> None:
        since = utcnow() - timedelta(days=1)
        here = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        # Organisation B's users: one with B's own rights, one whose rights (wrongly) name
        # organisation A's group and station: neither may be sent to A's station.
        theirs = await create_charging_user(session, organization=world.org_b, groups=[world.x])
        astray = await create_charging_user(
            session, organization=world.org_b, groups=[world.b], stations=[world.stations[2]]
        )
        await create_token(session, user=here, id_tag="HERE1", valid_from=since)
        await create_token(session, user=theirs, id_tag="OMEGA1", valid_from=since)
        await create_token(session, user=astray, id_tag="OMEGA2", valid_from=since)
        await session.commit()
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(command_url(world, "SendLocalList"), headers=alpha)
        assert response.json()["accepted"]
        ((_, kwargs),) = script.received
        assert [e["id_tag"] for e in kwargs["local_authorization_list"]] == ["HERE1"]


class TestRemoteStartWithAnotherOrganisationsTag:
    async def test_the_tag_is_unknown_at_the_station_and_names_nobody(
        self,
        session: AsyncSession,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        ocpp_url: str,
        database: Database,
    ) -> None:
        since = utcnow() - timedelta(days=1)
        theirs = await create_charging_user(
            session, organization=world.org_b, groups=[world.x, world.b]
        )
        await create_token(session, user=theirs, id_tag="OMEGA1", valid_from=since)
        await session.commit()
        params = {"connectorId": 1, "idTag": "OMEGA1"}
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            response = await client.post(
                command_url(world, "RemoteStartTransaction"), json=params, headers=alpha
            )
            # Unknown in this organisation: refused before anything is sent (issue 13).
            assert response.status_code == 422, response.text
            assert response.json()["field"] == "idTag"
            assert "Invalid, unknown token" in response.json()["message"]
            assert script.received == []
            # A station starting by itself with the tag still gets Invalid.
            started = await station.start_tx(1, "OMEGA1", 0)
        assert started.id_tag_info["status"] == "Invalid"

        async def recorded(s: AsyncSession) -> list[tuple[int | None, int | None, str]]:
            rows = await s.scalars(select(Transaction))
            return [(t.token_id, t.charging_user_id, t.authorization_status) for t in rows]

        assert await read(database, recorded) == [(None, None, "Invalid")]
