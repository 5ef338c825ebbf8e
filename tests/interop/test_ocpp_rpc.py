"""Interoperability: ocpp-rpc (npm, strict mode: every frame validated against the official
OCPP 1.6J schemas, both ways) plays the station against the running server."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.models import Transaction
from tests.conftest import missing
from tests.fixtures.factories import create_group, create_operator, create_organization
from tests.fixtures.factories import create_station as make_station
from tests.fixtures.wait import read
from tests.fixtures.world import api_token

HERE = Path(__file__).resolve().parent
PASSWORD = "Rpc-secret-1"
PROFILE = {
    "chargingProfileId": 3,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    },
}


def commands(transaction_id: int) -> list[tuple[str, dict[str, Any], bool]]:
    """Every command of the issue, with the answer counted as success or not."""
    return [
        ("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, True),
        ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}, True),
        ("ChangeConfiguration", {"key": "NoSuchKey", "value": "1"}, False),
        ("ClearCache", {}, True),
        ("GetConfiguration", {}, True),
        ("RemoteStartTransaction", {"connectorId": 1, "idTag": "RPCTAG01"}, True),
        ("RemoteStopTransaction", {"transactionId": transaction_id}, True),
        ("Reset", {"type": "Soft"}, True),
        ("UnlockConnector", {"connectorId": 1}, True),
        ("UnlockConnector", {"connectorId": 7}, False),
        (
            "UpdateFirmware",
            {"location": "https://fw.example/rpc.bin", "retrieveDate": "2026-03-01T10:00:00Z"},
            True,
        ),
        ("GetDiagnostics", {"location": "ftp://diag.example/up/"}, True),
        ("TriggerMessage", {"requestedMessage": "Heartbeat"}, True),
        ("SetChargingProfile", {"connectorId": 0, "csChargingProfiles": PROFILE}, True),
        ("ClearChargingProfile", {"id": 3}, True),
        ("GetCompositeSchedule", {"connectorId": 1, "duration": 3600}, True),
        ("SendLocalList", {}, True),
        ("GetLocalListVersion", {}, True),
    ]


async def next_line(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    raw = await asyncio.wait_for(process.stdout.readline(), 30)
    assert raw, "the ocpp-rpc station ended early"
    line: dict[str, Any] = json.loads(raw)
    assert "error" not in line, line
    return line


async def test_ocpp_rpc_in_strict_mode_plays_a_whole_session_and_obeys_every_command(
    session: AsyncSession, ocpp_url: str, client: httpx.AsyncClient, database: Database
) -> None:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "ocpp-rpc").exists():
        missing("node and tests/interop/node_modules (make setup) are needed")
    org = await create_organization(session)
    group = await create_group(session, organization=org)
    admin = await create_operator(session, base_group=group)
    station = await make_station(
        session, group=group, identifier="RPC001", password=PASSWORD, free_charging=True
    )
    await session.commit()
    headers = await api_token(session, admin)
    process = await asyncio.create_subprocess_exec(
        str(node),
        str(HERE / "station.js"),
        f"{ocpp_url}/ocpp",
        "RPC001",
        PASSWORD,
        cwd=HERE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        lines = [await next_line(process)]
        while "ready" not in lines[-1]:
            lines.append(await next_line(process))
        seen = {k: v for line in lines for k, v in line.items()}
        assert seen["protocol"] == "ocpp1.6" and seen["boot"] == "Accepted"
        assert (seen["authorize"], seen["start"], seen["stop"]) == ("Accepted",) * 3
        assert seen["dataTransfer"] == "UnknownVendorId"
        sent = commands(seen["transactionId"])
        for command, params, accepted in sent:
            response = await client.post(
                f"/api/v1/stations/{station.id}/commands/{command}", json=params, headers=headers
            )
            assert response.status_code == 200, (command, response.text)
            assert response.json()["accepted"] is accepted, (command, response.json())
        assert process.stdin is not None
        process.stdin.write(b"done\n")
        await process.stdin.drain()
        outcome = await next_line(process)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    assert outcome["failures"] == []
    assert outcome["received"] == [command for command, _, _ in sent]
    tx = await read(database, lambda s: s.scalar(select(Transaction)))
    assert tx is not None and tx.energy_wh == 7510 and tx.free_charging
