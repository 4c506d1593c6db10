"""The Redis session store: records expire when their session dies, and a login reads none."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from flask_bastion.sessions.records import SessionRecord
from flask_bastion.sessions.redis_store import RedisSessionStore
from tests.support.services import REDIS_URL, require_redis

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


@pytest.fixture
def store() -> Iterator[RedisSessionStore]:
    """A store under a key prefix of this test's own, emptied afterwards."""
    require_redis()
    store = RedisSessionStore(REDIS_URL, f"test-{secrets.token_hex(6)}:", IDLE)
    yield store
    keys = list(store.redis.scan_iter(match=store.session_prefix[: -len("session:")] + "*"))
    if keys:
        store.redis.delete(*keys)


def _record(now: datetime, *, remember: bool = False, user_id: int = 7) -> SessionRecord:
    lifetime = timedelta(days=7) if remember else LIFETIME
    token = secrets.token_urlsafe(32)
    return SessionRecord.start(
        token,
        user_id,
        remember=remember,
        now=now,
        lifetime=lifetime,
        ip="192.0.2.1",
        user_agent="t",
    )


def _expires_in(store: RedisSessionStore, record: SessionRecord) -> timedelta:
    return timedelta(milliseconds=store.redis.pttl(store.session_prefix + record.key))


def test_a_record_expires_when_its_session_idles_out(store: RedisSessionStore) -> None:
    """An unremembered record is set to vanish after the idle timeout; a remembered one at the
    end of its lifetime."""
    now = datetime.now(UTC)
    plain, remembered = _record(now), _record(now, remember=True)
    store.add(plain)
    store.add(remembered)
    assert IDLE - timedelta(seconds=5) < _expires_in(store, plain) <= IDLE
    assert timedelta(days=7) - timedelta(seconds=5) < _expires_in(store, remembered)


def test_a_touch_moves_the_moment_of_death_on(store: RedisSessionStore) -> None:
    """Activity pushes the idle expiry back and is stored in the record."""
    start = datetime.now(UTC) - timedelta(minutes=20)
    record = _record(start)
    store.add(record)
    seen = record.seen_at(datetime.now(UTC))
    store.touch(seen)
    assert _expires_in(store, record) > IDLE - timedelta(seconds=5)
    stored = store.get(record.key)
    assert stored is not None and stored.last_seen_at == seen.last_seen_at


def test_touching_an_ended_session_does_not_bring_it_back(store: RedisSessionStore) -> None:
    """A touch racing with a logout leaves the session ended."""
    record = _record(datetime.now(UTC))
    store.add(record)
    store.delete(record.key)
    store.touch(record.seen_at(datetime.now(UTC)))
    assert store.get(record.key) is None
    assert store.for_user(record.user_id) == []


def test_a_login_drops_dead_sessions_from_the_index(store: RedisSessionStore) -> None:
    """Sessions that died before a new login leave the user's index with that login."""
    old = _record(datetime.now(UTC) - timedelta(hours=2))
    store.add(old)
    fresh = _record(datetime.now(UTC))
    store.add(fresh)
    index = store.redis.zrange(f"{store.index_prefix}{fresh.user_id}", 0, -1)
    assert index == [fresh.key]
