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


async def test_a_binary_frame_is_read_as_text(site: Site, ocpp_url: str) -> None:
    async with connected(ocpp_url, site.identifier, serve=False) as station:
        await station.ws.send(HEARTBEAT.encode())
        assert json.loads(await station.ws.recv())[:2] == [3, "alive"]
