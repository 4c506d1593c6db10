"""Ten single-use recovery codes, for a lost phone, stored as keyed hashes.

The codes are hashed with HMAC-SHA256 under a key derived from ``SECRET_KEY``, not with
Argon2id like passwords. A slow hash protects secrets people choose, which can be guessed;
these are 60 random bits each, beyond any guessing, and the key means a stolen table alone
cannot even be brute-forced. A salted slow hash would also cost ten Argon2 verifications per
attempt (one per stored code, since a salted hash cannot be looked up), which hands attackers a
cheap way to load the server. A keyed hash is looked up directly, and used up with one
conditional ``UPDATE``, so the same code cannot pass twice even in two racing requests.

A code is looked up under ``SECRET_KEY`` and each of ``SECRET_KEY_FALLBACKS`` (Flask's key
rotation), in the same one ``UPDATE``: after a rotation the codes keep working while the old key
stays a fallback, as the sealed TOTP secret does (see ``sealing``). A hash cannot be moved to
the new key, so when the old key goes, so do the codes made under it; users then make new ones
on the two-factor page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update

#: How many codes a user gets at a time.
COUNT = 10
#: Lower-case base32: no look-alike punctuation, 5 bits per character, 60 bits per code.
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LENGTH = 12
GROUP = 4
_KEY_LABEL = b"flask-bastion recovery codes"


def new_code() -> str:
    """One random recovery code, shown as ``xxxx-xxxx-xxxx``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(code: str) -> str:
    """A code as typed (any case, with or without dashes and spaces), in stored form."""
    return "".join(code.split()).replace("-", "").lower()


def code_hash(code: str, secret_key: str | bytes) -> str:
    """The keyed hash stored for ``code``."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = hmac.new(key, _KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(derived, normalise(code).encode(), hashlib.sha256).hexdigest()


class RecoveryCodes:
    """The recovery codes of every user, in the ``bastion_recovery_code`` table."""

    def __init__(self, db: Any, table: Table) -> None:
        self.db = db
        self.table = table

    def replace(self, user_id: int, secret_key: str | bytes, now: datetime) -> list[str]:
        """Delete the user's codes and store ``COUNT`` new ones; returns them in clear, the
        only time they exist in clear. The caller commits."""
        codes = [new_code() for _ in range(COUNT)]
        self.delete(user_id)
        rows = [
            {"user_id": user_id, "code_hash": code_hash(code, secret_key), "created_at": now}
            for code in codes
        ]
        self.db.session.execute(insert(self.table), rows)
        return codes

    def use(
        self, user_id: int, code: str, secret_keys: Sequence[str | bytes], now: datetime
    ) -> bool:
        """Mark the user's unused ``code`` as used; ``False`` if there is no such unused code
        under any of ``secret_keys``. The caller commits.
        """
        hashes = [code_hash(code, key) for key in secret_keys]
        statement = (
            update(self.table)
            .where(
                self.table.c.user_id == user_id,
                self.table.c.code_hash.in_(hashes),
                self.table.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool(self.db.session.execute(statement).rowcount == 1)

    def left(self, user_id: int) -> int:
        """How many unused codes the user has."""
        statement = select(func.count()).where(
            self.table.c.user_id == user_id, self.table.c.used_at.is_(None)
        )
        return int(self.db.session.scalar(statement) or 0)

    def delete(self, user_id: int) -> None:
        """Delete every code of the user. The caller commits."""
        self.db.session.execute(delete(self.table).where(self.table.c.user_id == user_id))
