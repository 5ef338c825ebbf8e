"""What the Redis bus keeps in Redis: who holds which station, and the channels between nodes.

`{prefix}:station:{id}` -> the node holding the station, with a TTL the node refreshes;
`{prefix}:node:{node id}` is a node's inbox; `{prefix}:presence` carries online/offline
announcements to every node.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

BATCH = 500  # keys per SCAN page, MGET and claim script
MAX_CONNECTIONS = 32  # per node, the listener's included

# For each key: refresh it if ours (1), take it back if it expired (2), report it lost if
# another node holds it (0). One round trip per batch instead of one per station.
CLAIM = """
local out = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    out[i] = 1
  elseif not holder then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    out[i] = 2
  else
    out[i] = 0
  end
end
return out
"""
# Delete the key only while it still names this node: 1 deleted, -1 absent, 0 someone else's.
RELEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if not holder then return -1 end
return 0
"""
CLAIMED, RECLAIMED, LOST = 1, 2, 0
RELEASED, ABSENT, HELD_ELSEWHERE = 1, -1, 0


def text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def redacted(url: str) -> str:
    """The URL without its password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class Registry:
    """One node's view of the Redis keys and channels the bus shares."""

    def __init__(self, url: str, *, prefix: str, node_id: str, ttl: float) -> None:
        self.node_id = node_id
        self.prefix = prefix
        self.presence = f"{prefix}:presence"
        self.inbox = self.inbox_of(node_id)
        self._ttl_ms = int(ttl * 1000)
        # A bounded pool that makes commands wait for a connection: a burst of commands
        # must queue here rather than open a Redis connection each (or fail at the cap).
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=5,
            decode_responses=True,
            socket_connect_timeout=3,
            socket_timeout=5,
            health_check_interval=10,
            client_name=f"laturi:{node_id}",
            # Few, short retries: an attach or detach must not hang the station's connection
            # while Redis is away; the listener notices the outage and repairs things after.
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        )
        self.redis = Redis.from_pool(pool)
        self._claim = self.redis.register_script(CLAIM)
        self._release = self.redis.register_script(RELEASE)

    def key(self, station_id: int) -> str:
        return f"{self.prefix}:station:{station_id}"

    def inbox_of(self, node_id: str) -> str:
        return f"{self.prefix}:node:{node_id}"

    async def holder(self, station_id: int) -> str | None:
        return text(await self.redis.get(self.key(station_id)))

    async def take(self, station_id: int) -> str | None:
        """Record the station as ours whoever held it; the node that held it before."""
        key = self.key(station_id)
        return text(await self.redis.set(key, self.node_id, px=self._ttl_ms, get=True))

    async def claim(self, station_ids: Sequence[int]) -> list[int]:
        """Refresh (or take back) each station's key; CLAIMED, RECLAIMED or LOST per station."""
        keys = [self.key(station_id) for station_id in station_ids]
        return [int(r) for r in await self._claim(keys=keys, args=[self.node_id, self._ttl_ms])]

    async def release(self, station_id: int) -> int:
        """Delete the station's key if it is still ours: RELEASED, ABSENT or HELD_ELSEWHERE."""
        return int(await self._release(keys=[self.key(station_id)], args=[self.node_id]))

    async def holders(self) -> dict[int, str]:
        """Every station held by another node, read with SCAN and MGET."""
        found: dict[int, str] = {}
        keys: list[str] = []
        async for key in self.redis.scan_iter(match=f"{self.prefix}:station:*", count=BATCH):
            keys.append(str(key))
            if len(keys) >= BATCH:
                found.update(await self._read(keys))
                keys = []
        found.update(await self._read(keys))
        return found

    async def _read(self, keys: list[str]) -> dict[int, str]:
        if not keys:
            return {}
        found: dict[int, str] = {}
        for key, node in zip(keys, await self.redis.mget(keys), strict=True):
            if node is not None and node != self.node_id:
                found[int(key.rsplit(":", 1)[1])] = str(node)
        return found

    async def send(self, node_id: str, message: dict[str, Any]) -> int:
        """Publish to a node's inbox; how many subscribers heard it (0: the node is gone)."""
        return int(await self.redis.publish(self.inbox_of(node_id), json.dumps(message)))

    async def announce(self, station_id: int, *, online: bool) -> None:
        message = {"station": station_id, "node": self.node_id, "online": online}
        await self.redis.publish(self.presence, json.dumps(message))

    async def subscribe(self) -> PubSub:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.inbox, self.presence)
        return pubsub
