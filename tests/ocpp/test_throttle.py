"""Failed station handshakes wait longer and longer, per address and per identifier there."""

from __future__ import annotations

from laturi.ocpp.throttle import FREE_FAILURES, FREE_FAILURES_ADDRESS, HandshakeThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle: HandshakeThrottle, times: int, identifier: str = "CP1", at: str = "a") -> None:
    for _ in range(times):
        throttle.failed(identifier, at)


class TestBackoff:
    def test_free_failures_then_a_doubling_wait(self) -> None:
        clock = Clock()
        throttle = HandshakeThrottle(clock)
        fail(throttle, FREE_FAILURES - 1)
        assert not throttle.blocked("CP1", "a")
        fail(throttle, 1)
        clock.now += 0.9
        assert throttle.blocked("CP1", "a")
        clock.now += 0.2
        assert not throttle.blocked("CP1", "a")
        fail(throttle, 1)
        clock.now += 1.5
        assert throttle.blocked("CP1", "a")  # the second wait is two seconds

    def test_a_success_clears_the_identifier_at_that_address(self) -> None:
        throttle = HandshakeThrottle(Clock())
        fail(throttle, FREE_FAILURES)
        throttle.succeeded("CP1", "a")
        assert not throttle.blocked("CP1", "a")


class TestWhoIsKeptOut:
    def test_guessing_from_elsewhere_does_not_keep_the_station_out(self) -> None:
        throttle = HandshakeThrottle(Clock())
        fail(throttle, FREE_FAILURES * 3, at="attacker")
        assert throttle.blocked("CP1", "attacker")
        assert not throttle.blocked("CP1", "station-site")

    def test_one_broken_station_does_not_keep_its_neighbours_out(self) -> None:
        throttle = HandshakeThrottle(Clock())
        fail(throttle, FREE_FAILURES * 3, identifier="BROKEN", at="site")
        assert not throttle.blocked("NEIGHBOUR", "site")

    def test_an_address_guessing_many_identifiers_is_slowed(self) -> None:
        throttle = HandshakeThrottle(Clock())
        for n in range(FREE_FAILURES_ADDRESS):
            throttle.failed(f"CP{n}", "scanner")
        assert throttle.blocked("ANY", "scanner")
