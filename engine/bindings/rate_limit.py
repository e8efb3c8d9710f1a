"""A token bucket per binding, in this process: ``burst`` at once, refilled at the rate."""

from __future__ import annotations

import time
from collections.abc import Callable

from engine.errors import RateLimited


class TokenBucket:
    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._tokens = self.burst
        self._last = clock()

    def take(self) -> None:
        """One request's token, or ``RateLimited`` when the bucket is empty."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1.0:
            raise RateLimited()
        self._tokens -= 1.0
