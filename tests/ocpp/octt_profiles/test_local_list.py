"""OCTT Local Auth List Management profile, central-system cases (TC_042_*, TC_043_*).

Laturi keeps, per station, the list version and the id tags the station accepted, so a
full update goes out at the next version and a differential one carries only the changes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from ocpp.v16 import call_result
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import AuthToken
from laturi.stations.commands import local_lists
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import read
from tests.fixtures.world import World
from tests.ocpp.octt_profiles.conftest import Operator

FAILED = "Remote command execution failed."


async def held(database: Database, station_id: int) -> tuple[int | None, list[str]]:
    """The list version and id tags Laturi believes the station holds."""

    async def work(s: AsyncSession) -> tuple[int | None, list[str]]:
        return await local_lists.version(s, station_id), await local_lists.held_tags(s, station_id)

    return await read(database, work)


async def token(session: AsyncSession, world: World, id_tag: str) -> AuthToken:
    """A token valid at station 2 (group B) since yesterday."""
    user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
    made = await create_token(
        session, user=user, id_tag=id_tag, valid_from=utcnow() - timedelta(days=1)
    )
    await session.commit()
    return made


def tags(sent: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(idTag, status or None for a removal) of what the station received."""
    entries = sent["local_authorization_list"]
    return [(e["id_tag"], e.get("id_tag_info", {}).get("status")) for e in entries]


class TestGetLocalListVersion:
    async def test_tc_042_1_not_supported(
        self, operator: Operator, ocpp_url: str, database: Database
    ) -> None:
        """TC_042_1: a station without a local list answers -1: shown, no list is assumed."""
        script = Script()
        script.answers["GetLocalListVersion"] = call_result.GetLocalListVersion(list_version=-1)
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("GetLocalListVersion")
        assert body["accepted"] and body["answer"] == {"listVersion": -1}
        assert script.received == [("GetLocalListVersion", {})]
        assert await held(database, operator.station_id) == (None, [])

    async def test_tc_042_2_empty(
        self, operator: Operator, ocpp_url: str, database: Database
    ) -> None:
        """TC_042_2: an empty local list answers 0: known empty, differential allowed."""
        script = Script()
        script.answers["GetLocalListVersion"] = call_result.GetLocalListVersion(list_version=0)
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("GetLocalListVersion")
            differential = await operator.command("SendLocalList", {"updateType": "Differential"})
        assert body["answer"] == {"listVersion": 0}
        assert differential["accepted"]
        assert script.received[1][1]["list_version"] == 1
        assert await held(database, operator.station_id) == (1, [])

    async def test_a_version_we_did_not_send_makes_the_content_unknown(
        self,
        session: AsyncSession,
        world: World,
        operator: Operator,
        ocpp_url: str,
        database: Database,
    ) -> None:
        """Another version than ours: no differential update until a full one at version+1."""
        await token(session, world, "HERE1")
        script = Script()
        script.answers["GetLocalListVersion"] = call_result.GetLocalListVersion(list_version=7)
        async with connected(ocpp_url, "ST2", script=script):
            await operator.command("GetLocalListVersion")
            refused = await operator.send("SendLocalList", {"updateType": "Differential"})
            full = await operator.command("SendLocalList")
        assert refused.status_code == 422
        assert refused.json()["field"] == "updateType"
        assert refused.json()["message"] == local_lists.NEEDS_FULL
        assert full["accepted"]
        assert [a for a, _ in script.received] == ["GetLocalListVersion", "SendLocalList"]
        assert script.received[1][1]["list_version"] == 8
        assert await held(database, operator.station_id) == (8, ["HERE1"])


