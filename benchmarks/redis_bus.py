"""The Redis station bus: two nodes in one process, stations held on A, commands issued on B.

Times attaching the stations on A, a third node's start (it reads the whole registry), and
command round trips from B through A to a station that answers at once, one at a time and
many together. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/redis_bus.py [--stations 10000] [--calls 2000] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time

from redis.asyncio import Redis

from laturi.bus import Payload
from laturi.bus.redis import RedisBus


class InstantLink:
    def __init__(self, station_id: int) -> None:
        self.station_id = station_id

    async def call(self, action: str, payload: Payload, answer_within: float) -> Payload:
        return {"status": "Accepted"}

    async def close(self) -> None:
        pass


def ms(seconds: list[float], q: float) -> str:
    return f"{statistics.quantiles(seconds, n=100)[int(q) - 1] * 1000:.2f} ms"


async def main(url: str, stations: int, calls: int) -> None:
    prefix = f"laturi-bench-{secrets.token_hex(4)}"
    a = RedisBus(url, prefix=prefix, node_id="A")
    b = RedisBus(url, prefix=prefix, node_id="B")
    await a.start()
    await b.start()
    try:
        began = time.perf_counter()
        for station_id in range(1, stations + 1):
            await a.attach(InstantLink(station_id))
        took = time.perf_counter() - began
        print(
            f"attach {stations} stations on A: {took:.2f} s ({took / stations * 1e3:.2f} ms each)"
        )

        c = RedisBus(url, prefix=prefix, node_id="C")
        began = time.perf_counter()
        await c.start()
        took = time.perf_counter() - began
        print(f"node C start, reading {stations} registry entries: {took:.2f} s")
        print(f"node C sees {c.online_count()} stations online")
        await c.stop()

        one_by_one: list[float] = []
        for i in range(calls):
            began = time.perf_counter()
            await b.call(i % stations + 1, "Reset", {"type": "Soft"}, 30)
            one_by_one.append(time.perf_counter() - began)
        p50, p99 = ms(one_by_one, 50), ms(one_by_one, 99)
        print(f"command B -> A -> station, one at a time: p50 {p50}, p99 {p99}")

        async def timed(station_id: int) -> float:
            began = time.perf_counter()
            await b.call(station_id, "Reset", {"type": "Soft"}, 30)
            return time.perf_counter() - began

        began = time.perf_counter()
        together = await asyncio.gather(*(timed(i % stations + 1) for i in range(calls)))
        took = time.perf_counter() - began
        print(
            f"{calls} commands at once: {took:.2f} s ({calls / took:.0f}/s), "
            f"p50 {ms(list(together), 50)}, p99 {ms(list(together), 99)}"
        )
    finally:
        await b.stop()
        await a.stop()
        redis = Redis.from_url(url)
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.stations, args.calls))
