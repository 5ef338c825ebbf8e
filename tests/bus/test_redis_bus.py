"""Two or three RedisBus nodes in one process, on the real Redis, with fake station links."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from redis.asyncio import Redis

from laturi.bus import CommandFailed, InvalidRequest, NoAnswer, StationOffline
from laturi.bus.redis import BusUnavailable, RedisBus
from tests.bus.conftest import FakeLink, StartNode, until
from tests.fixtures.wait import eventually

STATION = 42


class TestCommands:
    async def test_a_command_on_one_node_reaches_the_station_on_another(
        self, start_node: StartNode
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        link = FakeLink(STATION, answer={"status": "Accepted", "echo": [1, "two"]})
        await a.attach(link)
        answer = await b.call(STATION, "Reset", {"type": "Hard"}, 7.5)
        assert answer == {"status": "Accepted", "echo": [1, "two"]}
        assert link.calls == [("Reset", {"type": "Hard"}, 7.5)]

    async def test_a_command_for_a_local_station_does_not_leave_the_node(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a = await start_node("A")
        link = FakeLink(STATION)
        await a.attach(link)
        # Even with the registry wiped, the node still holds the connection itself.
        await redis.delete(f"{prefix}:station:{STATION}")
        assert await a.call(STATION, "ClearCache", {}, 5) == {"status": "Accepted"}

    @pytest.mark.parametrize(
        "error",
        [
            CommandFailed(detail="CallError", answer={"errorCode": "NotImplemented"}),
            NoAnswer(detail="No answer to Reset within 1 s"),
            InvalidRequest("Invalid Reset request: 'Warm' is not one of ['Hard', 'Soft']"),
            StationOffline(),
        ],
        ids=lambda e: type(e).__name__,
    )
    async def test_an_error_on_the_owner_is_raised_here_with_its_type_and_words(
        self, start_node: StartNode, error: Exception
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        await a.attach(FakeLink(STATION, error=error))
        with pytest.raises(type(error)) as raised:
            await b.call(STATION, "Reset", {"type": "Hard"}, 5)
        assert type(raised.value) is type(error)
        assert str(raised.value) == str(error)
        if isinstance(error, CommandFailed):
            assert isinstance(raised.value, CommandFailed)
            assert raised.value.detail == error.detail
            assert raised.value.answer == error.answer

    async def test_an_unexpected_error_on_the_owner_is_a_failed_command(
        self, start_node: StartNode
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        await a.attach(FakeLink(STATION, error=RuntimeError("socket in a bad state")))
        with pytest.raises(CommandFailed) as raised:
            await b.call(STATION, "Reset", {"type": "Hard"}, 5)
        assert type(raised.value) is CommandFailed
        assert "RuntimeError: socket in a bad state" in raised.value.detail

    async def test_an_owner_that_never_answers_is_no_answer(self, start_node: StartNode) -> None:
        a, b = await start_node("A"), await start_node("B")
        await a.attach(FakeLink(STATION, delay=30))
        with pytest.raises(NoAnswer) as raised:
            await b.call(STATION, "Reset", {"type": "Hard"}, 0.2)
        assert raised.value.detail == "No answer to Reset within 0.2 s"

    async def test_a_station_nobody_holds_is_offline(self, start_node: StartNode) -> None:
        b = await start_node("B")
        with pytest.raises(StationOffline):
            await b.call(STATION, "Reset", {"type": "Hard"}, 5)

    async def test_a_registry_entry_without_a_connection_behind_it_is_offline(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        await redis.set(f"{prefix}:station:{STATION}", a.node_id)
        with pytest.raises(StationOffline):
            await b.call(STATION, "Reset", {"type": "Hard"}, 5)


class TestPresence:
    async def test_a_station_attached_elsewhere_shows_online_and_offline_after_detach(
        self, start_node: StartNode
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        link = FakeLink(STATION)
        assert not b.is_online(STATION) and b.online_count() == 0
        await a.attach(link)
        await until(lambda: b.is_online(STATION))
        assert b.online_count() == 1 and a.online_count() == 1
        assert await a.detach(link) is True
        await until(lambda: not b.is_online(STATION))
        assert b.online_count() == 0 and a.online_count() == 0

    async def test_the_registry_scan_corrects_what_no_announcement_said(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        b = await start_node("B", sync_every=0.2)
        await redis.set(f"{prefix}:station:{STATION}", "some-other-node")
        await until(lambda: b.is_online(STATION))
        await redis.delete(f"{prefix}:station:{STATION}")
        await until(lambda: not b.is_online(STATION))

    async def test_a_node_started_later_sees_the_stations_already_held(
        self, start_node: StartNode
    ) -> None:
        a = await start_node("A")
        await a.attach(FakeLink(STATION))
        await a.attach(FakeLink(STATION + 1))
        c = await start_node("C")
        assert c.is_online(STATION) and c.is_online(STATION + 1) and c.online_count() == 2


class TestReconnects:
    async def test_a_reconnect_on_another_node_closes_the_old_connection(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        old, new = FakeLink(STATION), FakeLink(STATION)
        await a.attach(old)
        await b.attach(new)
        await asyncio.wait_for(old.closed.wait(), 5)
        assert not new.closed.is_set()
        # The old socket's handler then detaches: it was replaced, so nothing is released.
        assert await a.detach(old) is False
        assert await redis.get(f"{prefix}:station:{STATION}") == b.node_id
        assert await a.call(STATION, "Reset", {"type": "Soft"}, 5) == {"status": "Accepted"}
        assert new.calls == [("Reset", {"type": "Soft"}, 5)] and old.calls == []
        assert a.is_online(STATION) and b.is_online(STATION)

    async def test_a_detach_racing_a_takeover_leaves_the_new_holder_alone(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        old = FakeLink(STATION)
        await a.attach(old)
        # B has just taken the station; its order to close `old` has not reached A yet.
        await redis.set(f"{prefix}:station:{STATION}", b.node_id)
        assert await a.detach(old) is False
        assert await redis.get(f"{prefix}:station:{STATION}") == b.node_id

    async def test_a_command_on_the_old_node_goes_to_the_newer_connection_not_the_stale_one(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        old, new = FakeLink(STATION, delay=30), FakeLink(STATION)  # the old socket is dead
        await a.attach(old)
        # The station has just reconnected to B; B's order to close `old` has not reached A
        # yet (under load it can take a while): the moment between B's claim and the order.
        b._links[STATION] = new
        await redis.set(f"{prefix}:station:{STATION}", b.node_id)
        answer = await asyncio.wait_for(a.call(STATION, "ClearCache", {}, 5), 2)
        assert answer == {"status": "Accepted"}
        assert new.calls == [("ClearCache", {}, 5)] and old.calls == []

    async def test_an_old_connection_that_detaches_first_hands_over_cleanly(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        old, new = FakeLink(STATION), FakeLink(STATION)
        await a.attach(old)
        assert await a.detach(old) is True
        await b.attach(new)
        assert await redis.get(f"{prefix}:station:{STATION}") == b.node_id
        await until(lambda: a.is_online(STATION))
        assert not new.closed.is_set()

    async def test_a_late_order_does_not_close_the_connection_that_came_back(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        first, second, third = FakeLink(STATION), FakeLink(STATION), FakeLink(STATION)
        await a.attach(first)
        await b.attach(second)
        await asyncio.wait_for(first.closed.wait(), 5)
        await a.attach(third)
        await asyncio.wait_for(second.closed.wait(), 5)
        # B's order to close the station on A, delivered late (after the station came back).
        late = {"kind": "disconnect", "station": STATION}
        assert await redis.publish(f"{prefix}:node:{a.node_id}", json.dumps(late)) == 1
        await asyncio.sleep(0.3)
        assert not third.closed.is_set()
        assert await redis.get(f"{prefix}:station:{STATION}") == a.node_id
        assert await b.detach(second) is False
        assert await b.call(STATION, "Reset", {"type": "Soft"}, 5) == {"status": "Accepted"}
        assert len(third.calls) == 1

    async def test_detaching_a_link_the_bus_does_not_hold_changes_nothing(
        self, start_node: StartNode
    ) -> None:
        a = await start_node("A")
        held = FakeLink(STATION)
        await a.attach(held)
        assert await a.detach(FakeLink(STATION)) is False
        assert a.is_online(STATION)

    async def test_disconnect_on_any_node_closes_the_station_where_it_is(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A"), await start_node("B")
        link = FakeLink(STATION)
        await a.attach(link)
        await b.disconnect(STATION)
        await asyncio.wait_for(link.closed.wait(), 5)
        assert await redis.get(f"{prefix}:station:{STATION}") is None
        await until(lambda: not b.is_online(STATION))
        assert not a.is_online(STATION)
        assert await a.detach(link) is False


DOOMED_NODE = """
import asyncio, sys
from laturi.bus.redis import RedisBus

