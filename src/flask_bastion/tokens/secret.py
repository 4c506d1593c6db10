"""What a token's secret looks like, and the fingerprint under which it is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

#: Every secret starts with this, so a secret pasted into a chat, a commit or a log is easy to
#: recognise (and for secret scanners to find).
PREFIX: Final = "bst_"
#: ``bst_`` and 43 characters of ``secrets.token_urlsafe(32)``: 256 random bits.
FORMAT: Final = re.compile(r"bst_[A-Za-z0-9_-]{43}")
#: Characters of the random part shown in lists, beside the name.
DISPLAY_CHARACTERS: Final = 6


def new_secret() -> str:
    """A new secret: 256 random bits from the operating system's generator."""
    return PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The SHA-256 of ``secret`` in hex: what the database keeps instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The start of ``secret`` that lists show (36 of its 256 bits: no help to a guesser)."""
    return secret[: len(PREFIX) + DISPLAY_CHARACTERS]


def is_well_formed(value: str) -> bool:
    """Whether ``value`` could be a secret; anything else is refused before the database."""
    return FORMAT.fullmatch(value) is not None
