"""The ``SECRET_KEY``: refuse a weak one in production, make a strong one in development.

Everything Flask-Bastion signs (the session, CSRF tokens, remember-me cookies) is only as strong
as this key. A key from a tutorial or a short word can be guessed offline from one cookie, after
which an attacker can sign a session for any user.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Final

from flask import Flask

from flask_bastion.config import is_development
from flask_bastion.exceptions import ConfigurationError

MIN_KEY_LENGTH: Final = 32
#: Shannon entropy, in bits per character, below which a key looks hand-typed (``aaaa...``).
MIN_BITS_PER_CHAR: Final = 3.0
KEY_FILE_NAME: Final = "bastion-secret-key"

#: Keys copied from tutorials, framework docs and generators' examples.
PLACEHOLDER_KEYS: Final = frozenset(
    {
        "dev",
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "changeme",
        "change-me",
        "change_me",
        "default",
        "test",
        "testing",
        "xxx",
        "your-secret-key",
        "your_secret_key",
        "super-secret",
        "supersecret",
        "super-secret-key",
        "you-will-never-guess",
        "hard to guess string",
        "replace-me",
        "please-change-me",
        "mysecretkey",
        "my-secret-key",
        "s3cr3t",
        "not-so-secret",
        "insecure",
    }
)


def key_weakness(key: object) -> str | None:
    """Why ``key`` is too weak to sign sessions, or ``None`` when it is strong enough."""
    if not key:
        return "SECRET_KEY is not set"
    text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in PLACEHOLDER_KEYS:
        return "SECRET_KEY is a well-known placeholder"
    if len(text) < MIN_KEY_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_KEY_LENGTH} characters"
    if _bits_per_char(text) < MIN_BITS_PER_CHAR:
        return "SECRET_KEY has too little randomness (repeated or patterned characters)"
    return None


def ensure_secret_key(app: Flask) -> None:
    """In development mode, give an app without a strong key one kept in the instance folder.

    Production never gets a generated key: every worker and host must share one key chosen by
    the operator, and the start is refused (by the checks) when it is weak.
    """
    if is_development(app) and key_weakness(app.config.get("SECRET_KEY")) is not None:
        app.config["SECRET_KEY"] = _instance_key(Path(app.instance_path))
        app.logger.warning(
            "Development mode: using the generated SECRET_KEY in %s/%s.",
            app.instance_path,
            KEY_FILE_NAME,
        )


def generate_key() -> str:
    """A new key with 256 bits of randomness."""
    return secrets.token_hex(32)


def _instance_key(instance: Path) -> str:
    """Read the instance folder's key, creating it with owner-only permissions if missing."""
    path = instance / KEY_FILE_NAME
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(generate_key())
    return _read_key_file(path)


def _read_key_file(path: Path) -> str:
    """The key kept in ``path``, refused if others can read it or it was replaced by a weak one."""
    if path.stat().st_mode & 0o077:
        raise ConfigurationError(
            f"{path} can be read by other users; run `chmod 600 {path}` or delete it to get "
            "a new key."
        )
    key = path.read_text(encoding="ascii").strip()
    weakness = key_weakness(key)
    if weakness is not None:
        raise ConfigurationError(f"{path}: {weakness}. Delete the file to get a new key.")
    return key


def _bits_per_char(text: str) -> float:
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
