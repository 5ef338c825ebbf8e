"""The Redis bus: several nodes behind a load balancer share one registry of who holds what.

Each node keeps its own connections (as LocalBus does) and records them in Redis as
`{prefix}:station:{id}` -> node id, with a TTL it refreshes while it holds them: a node that
dies stops refreshing and its stations fall offline within the TTL. Every node listens on
`{prefix}:node:{node id}` (commands for its stations, replies to its own commands, orders to
close a connection) and on `{prefix}:presence` (other nodes' online/offline announcements).

`is_online` and `online_count` must answer without I/O, so each node keeps a copy of the
registry: announcements keep it current within milliseconds of an attach or detach, and a
full SCAN every `sync_every` seconds corrects what announcements cannot tell (a node that
died, a message missed while Redis was away). Staleness bound: a missed change is corrected
within `sync_every`; a dead node's stations show offline at most `ttl + sync_every` after
its last refresh. Commands never trust the copy: they read the owner from Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from laturi.bus import CommandFailed, NoAnswer, Payload, StationLink, StationOffline
from laturi.bus.registry import (
    BATCH,
    HELD_ELSEWHERE,
    LOST,
    RECLAIMED,
    RELEASED,
    Registry,
    redacted,
)
from laturi.bus.wire import dump_error, load_error
from laturi.errors import LaturiError

log = logging.getLogger("laturi.bus")

REPLY_MARGIN = 2.0  # seconds beyond answer_within: the owner's own NoAnswer should win
BACKOFF_FIRST = 0.1
BACKOFF_MAX = 5.0


class BusUnavailable(RuntimeError):
    """Redis could not be reached when the node started."""


class RedisBus:
    """Station id -> its live link in this node, and the way to every other node's links."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "laturi",
        node_id: str | None = None,
        ttl: float = 30.0,
        sync_every: float = 10.0,
        on_relay: Callable[[str], None] | None = None,
    ) -> None:
        self._on_relay = on_relay or (lambda outcome: None)
        self.node_id = node_id or f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.url = redacted(url)
        self._refresh_every = ttl / 3
        self._sync_every = sync_every
        self._registry = Registry(url, prefix=prefix, node_id=self.node_id, ttl=ttl)
        self._links: dict[int, StationLink] = {}
        self._remote: dict[int, str] = {}  # stations held by other nodes, as last seen
        self._attaching: dict[int, int] = {}  # attaches whose registry write is under way
        self._forget: set[int] = set()  # detached while Redis was away: release when back
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._journal: list[tuple[int, str, bool]] | None = None  # announcements during a scan
        self._tasks: set[asyncio.Task[None]] = set()
        self._pubsub: PubSub | None = None
        self._up = False
        self._stopped = False

    # -- presence --------------------------------------------------------------------------

    def is_online(self, station_id: int) -> bool:
        return station_id in self._links or station_id in self._remote

    def online_count(self) -> int:
        elsewhere = sum(1 for station_id in self._remote if station_id not in self._links)
        return len(self._links) + elsewhere

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, subscribe and read the registry; BusUnavailable when Redis is not there."""
        try:
            await self._registry.redis.ping()
            self._pubsub = await self._registry.subscribe()
            await self._sync()
        except (RedisError, OSError) as err:
            with contextlib.suppress(RedisError, OSError):
                if self._pubsub is not None:
                    await self._pubsub.aclose()  # type: ignore[no-untyped-call]
                await self._registry.redis.aclose()
            raise BusUnavailable(f"Redis at {self.url} is unreachable: {err}") from err
        self._up = True
        for work in (self._listen(), self._refresh_loop(), self._sync_loop()):
            self._spawn(work)
        log.info("station bus on Redis %s as node %s", self.url, self.node_id)

    async def stop(self) -> None:
        """Stop listening and hand back the stations still held, so they show offline now."""
        if self._stopped:
            return
        self._stopped = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            if self._pubsub is not None:
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        if self._up:
            for station_id in list(self._links):
                with contextlib.suppress(RedisError, OSError):
                    await self._release(station_id)
        self._up = False
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CommandFailed(detail="This node is shutting down."))
        await self._registry.redis.aclose()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The bus's background work, for the application's lifespan."""
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the StationBus interface ----------------------------------------------------------

    async def attach(self, link: StationLink) -> None:
        station_id = link.station_id
        old = self._links.get(station_id)
        self._links[station_id] = link
        self._remote.pop(station_id, None)
        self._forget.discard(station_id)
        self._attaching[station_id] = self._attaching.get(station_id, 0) + 1
        try:
            if old is not None and old is not link:
                log.info("station %s reconnected; closing its older connection", station_id)
                try:
                    await old.close()
                except Exception:  # the old socket's trouble must never cost the new one
                    log.exception("station %s: closing the older connection failed", station_id)
            if self._up:
                await self._claim_one(station_id)
        except (RedisError, OSError) as err:
            # The station works from this node meanwhile; the refresh claims it when back.
            log.warning("could not record station %s in Redis: %s", station_id, err)
        finally:
            self._attaching[station_id] -= 1
            if not self._attaching[station_id]:
                del self._attaching[station_id]

    async def _claim_one(self, station_id: int) -> None:
        previous = await self._registry.take(station_id)
        await self._registry.announce(station_id, online=True)
        if previous and previous != self.node_id:
            # Newest connection wins across nodes too: the old node closes its socket.
            await self._registry.send(previous, {"kind": "disconnect", "station": station_id})

    async def detach(self, link: StationLink) -> bool:
        station_id = link.station_id
        if self._links.get(station_id) is not link:
            return False
        del self._links[station_id]
        if not self._up:
            self._forget.add(station_id)
            return True
        try:
            released = await self._release(station_id)
        except (RedisError, OSError) as err:
            log.warning("could not release station %s in Redis: %s", station_id, err)
            self._forget.add(station_id)
            return True
        if station_id in self._links:
            # A newer connection attached here while the release was under way; its claim
            # may have gone to Redis before the release deleted the key: claim it again.
            try:
                await self._claim_one(station_id)
            except (RedisError, OSError) as err:
                log.warning("could not record station %s in Redis: %s", station_id, err)
            return False
        # Another node holds the station now: its newer connection replaced this one.
        return released != HELD_ELSEWHERE

    async def call(
        self, station_id: int, action: str, payload: Payload, answer_within: float
    ) -> Payload:
        link = self._links.get(station_id)
        if link is not None and (station_id in self._attaching or not self._up):
            return await link.call(action, payload, answer_within)
        try:
            owner = await self._registry.holder(station_id)
        except (RedisError, OSError) as err:
            if link is not None:
                return await link.call(action, payload, answer_within)
            raise CommandFailed(detail=f"The station bus is unreachable: {err}") from err
        # A link here is stale when the station has reconnected to another node since: this
        # node closes it when the disconnect order arrives, but a command must not wait on it.
        if link is not None and owner in (None, self.node_id):
            return await link.call(action, payload, answer_within)
        if owner is None or owner == self.node_id:
            raise StationOffline()
        try:
            answer = await self._remote_call(owner, station_id, action, payload, answer_within)
        except LaturiError as err:
            self._on_relay(err.code)
            raise
        self._on_relay("answered")
        return answer

    async def _remote_call(
        self, owner: str, station_id: int, action: str, payload: Payload, answer_within: float
    ) -> Payload:
        request_id = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        request = {
            "kind": "call",
            "id": request_id,
            "reply_to": self.node_id,
            "station": station_id,
            "action": action,
            "payload": payload,
            "answer_within": answer_within,
        }
        try:
            try:
                if not await self._registry.send(owner, request):
                    raise StationOffline()  # its node is gone; the key expires within the TTL
            except (RedisError, OSError) as err:
                raise CommandFailed(detail=f"The station bus is unreachable: {err}") from err
            try:
                reply = await asyncio.wait_for(future, answer_within + REPLY_MARGIN)
            except TimeoutError:
                raise NoAnswer(detail=f"No answer to {action} within {answer_within:g} s") from None
        finally:
            self._pending.pop(request_id, None)
        if "error" in reply:
            raise load_error(reply["error"])
        answer: Payload = reply["answer"]
        return answer

    async def disconnect(self, station_id: int) -> None:
        link = self._links.pop(station_id, None)
        if link is not None:
            await self._let_go(station_id, link)
            return
        try:
            owner = await self._registry.holder(station_id)
            if owner is not None and owner != self.node_id:
                await self._registry.send(
                    owner, {"kind": "disconnect", "station": station_id, "force": 1}
                )
        except (RedisError, OSError) as err:
            log.warning("could not ask for station %s to be disconnected: %s", station_id, err)

    async def _let_go(self, station_id: int, link: StationLink) -> None:
        """Close a link already taken out of `_links` and hand its registry entry back."""
        try:
            await self._release(station_id)
        except (RedisError, OSError) as err:
            log.warning("could not release station %s in Redis: %s", station_id, err)
            self._forget.add(station_id)
        await link.close()

    # -- registry --------------------------------------------------------------------------

    async def _release(self, station_id: int) -> int:
        released = await self._registry.release(station_id)
        if released == RELEASED:
            await self._registry.announce(station_id, online=False)
        return released

    async def _claim_all(self) -> None:
        """Refresh every key this node holds; close links another node has taken meanwhile."""
        for station_id in list(self._forget):
            if station_id not in self._links:
                await self._release(station_id)
            self._forget.discard(station_id)
        held = [(sid, link) for sid, link in self._links.items() if sid not in self._attaching]
        for start in range(0, len(held), BATCH):
            batch = held[start : start + BATCH]
            results = await self._registry.claim([sid for sid, _ in batch])
            for (station_id, link), result in zip(batch, results, strict=True):
                await self._claimed(station_id, link, result)

    async def _claimed(self, station_id: int, link: StationLink, result: int) -> None:
        current = self._links.get(station_id)
        if result == RECLAIMED:
            if current is None:  # detached while the claim was under way
                await self._release(station_id)
            else:
                await self._registry.announce(station_id, online=True)
        elif result == LOST and current is link and station_id not in self._attaching:
            log.info("station %s is held by another node; closing it here", station_id)
            del self._links[station_id]
            await link.close()

    async def _sync(self) -> None:
        """Rebuild the copy of the registry; announcements heard meanwhile are replayed."""
        self._journal = []
        try:
            seen = await self._registry.holders()
            journal = self._journal
        finally:
            self._journal = None
        # A station attached here meanwhile is ours, whatever the snapshot said.
        self._remote = {sid: node for sid, node in seen.items() if sid not in self._links}
        for station_id, node, online in journal:
            self._heard(station_id, node, online)

    # -- messages --------------------------------------------------------------------------

    def _heard(self, station_id: int, node: str, online: bool) -> None:
        if self._journal is not None:
            self._journal.append((station_id, node, online))
        if node == self.node_id:
            return
        if online:
            self._remote[station_id] = node
        elif self._remote.get(station_id) == node:
            del self._remote[station_id]

    async def _listen(self) -> None:
        """Read the two channels for as long as the node runs, reconnecting after an outage."""
        backoff = BACKOFF_FIRST
        while True:
            try:
                if self._pubsub is None:
                    self._pubsub = await self._registry.subscribe()
                    await self._recover()
                    log.info("station bus: Redis is back")
                backoff = BACKOFF_FIRST
                while True:
                    message = await self._pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self._dispatch(str(message["channel"]), str(message["data"]))
            except Exception as err:  # a deaf node is worse than a retry, whatever failed
                if isinstance(err, RedisError | OSError):
                    if self._up:
                        log.warning("station bus: lost Redis (%s); local stations work on", err)
                else:
                    log.exception("station bus: listener failed; reconnecting")
                self._up = False
                if self._pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
                    self._pubsub = None
            # Exponential backoff, capped: every node reconnects at once when Redis restarts,
            # and hammering it while it loads would slow its return; the cap bounds how long
            # a node stays deaf after Redis is back.
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def _recover(self) -> None:
        """After an outage: claim our stations again (keys may have expired), re-read the rest."""
        self._up = True
        await self._claim_all()
        await self._sync()

    def _dispatch(self, channel: str, data: str) -> None:
        try:
            message = json.loads(data)
            if channel == self._registry.presence:
                self._heard(int(message["station"]), str(message["node"]), bool(message["online"]))
            elif message["kind"] == "reply":
                future = self._pending.get(str(message["id"]))
                if future is not None and not future.done():
                    future.set_result(message)
            elif message["kind"] == "call":
                message["id"], message["reply_to"] = str(message["id"]), str(message["reply_to"])
                self._spawn(self._serve(message))
            elif message["kind"] == "disconnect":
                self._spawn(self._ordered_off(int(message["station"]), bool(message.get("force"))))
        except (ValueError, KeyError, TypeError):
            log.warning("station bus: ignoring malformed message on %s: %.200s", channel, data)

    async def _serve(self, request: dict[str, Any]) -> None:
        """Run a command another node sent for one of our stations; send back the outcome."""
        reply: dict[str, Any] = {"kind": "reply", "id": request["id"]}
        try:
            link = self._links.get(int(request["station"]))
            if link is None:
                raise StationOffline()
            answer_within = float(request["answer_within"])
            reply["answer"] = await link.call(request["action"], request["payload"], answer_within)
        except LaturiError as err:
            reply["error"] = dump_error(err)
        except Exception as err:
            log.exception("station bus: command %s failed here", request.get("action"))
            reply["error"] = dump_error(CommandFailed(detail=f"{type(err).__name__}: {err}"))
        try:
            await self._registry.send(str(request["reply_to"]), reply)
        except (RedisError, OSError) as err:
            log.warning("station bus: could not send the answer back: %s", err)

    async def _ordered_off(self, station_id: int, force: bool) -> None:
        """Another node took the station (or wants it disconnected): close our connection."""
        link = self._links.get(station_id)
        if link is None or station_id in self._attaching:
            return  # an attach under way here is newer than the order: it will win
        holder: str | None = None
        if not force:
            try:
                holder = await self._registry.holder(station_id)
            except (RedisError, OSError):
                return  # the next refresh settles who holds it
            if holder == self.node_id or self._links.get(station_id) is not link:
                return  # the station came back here after the order was sent
        del self._links[station_id]
        if force:
            await self._let_go(station_id, link)
        else:
            log.info("station %s connected to node %s; closing it here", station_id, holder)
            if holder is not None:
                self._remote[station_id] = holder
            await link.close()

    # -- background ------------------------------------------------------------------------

    async def _refresh_loop(self) -> None:
        await self._every(self._refresh_every, self._claim_all, "refresh")

    async def _sync_loop(self) -> None:
        await self._every(self._sync_every, self._sync, "registry scan")

    async def _every(self, seconds: float, work: Callable[[], Awaitable[None]], name: str) -> None:
        while True:
            await asyncio.sleep(seconds)
            if not self._up:
                continue
            try:
                await work()
            except (RedisError, OSError) as err:
                log.warning("station bus: %s failed: %s", name, err)
            except Exception:
                # Keep going: a node that stops refreshing loses all its stations at the TTL.
                log.exception("station bus: %s failed", name)
