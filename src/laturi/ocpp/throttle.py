"""Failed station handshakes, throttled with backoff before any database work.

Kept in each node's memory: the point is that a refused guess costs next to nothing. Keys
are the address and the (identifier, address) pair, never the identifier alone, so that a
stranger guessing from elsewhere cannot keep a station out of its own connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Failures before any wait: for one identifier from one address, and for a whole address
# (a site's stations may share one address behind NAT: one broken station must not
# keep the others out).
FREE_FAILURES = 5
FREE_FAILURES_ADDRESS = 50
LONGEST_WAIT = 300.0  # seconds, where the doubling stops
MAX_TRACKED = 100_000  # keys kept; beyond, the quietest are forgotten


class HandshakeThrottle:
    """Past its free failures a key waits 1, 2, 4 ... seconds (at most LONGEST_WAIT)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[tuple[str, ...], tuple[int, float]] = {}

    def blocked(self, identifier: str, address: str) -> bool:
        now = self._clock()
        return any(self._waiting(key, now) for key in _keys(identifier, address))

    def failed(self, identifier: str, address: str) -> None:
        now = self._clock()
        if len(self._failures) >= MAX_TRACKED:
            self._forget_quietest()
        for key in _keys(identifier, address):
            count, _ = self._failures.get(key, (0, now))
            self._failures[key] = (count + 1, now)

    def succeeded(self, identifier: str, address: str) -> None:
        self._failures.pop((identifier, address), None)

    def _waiting(self, key: tuple[str, ...], now: float) -> bool:
        count, last = self._failures.get(key, (0, now))
        free = FREE_FAILURES_ADDRESS if len(key) == 1 else FREE_FAILURES
        if count < free:
            return False
        return now < last + min(LONGEST_WAIT, 2.0 ** (count - free))

    def _forget_quietest(self) -> None:
        by_age = sorted(self._failures, key=lambda k: self._failures[k][1])
        for key in by_age[: len(by_age) // 2]:
            del self._failures[key]


def _keys(identifier: str, address: str) -> tuple[tuple[str, ...], ...]:
    return ((address,), (identifier, address))
