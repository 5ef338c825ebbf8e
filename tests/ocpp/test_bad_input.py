"""Bad input never kills the connection: each gets the right OCPP 1.6 CallError."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.station import FakeStation, connected
from tests.ocpp.conftest import Site

HEARTBEAT = '[2,"alive","Heartbeat",{}]'
START = '"StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":'


async def still_alive(station: FakeStation) -> None:
    answer = json.loads(await station.raw(HEARTBEAT))
    assert answer[:2] == [3, "alive"] and "currentTime" in answer[2]


@pytest.mark.parametrize(
    ("frame", "unique_id", "code"),
    [
        ("this is not json", "-1", "FormationViolation"),
        ('[2,"a1","Heartbeat",{}', "-1", "FormationViolation"),
        ('{"not": "a list"}', "-1", "ProtocolError"),
        ('[2,"a2"]', "a2", "ProtocolError"),
        ('[2,"a3","FlyToTheMoon",{}]', "a3", "NotImplemented"),
        ('[2,"a4","Reset",{"type":"Soft"}]', "a4", "NotSupported"),
        ('[2,"a5","BootNotification",{"chargePointVendor":"V"}]', "a5", "ProtocolError"),
        (
            '[2,"a6","StatusNotification",{"connectorId":"one","errorCode":"NoError",'
            '"status":"Available"}]',
            "a6",
            "TypeConstraintViolation",
        ),
        ('[2,"a7","Heartbeat",{"extra":1}]', "a7", "FormationViolation"),
        (
            '[2,"a8","StatusNotification",{"connectorId":1,"errorCode":"NoError",'
            '"status":"Sleeping"}]',
            "a8",
            "PropertyConstraintViolation",
        ),
        ('[2,"a9","Authorize",{"idTag":"' + "X" * 21 + '"}]', "a9", "TypeConstraintViolation"),
        ('[2,"b1",' + START + '"yesterday"}]', "b1", "TypeConstraintViolation"),
        ('[2,"b2","Heartbeat",[]]', "b2", "TypeConstraintViolation"),
        ('[7,"b3","Heartbeat",{}]', "b3", "PropertyConstraintViolation"),
        ('[2,"b4",{"Heartbeat":1},{}]', "b4", "ProtocolError"),
        # Issue 12: what got no answer, an InternalError or was stored.
        (
            '[2,"c1",' + START + '"2026-01-01T00:00:00Z","meterStart":' + "9" * 5000 + "}]",
            "c1",
            "TypeConstraintViolation",
        ),
        ("[" * 5000 + "]" * 5000, "-1", "FormationViolation"),
        ('[2,"c2","Heartbeat",{"a":' + "[" * 100 + "]" * 100 + "}]", "c2", "FormationViolation"),
        ('[2,"c3","Authorize",{"idTag":"\\ud800"}]', "c3", "FormationViolation"),
        (
            '[2,"c4",' + START + '"2026-01-01T00:00:00Z","meterStart":' + str(2**63) + "}]",
            "c4",
            "TypeConstraintViolation",
        ),
        (
            '[2,"c5",' + START + '"2026-01-01T00:00:00Z","meterStart":' + str(2**31) + "}]",
            "c5",
            "TypeConstraintViolation",
        ),
        ('[2,"' + "x" * 37 + '","Heartbeat",{}]', "-1", "FormationViolation"),
        ('[2,"","Heartbeat",{}]', "-1", "FormationViolation"),
        (
            '[2,"c6","StatusNotification",{"connectorId":-1,"errorCode":"NoError",'
            '"status":"Available"}]',
            "c6",
            "PropertyConstraintViolation",
        ),
        (
            '[2,"c7","MeterValues",{"connectorId":-1,"meterValue":[{"timestamp":'
            '"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"}]}]}]',
            "c7",
            "PropertyConstraintViolation",
        ),
    ],
)
async def test_bad_frames_get_a_call_error_and_the_connection_lives(
    site: Site, ocpp_url: str, frame: str, unique_id: str, code: str
) -> None:
    async with connected(ocpp_url, site.identifier, serve=False) as station:
        answer = json.loads(await station.raw(frame))
        assert answer[:3] == [4, unique_id, code], answer
        assert isinstance(answer[3], str) and isinstance(answer[4], dict)
        await still_alive(station)


async def test_an_answer_nobody_waits_for_is_ignored(site: Site, ocpp_url: str) -> None:
    async with connected(ocpp_url, site.identifier, serve=False) as station:
        await station.ws.send('[3,"never-asked",{"status":"Accepted"}]')
        await station.ws.send('[4,"never-asked","GenericError","",{}]')
        await station.ws.send('[3,"broken"')
        await still_alive(station)


async def test_a_binary_frame_is_refused_as_ocpp_j_frames_are_text(
    site: Site, ocpp_url: str
) -> None:
    async with connected(ocpp_url, site.identifier, serve=False) as station:
        await station.ws.send(HEARTBEAT.encode())
        assert json.loads(await station.ws.recv())[:3] == [4, "-1", "FormationViolation"]
        await still_alive(station)