class Link:
    station_id = int(sys.argv[3])
    async def call(self, action, payload, answer_within):
        return {"status": "Accepted", "from": "doomed"}
    async def close(self):
        pass

async def main():
    bus = RedisBus(sys.argv[1], prefix=sys.argv[2], node_id=sys.argv[2] + "-doomed", ttl=1.0)
    await bus.start()
    await bus.attach(Link())
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


class TestFailures:
    async def test_a_dead_node_s_stations_go_offline_within_the_ttl(
        self, start_node: StartNode, redis_url: str, prefix: str
    ) -> None:
        b = await start_node("B", sync_every=0.2)
        doomed = await asyncio.create_subprocess_exec(
            sys.executable, "-c", DOOMED_NODE, redis_url, prefix, str(STATION),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert doomed.stdout is not None
            assert await asyncio.wait_for(doomed.stdout.readline(), 20) == b"ready\n"
            await until(lambda: b.is_online(STATION))
            answer = await b.call(STATION, "Reset", {"type": "Hard"}, 5)
            assert answer == {"status": "Accepted", "from": "doomed"}
        finally:
            doomed.kill()
            await doomed.wait()
        # Its key lives on until the TTL, but nobody listens on its channel any more.
        with pytest.raises(StationOffline):
            await b.call(STATION, "Reset", {"type": "Hard"}, 5)
        await until(lambda: not b.is_online(STATION), within=1.0 + 0.2 + 2.0)

    async def test_redis_unreachable_at_start_fails_clearly(self) -> None:
        bus = RedisBus("redis://:secret@127.0.0.1:1/0")
        with pytest.raises(BusUnavailable, match=r"Redis at redis://:\*\*\*@127.0.0.1:1/0"):
            await bus.start()

    async def test_after_losing_redis_a_node_claims_its_stations_again(
        self, start_node: StartNode, redis: Redis, prefix: str
    ) -> None:
        a, b = await start_node("A", ttl=1.5), await start_node("B", sync_every=0.2)
        link = FakeLink(STATION)
        await a.attach(link)
        for client in await redis.client_list():
            if client.get("name") == f"laturi:{a.node_id}":
                await redis.client_kill_filter(_id=client["id"])
        # As if its key had expired while A could not reach Redis.
        await redis.delete(f"{prefix}:station:{STATION}")
        assert await a.call(STATION, "Reset", {"type": "Soft"}, 5) == {"status": "Accepted"}

        async def claimed_again() -> bool:
            return await redis.get(f"{prefix}:station:{STATION}") == a.node_id

        await eventually(claimed_again)
        await until(lambda: b.is_online(STATION))
        assert await b.call(STATION, "Reset", {"type": "Hard"}, 5) == {"status": "Accepted"}
        assert not link.closed.is_set()
