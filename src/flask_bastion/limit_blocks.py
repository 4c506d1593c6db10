"""Generous rate limits counted in Redis a block of hits at a time.

Counting one hit in Redis is one network round trip, which costs a worker about as much CPU
as the rest of a small page (0.15 to 0.25 ms measured on loopback). A limit of
hundreds of requests per window does not need a round trip per request: the first hit of a
window reserves a block of hits for that client in Redis at once (``INCRBY``), and later hits
are handed out from the block in process, until it is spent or the window ends.

Redis's count includes every reserved hit, used or not, so the requests let through by all
workers together never exceed the limit. The price is the other way round: a client can be
refused a little early while other workers still hold part of their blocks, at most
``(workers - 1) x (block - 1)`` hits of the window. A block is ``BASTION_RATELIMIT_BLOCK`` of
the limit (1/50 by default), so a limit under 100 per window, like the login form's, is
still counted one hit at a time, exactly as before.

Only the fixed-window strategy (Flask-Limiter's default) on a Redis store is counted this way:
in-process counters (``memory://``) cost no round trip, and the other strategies keep
per-hit timestamps that a block cannot stand for.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask_limiter import Limiter
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

#: Reserve ``ARGV[2]`` hits on ``KEYS[1]``, starting its window of ``ARGV[1]`` seconds if this
#: is the window's first reservation; returns the new count and the window's milliseconds left.
_RESERVE_SCRIPT = b"""
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('PTTL', KEYS[1])}
"""


@dataclass
class _Block:
    """Hits reserved in Redis for one key: counts ``next`` to ``last`` are still unused."""

    next: int
    last: int
    ends: float  # time.monotonic() at which the window (and so the block) ends


class BlockReservingFixedWindow(FixedWindowRateLimiter):
    """limits' fixed window on Redis, counting limits of at least ``2 / share`` hits a block
    of ``limit x share`` hits at a time (see the module's docstring)."""

    #: Blocks kept per process at most; past it they are dropped, which only wastes their
    #: unused hits (clients are refused earlier, never later).
    MAX_BLOCKS = 10_000
    #: Seconds between two sweeps of the blocks of ended windows.
    SWEEP_INTERVAL = 1.0

    storage: RedisStorage

    def __init__(self, storage: RedisStorage, share: float) -> None:
        super().__init__(storage)
        self.share = share
        self._reserve = storage.get_connection().register_script(_RESERVE_SCRIPT)
        self._blocks: dict[str, _Block] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Count one hit of ``item`` for ``identifiers``; ``False`` when it exceeds the limit."""
        size = int(item.amount * self.share)
        if size < 2 or cost != 1:
            return super().hit(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        now = time.monotonic()
        with self._lock:
            block = self._blocks.get(key)
            if block is not None and block.next <= block.last and now < block.ends:
                count = block.next
                block.next += 1
                return count <= item.amount
        count, left_ms = self._reserve([self.storage.prefixed_key(key)], [item.get_expiry(), size])
        first = int(count) - size + 1
        # A key without a time to live (it cannot happen here) gives a block of one hit.
        block = _Block(first + 1, int(count), now + max(int(left_ms), 0) / 1000)
        with self._lock:
            self._sweep(now)
            self._blocks[key] = block
        return first <= item.amount

    def _sweep(self, now: float) -> None:
        """Drop the blocks of ended windows, at most once per interval; all of them when
        there are too many (called with the lock held)."""
        if now >= self._next_sweep or len(self._blocks) >= self.MAX_BLOCKS:
            self._next_sweep = now + self.SWEEP_INTERVAL
            self._blocks = {k: b for k, b in self._blocks.items() if now < b.ends}
            if len(self._blocks) >= self.MAX_BLOCKS:
                self._blocks.clear()


def use_blocks(limiter: Limiter, share: float) -> None:
    """Count the limits of ``limiter`` (set up by ``init_app``) in blocks, where the module's
    docstring says it applies; a ``share`` of 0 keeps every hit a round trip."""
    strategy = limiter._limiter
    if share <= 0 or type(strategy) is not FixedWindowRateLimiter:
        return
    if isinstance(strategy.storage, RedisStorage):
        limiter._limiter = BlockReservingFixedWindow(strategy.storage, share)
