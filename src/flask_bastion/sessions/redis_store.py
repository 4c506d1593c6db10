"""Session records in Redis, shared by every worker and host that uses the same server.

Each record is a hash that Redis itself deletes when the session's absolute lifetime ends; a
set per user lists the user's sessions so they can be shown and ended together.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from flask_bastion.sessions.records import SessionRecord


class RedisSessionStore:
    """Sessions as Redis hashes, expiring on their own at their absolute lifetime."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # an optional dependency: flask-bastion[redis]

        self.redis: Any = redis.Redis.from_url(url, decode_responses=True)
        self.session_prefix = prefix + "session:"
        self.user_prefix = prefix + "user-sessions:"

    def add(self, record: SessionRecord, idle_since: datetime) -> None:
        # Redis deletes each record at its absolute lifetime by itself; only idle ones remain.
        for old in self.for_user(record.user_id):
            if not old.remember and old.last_seen_at <= idle_since:
                self.delete(old.key)
        pipe = self.redis.pipeline()
        pipe.hset(self.session_prefix + record.key, mapping=_encode(record))
        pipe.expireat(self.session_prefix + record.key, record.expires_at)
        pipe.sadd(self.user_prefix + str(record.user_id), record.key)
        pipe.execute()

    def get(self, key: str) -> SessionRecord | None:
        values = self.redis.hgetall(self.session_prefix + key)
        return _decode(values) if values else None

    def touch(self, key: str, now: datetime) -> None:
        # Only an existing record is touched: HSET on a deleted key would resurrect it.
        if self.redis.exists(self.session_prefix + key):
            self.redis.hset(self.session_prefix + key, "last_seen_at", now.isoformat())

    def delete(self, key: str) -> None:
        record = self.get(key)
        pipe = self.redis.pipeline()
        pipe.delete(self.session_prefix + key)
        if record is not None:
            pipe.srem(self.user_prefix + str(record.user_id), key)
        pipe.execute()

    def for_user(self, user_id: int) -> list[SessionRecord]:
        keys = self.redis.smembers(self.user_prefix + str(user_id))
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.hgetall(self.session_prefix + key)
        records = [_decode(values) for values in pipe.execute() if values]
        stale = set(keys) - {record.key for record in records}
        if stale:  # expired by Redis: drop them from the user's index too
            self.redis.srem(self.user_prefix + str(user_id), *stale)
        return sorted(records, key=lambda record: record.last_seen_at, reverse=True)

    def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        keys = set(self.redis.smembers(self.user_prefix + str(user_id))) - {keep}
        if not keys:
            return 0
        pipe = self.redis.pipeline()
        pipe.delete(*(self.session_prefix + key for key in keys))
        pipe.srem(self.user_prefix + str(user_id), *keys)
        deleted, _ = pipe.execute()
        return int(deleted)


def _encode(record: SessionRecord) -> dict[str, str]:
    return {name: _text(value) for name, value in asdict(record).items()}


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(values: dict[str, str]) -> SessionRecord:
    decoded: dict[str, Any] = {}
    for field in fields(SessionRecord):
        raw = values[field.name]
        if field.type in ("datetime", datetime):
            decoded[field.name] = datetime.fromisoformat(raw)
        elif field.type in ("bool", bool):
            decoded[field.name] = raw == "1"
        elif field.type in ("int", int):
            decoded[field.name] = int(raw)
        else:
            decoded[field.name] = raw
    return SessionRecord(**decoded)
