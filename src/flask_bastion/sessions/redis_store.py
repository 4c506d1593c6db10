"""Session records in Redis, shared by every worker and host that uses the same server.

Each record is a hash that Redis itself deletes the moment the session dies: at the end of its
absolute lifetime or, unless remembered, once it has been idle for the idle timeout (each
touch moves that moment on). A sorted set per user indexes the user's sessions by that moment,
so they can be shown and ended together, and so a login drops the dead ones from the index in
the same round trip as it stores the new record, without reading any of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from flask_bastion.sessions.records import FIELD_NAMES, SessionRecord

#: Touch a record only if it still exists (HSET on a deleted key would bring it back), in one
#: round trip: its last activity, its new moment of death, and its place in the user's index.
TOUCH_IF_ALIVE: Final = """
if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('hset', KEYS[1], 'last_seen_at', ARGV[1])
redis.call('pexpireat', KEYS[1], ARGV[2])
redis.call('zadd', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class RedisSessionStore:
    """Sessions as Redis hashes that expire when the session dies, indexed per user."""

    def __init__(self, url: str, prefix: str, idle_timeout: timedelta) -> None:
        import redis  # an optional dependency: flask-bastion[redis]

        self.redis: Any = redis.Redis.from_url(url, decode_responses=True)
        self.session_prefix = prefix + "session:"
        self.index_prefix = prefix + "user-session-index:"
        self.idle_timeout = idle_timeout
        self._touch_if_alive = self.redis.register_script(TOUCH_IF_ALIVE)

    def add(self, record: SessionRecord) -> None:
        key = self.session_prefix + record.key
        index = self._index(record.user_id)
        dies_at = _milliseconds(record.dies_at(self.idle_timeout))
        pipe = self.redis.pipeline()  # MULTI/EXEC: one round trip, all or nothing
        pipe.zremrangebyscore(index, "-inf", _milliseconds(record.created_at))
        pipe.hset(key, mapping=_encode(record))
        pipe.pexpireat(key, dies_at)
        pipe.zadd(index, {record.key: dies_at})
        pipe.execute()

    def get(self, key: str) -> SessionRecord | None:
        values = self.redis.hgetall(self.session_prefix + key)
        return _decode(values) if values else None

    def touch(self, record: SessionRecord) -> None:
        keys = [self.session_prefix + record.key, self._index(record.user_id)]
        dies_at = _milliseconds(record.dies_at(self.idle_timeout))
        self._touch_if_alive(keys=keys, args=[record.last_seen_at.isoformat(), dies_at, record.key])

    def delete(self, key: str) -> None:
        record = self.get(key)
        pipe = self.redis.pipeline()
        pipe.delete(self.session_prefix + key)
        if record is not None:
            pipe.zrem(self._index(record.user_id), key)
        pipe.execute()

    def for_user(self, user_id: int) -> list[SessionRecord]:
        index = self._index(user_id)
        keys = self.redis.zrange(index, 0, -1)
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.hgetall(self.session_prefix + key)
        records = [_decode(values) for values in pipe.execute() if values]
        gone = set(keys) - {record.key for record in records}
        if gone:  # died, and deleted by Redis: drop them from the index too
            self.redis.zrem(index, *gone)
        return sorted(records, key=lambda record: record.last_seen_at, reverse=True)

    def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        index = self._index(user_id)
        keys = set(self.redis.zrange(index, 0, -1)) - {keep}
        if not keys:
            return 0
        pipe = self.redis.pipeline()
        pipe.delete(*(self.session_prefix + key for key in keys))
        pipe.zrem(index, *keys)
        deleted, _ = pipe.execute()
        return int(deleted)

    def _index(self, user_id: int) -> str:
        return f"{self.index_prefix}{user_id}"


def _milliseconds(moment: datetime) -> int:
    """A moment as Redis's expiry times and index scores hold it: milliseconds since the epoch,
    rounded up, so that no record is ever deleted before it dies."""
    return math.ceil(moment.timestamp() * 1000)


def _encode(record: SessionRecord) -> dict[str, str]:
    return {name: _text(value) for name, value in record.as_row().items()}


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


#: How each stored field is read back; the others are text.
_READERS: Final[dict[str, Callable[[str], Any]]] = {
    "user_id": int,
    "remember": lambda raw: raw == "1",
    "created_at": datetime.fromisoformat,
    "last_seen_at": datetime.fromisoformat,
    "expires_at": datetime.fromisoformat,
}


def _decode(values: dict[str, str]) -> SessionRecord:
    return SessionRecord(**{name: _READERS.get(name, str)(values[name]) for name in FIELD_NAMES})
