"""Scheduled tasks through the REST API: add, edit, copy, (de)activate, delete, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World

URL = "/api/v1/schedules/tasks"


def limit_task(world: World, **changes: Any) -> dict[str, Any]:
    """The manual's first example: limit charger X to 6 A at 01:00, daily."""
    body: dict[str, Any] = {
        "name": "Limit charging current at night",
        "task_type": "station_current",
        "key_id": world.stations[2].id,
        "max_current": "6",
        "schedule": "daily",
        "hour": 1,
        "minute": 0,
    }
    return body | changes


class TestAddEditCopy:
    async def test_the_manual_s_first_example(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        created = await client.post(URL, json=limit_task(world), headers=alpha)
        assert created.status_code == 201, created.text
        first = created.json()
        assert first["task_type_label"] == "Max current allowed per charger"
        assert first["key_label"].startswith("ST2") and first["max_current"] == "6.0"
        assert first["active"] is False and first["next_run_at"] is None

        copied = await client.post(f"{URL}/{first['id']}/copy", headers=alpha)
        assert copied.status_code == 201
        second = copied.json()
        assert second["name"] == "Copy of Limit charging current at night"
        body = limit_task(world, name="Full current in the morning", max_current="32", hour=6)
        body["version"] = second["version"]
        saved = await client.put(f"{URL}/{second['id']}", json=body, headers=alpha)
        assert saved.status_code == 200, saved.text

        both = {"task_ids": [first["id"], second["id"]], "active": True}
        ticked = await client.post(f"{URL}/active", json=both, headers=alpha)
        assert ticked.status_code == 200
        listed = {t["name"]: t for t in (await client.get(URL, headers=alpha)).json()}
        night, morning = (
            listed["Limit charging current at night"],
            listed["Full current in the morning"],
        )
        assert night["active"] and morning["active"]
        assert night["next_run_at"].endswith("01:00:00Z") or "T01:00:00" in night["next_run_at"]
        assert "T06:00:00" in morning["next_run_at"] and morning["max_current"] == "32.0"
        detail = (await client.get(f"{URL}/{night['id']}", headers=alpha)).json()
        assert len(detail["upcoming"]) == 5

    async def test_filter_by_type_and_name(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        await client.post(URL, json=limit_task(world), headers=alpha)
        group = limit_task(
            world, name="Group at night", task_type="group_current", key_id=world.b.id
        )
        await client.post(URL, json=group, headers=alpha)
        by_type = await client.get(URL, params={"task_type": "group_current"}, headers=alpha)
        assert [t["name"] for t in by_type.json()] == ["Group at night"]
        by_name = await client.get(URL, params={"q": "CURRENT AT"}, headers=alpha)
        assert [t["name"] for t in by_name.json()] == ["Limit charging current at night"]

    async def test_deactivate_and_delete(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        task = (await client.post(URL, json=limit_task(world, active=True), headers=alpha)).json()
        assert task["next_run_at"] is not None
        off = await client.post(
            f"{URL}/active", json={"task_ids": [task["id"]], "active": False}, headers=alpha
        )
        assert off.json()[0]["next_run_at"] is None
        assert (await client.delete(f"{URL}/{task['id']}", headers=alpha)).status_code == 204
        assert (await client.get(f"{URL}/{task['id']}", headers=alpha)).status_code == 404

    async def test_a_stale_version_is_refused(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        task = (await client.post(URL, json=limit_task(world), headers=alpha)).json()
        await client.put(
            f"{URL}/{task['id']}", json=limit_task(world, version=task["version"]), headers=alpha
        )
        again = await client.put(
            f"{URL}/{task['id']}", json=limit_task(world, version=task["version"]), headers=alpha
        )
        assert again.status_code == 409 and again.json()["error"] == "stale_edit"


class TestBadInput:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"name": "  "}, "name"),
            ({"task_type": "reboot"}, "task_type"),
            ({"key_id": None}, "key_id"),
            ({"max_current": "six"}, "max_current"),
            ({"max_current": "-1"}, "max_current"),
            ({"max_current": "6.25"}, "max_current"),
            ({"schedule": "hourly"}, "schedule"),
            ({"hour": 24}, "hour"),
            ({"minute": -1}, "minute"),
            ({"schedule": "weekly", "weekdays": []}, "weekdays"),
            ({"schedule": "weekly", "weekdays": [7]}, "weekdays"),
            ({"schedule": "monthly", "day_of_month": 32}, "day_of_month"),
            ({"schedule": "once", "run_at": None}, "run_at"),
            ({"schedule": "once", "run_at": "2020-01-01T00:00:00Z", "active": True}, "run_at"),
            ({"task_type": "user_activation", "key_id": None}, "key_id"),
            (
                {"task_type": "firmware_update", "firmware_location": "not a url"},
                "firmware_location",
            ),
        ],
    )
    async def test_the_field_and_why_and_nothing_saved(
        self,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        changes: dict[str, Any],
        field: str,
    ) -> None:
        body = limit_task(world, **changes)
        if body["task_type"] == "firmware_update":
            body["key_id"] = world.b.id
        response = await client.post(URL, json=body, headers=alpha)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field and response.json()["message"]
        assert (await client.get(URL, headers=alpha)).json() == []

    async def test_user_activation_needs_active_or_inactive(
        self, world: World, alpha: dict[str, str], client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from tests.fixtures.factories import create_charging_user

        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await session.commit()
        body = limit_task(world, task_type="user_activation", key_id=user.id, max_current=None)
        response = await client.post(URL, json=body, headers=alpha)
        assert response.status_code == 422 and response.json()["field"] == "make_active"
        ok = await client.post(URL, json=body | {"make_active": False}, headers=alpha)
        assert ok.status_code == 201 and ok.json()["make_active"] is False


async def test_a_past_one_shot_cannot_be_activated_and_nothing_changes(
    world: World, alpha: dict[str, str], client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from datetime import timedelta

    from laturi.auth.service import actor_for
    from laturi.kit.time import utcnow
    from laturi.schedules import service

    actor = await actor_for(session, world.alpha)
    past = (utcnow() - timedelta(hours=1)).replace(second=0, microsecond=0)
    data = service.TaskInput(
        name="Once",
        task_type="station_current",
        key_id=world.stations[2].id,
        max_current="6",
        schedule="once",
        run_at=past,
    )
    once = await service.create_task(session, actor, data)
    await session.commit()
    daily = (await client.post(URL, json=limit_task(world), headers=alpha)).json()
    body = {"task_ids": [daily["id"], once.id], "active": True}
    response = await client.post(f"{URL}/active", json=body, headers=alpha)
    assert response.status_code == 422 and response.json()["field"] == "run_at"
    assert not any(t["active"] for t in (await client.get(URL, headers=alpha)).json())
