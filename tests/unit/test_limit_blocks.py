"""Generous limits on Redis are counted a block of hits per round trip, and still hold."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import pytest
from flask import Flask
from limits import parse
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from flask_bastion import Bastion
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.extension import state_for
from flask_bastion.limit_blocks import BlockReservingFixedWindow, use_blocks
from tests.support.services import REDIS_URL, require_redis


class CountingReservations(BlockReservingFixedWindow):
    """The strategy, counting its round trips to Redis."""

    def __init__(self, storage: RedisStorage, share: float) -> None:
        super().__init__(storage, share)
        self.round_trips = 0
        reserve = self._reserve

        def counted(*args: Any) -> Any:
            self.round_trips += 1
            return reserve(*args)

        self._reserve = counted  # type: ignore[assignment]


def _redis() -> RedisStorage:
    require_redis()
    return RedisStorage(REDIS_URL)


def _hits(strategy: FixedWindowRateLimiter, limit: str, count: int, client: str) -> list[bool]:
    item = parse(limit)
    return [strategy.hit(item, client) for _ in range(count)]


def test_a_block_of_hits_costs_one_round_trip() -> None:
    """20 hits on a limit of 100 with blocks of a tenth: two reservations, not 20 hits."""
    strategy = CountingReservations(_redis(), 0.1)
    assert _hits(strategy, "100 per minute", 20, uuid.uuid4().hex) == [True] * 20
    assert strategy.round_trips == 2


def test_a_single_worker_still_stops_exactly_at_the_limit() -> None:
    """Blocks of 3 on a limit of 10: the 11th hit is refused, not the 10th nor the 13th."""
    strategy = BlockReservingFixedWindow(_redis(), 0.3)
    assert _hits(strategy, "10 per minute", 12, uuid.uuid4().hex) == [True] * 10 + [False] * 2


def test_workers_sharing_redis_never_let_more_than_the_limit_through() -> None:
    """Three workers taking turns: together they admit at most the limit, at worst
    (workers - 1) x (block - 1) fewer."""
    redis = _redis()
    workers = [BlockReservingFixedWindow(redis, 0.25) for _ in range(3)]
    item, client = parse("20 per minute"), uuid.uuid4().hex
    admitted = sum(workers[n % 3].hit(item, client) for n in range(60))
    assert 20 - 2 * 4 <= admitted <= 20
    assert not any(worker.hit(item, client) for worker in workers)


def test_the_count_in_redis_covers_every_reserved_hit() -> None:
    """What other tools read from Redis (window stats, Retry-After) includes the blocks."""
    redis = _redis()
    strategy = BlockReservingFixedWindow(redis, 0.25)
    item, client = parse("20 per minute"), uuid.uuid4().hex
    _hits(strategy, "20 per minute", 1, client)
    assert strategy.get_window_stats(item, client).remaining == 15


def test_a_block_ends_with_its_window() -> None:
    """Hits left in a block do not carry into the next window: it starts counting anew."""
    strategy = CountingReservations(_redis(), 0.25)
    client = uuid.uuid4().hex
    assert _hits(strategy, "8 per 1 second", 8, client) == [True] * 8
    assert _hits(strategy, "8 per 1 second", 1, client) == [False]
    time.sleep(1.1)
    assert _hits(strategy, "8 per 1 second", 8, client) == [True] * 8
    assert strategy.round_trips == 9  # 4 + 1 refused + 4


def test_small_limits_and_costly_hits_are_counted_one_by_one() -> None:
    """A limit under 2 / share (the login form's) costs a round trip per hit, as before."""
    strategy = CountingReservations(_redis(), 0.02)
    assert _hits(strategy, "10 per minute", 11, uuid.uuid4().hex) == [True] * 10 + [False]
    assert strategy.hit(parse("1000 per minute"), uuid.uuid4().hex, cost=5)
    assert strategy.round_trips == 0


def test_blocks_of_ended_windows_are_dropped() -> None:
    """A worker does not keep one block per client it ever saw."""
    strategy = BlockReservingFixedWindow(_redis(), 0.25)
    for _ in range(3):
        _hits(strategy, "8 per 1 second", 1, uuid.uuid4().hex)
    time.sleep(1.1)
    _hits(strategy, "8 per 1 second", 1, uuid.uuid4().hex)
    assert len(strategy._blocks) == 1


def test_only_the_fixed_window_on_redis_is_counted_in_blocks() -> None:
    """memory:// costs no round trip, and the other strategies are left as they are."""

    class Limiter:
        def __init__(self, strategy: Any) -> None:
            self._limiter = strategy

    in_memory = Limiter(FixedWindowRateLimiter(MemoryStorage()))
    moving = Limiter(MovingWindowRateLimiter(_redis()))
    on_redis = Limiter(FixedWindowRateLimiter(_redis()))
    switched_off = Limiter(FixedWindowRateLimiter(_redis()))
    for limiter, share in ((in_memory, 0.02), (moving, 0.02), (on_redis, 0.02), (switched_off, 0)):
        use_blocks(limiter, share)
    assert type(in_memory._limiter) is FixedWindowRateLimiter
    assert type(moving._limiter) is MovingWindowRateLimiter
    assert type(switched_off._limiter) is FixedWindowRateLimiter
    assert type(on_redis._limiter) is BlockReservingFixedWindow


def _app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), **config)
    Bastion(app)
    return app


def test_an_app_on_redis_counts_in_blocks_by_default() -> None:
    require_redis()
    app = _app(RATELIMIT_STORAGE_URI=REDIS_URL)
    strategy = state_for(app).limiter.limiter
    assert isinstance(strategy, BlockReservingFixedWindow) and strategy.share == 0.02


@pytest.mark.parametrize("share", [-0.1, 0.5, 1, True, "0.02", None])
def test_a_block_share_out_of_range_stops_the_start(share: object) -> None:
    with pytest.raises(ConfigurationError, match="BASTION_RATELIMIT_BLOCK"):
        _app(BASTION_RATELIMIT_BLOCK=share)