class TestSendLocalList:
    @pytest.mark.parametrize(
        ("case", "status"), [("TC_043_1", "NotSupported"), ("TC_043_3", "Failed")]
    )
    async def test_tc_043_1_not_supported_and_tc_043_3_failed(
        self,
        session: AsyncSession,
        world: World,
        operator: Operator,
        ocpp_url: str,
        database: Database,
        case: str,
        status: str,
    ) -> None:
        """TC_043_1 / TC_043_3: NotSupported or Failed is shown as a failure; nothing is held."""
        await token(session, world, "HERE1")
        script = Script()
        script.answers["SendLocalList"] = call_result.SendLocalList(status=status)
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("SendLocalList")
        assert body["accepted"] is False and body["message"] == FAILED
        assert body["answer"] == {"status": status}
        assert [e["info"] for e in await operator.events("command")] == [f"SendLocalList: {status}"]
        assert await held(database, operator.station_id) == (None, [])

    async def test_tc_043_4_full(
        self,
        session: AsyncSession,
        world: World,
        operator: Operator,
        ocpp_url: str,
        database: Database,
    ) -> None:
        """TC_043_4: a full update carries every token valid at the station, version 1."""
        await token(session, world, "HERE1")
        await token(session, world, "HERE2")
        away = await create_charging_user(session, organization=world.org_a, groups=[world.c])
        await create_token(session, user=away, id_tag="AWAY1")
        await session.commit()
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("SendLocalList", {"updateType": "Full"})
        assert body["accepted"] and body["answer"] == {"status": "Accepted"}
        ((action, sent),) = script.received
        assert action == "SendLocalList"
        assert sent["update_type"] == "Full" and sent["list_version"] == 1
        assert sorted(tags(sent)) == [("HERE1", "Accepted"), ("HERE2", "Accepted")]
        assert await held(database, operator.station_id) == (1, ["HERE1", "HERE2"])

    async def test_tc_043_5_differential(
        self,
        session: AsyncSession,
        world: World,
        operator: Operator,
        ocpp_url: str,
        database: Database,
    ) -> None:
        """TC_043_5: full, then a differential one at the next version with only the changes."""
        await token(session, world, "KEEP1")
        gone = await token(session, world, "GONE1")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            full = await operator.command("SendLocalList", {"updateType": "Full"})
            gone.active = False
            await session.commit()
            await token(session, world, "NEW01")
            differential = await operator.command("SendLocalList", {"updateType": "Differential"})
        assert full["accepted"] and differential["accepted"]
        (_, first), (_, second) = script.received
        assert first["list_version"] == 1 and sorted(tags(first)) == [
            ("GONE1", "Accepted"),
            ("KEEP1", "Accepted"),
        ]
        assert second["update_type"] == "Differential" and second["list_version"] == 2
        assert tags(second) == [("NEW01", "Accepted"), ("GONE1", None)]
        assert await held(database, operator.station_id) == (2, ["KEEP1", "NEW01"])

    async def test_a_differential_update_reports_a_changed_expiry(
        self,
        session: AsyncSession,
        world: World,
        operator: Operator,
        ocpp_url: str,
    ) -> None:
        """A token whose validity end changed is sent again with its new expiry date."""
        changed = await token(session, world, "LATER")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            await operator.command("SendLocalList")
            changed.valid_to = utcnow() + timedelta(days=30)
            await session.commit()
            await operator.command("SendLocalList", {"updateType": "Differential"})
            again = await operator.command("SendLocalList", {"updateType": "Differential"})
        ((tag, info),) = [
            (e["id_tag"], e["id_tag_info"])
            for e in script.received[1][1]["local_authorization_list"]
        ]
        assert tag == "LATER" and info["expiry_date"].startswith(f"{changed.valid_to:%Y-%m-%d}")
        assert script.received[2][1]["local_authorization_list"] == []
        assert again["accepted"]

    async def test_version_mismatch_keeps_what_the_station_held(
        self,
        session: AsyncSession,
        world: World,
        operator: Operator,
        ocpp_url: str,
        database: Database,
    ) -> None:
        """VersionMismatch is a failure; the held version stays and the next try reuses it."""
        await token(session, world, "HERE1")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            await operator.command("SendLocalList")
            script.answers["SendLocalList"] = call_result.SendLocalList(status="VersionMismatch")
            mismatch = await operator.command("SendLocalList", {"updateType": "Differential"})
            script.answers["SendLocalList"] = call_result.SendLocalList(status="Accepted")
            retried = await operator.command("SendLocalList", {"updateType": "Differential"})
        assert mismatch["accepted"] is False and mismatch["message"] == FAILED
        assert mismatch["answer"] == {"status": "VersionMismatch"}
        assert retried["accepted"]
        assert [s["list_version"] for _, s in script.received] == [1, 2, 2]
        assert await held(database, operator.station_id) == (2, ["HERE1"])

    async def test_entries_given_by_the_operator_go_out_as_given(
        self, operator: Operator, ocpp_url: str, database: Database
    ) -> None:
        """Odd lists reach the station as given; what it accepts is what it then holds."""
        script = Script()
        params = {
            "listVersion": 5,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": "CERT-TAG-1", "idTagInfo": {"status": "Blocked"}},
                {"idTag": "CERT-TAG-2"},
            ],
        }
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("SendLocalList", params)
        assert body["accepted"]
        ((_, sent),) = script.received
        assert sent["list_version"] == 5
        assert tags(sent) == [("CERT-TAG-1", "Blocked"), ("CERT-TAG-2", None)]
        assert await held(database, operator.station_id) == (5, ["CERT-TAG-1"])

    async def test_a_differential_update_before_any_list_is_refused(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """Nothing is known of the station's list: a differential update cannot be computed."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await operator.send("SendLocalList", {"updateType": "Differential"})
        assert response.status_code == 422
        assert response.json()["field"] == "updateType"
        assert script.received == []
