"""Tests for flask_bastion.secret_key: weak keys are named, development keys are kept safe."""

from __future__ import annotations

import logging
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_bastion import Bastion
from flask_bastion.exceptions import ConfigurationError, UnsafeConfigurationError
from flask_bastion.secret_key import KEY_FILE_NAME, generate_key, key_weakness

WEAK_KEYS = [
    pytest.param(None, "not set", id="missing"),
    pytest.param("", "not set", id="empty"),
    pytest.param("dev", "placeholder", id="placeholder-dev"),
    pytest.param("changeme", "placeholder", id="placeholder-changeme"),
    pytest.param(" ChangeMe ", "placeholder", id="placeholder-any-case"),
    pytest.param("you-will-never-guess", "placeholder", id="placeholder-tutorial"),
    pytest.param(secrets.token_hex(15), "shorter than 32", id="short-30-chars"),
    pytest.param("a" * 64, "too little randomness", id="low-entropy-repeated"),
    pytest.param("ab" * 32, "too little randomness", id="low-entropy-pattern"),
    pytest.param(b"\x00" * 64, "too little randomness", id="low-entropy-bytes"),
]


def _app(tmp_path: Path, **config: Any) -> Flask:
    """A bare Flask app (no database) with its instance folder under ``tmp_path``."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    return app


@pytest.mark.parametrize(("key", "reason"), WEAK_KEYS)
def test_weak_key_is_named_with_its_reason(key: Any, reason: str) -> None:
    """Each kind of weak key is reported with a reason that names SECRET_KEY."""
    weakness = key_weakness(key)
    assert weakness is not None
    assert "SECRET_KEY" in weakness
    assert reason in weakness


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(generate_key(), id="generated-hex"),
        pytest.param(secrets.token_urlsafe(32), id="urlsafe"),
        pytest.param(secrets.token_bytes(32), id="random-bytes"),
    ],
)
def test_strong_key_has_no_weakness(key: str | bytes) -> None:
    """A key from the secrets module passes."""
    assert key_weakness(key) is None


def test_generated_keys_are_long_and_unique() -> None:
    """Every generated key is 64 hex characters and never repeats."""
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) == 64 and key_weakness(key) is None for key in keys)


@pytest.mark.parametrize(("key", "reason"), WEAK_KEYS)
def test_production_start_with_weak_key_is_refused(tmp_path: Path, key: Any, reason: str) -> None:
    """Bastion(app) in production refuses a weak key with a message naming SECRET_KEY."""
    app = _app(tmp_path, SECRET_KEY=key)
    with pytest.raises(UnsafeConfigurationError, match="SECRET_KEY") as raised:
        Bastion(app)
    assert reason in str(raised.value)
    assert app.config["SECRET_KEY"] == key
    assert not (tmp_path / "instance" / KEY_FILE_NAME).exists()


def test_development_start_generates_a_private_key_file(tmp_path: Path) -> None:
    """Development mode without a key writes a strong one, readable by the owner only."""
    app = _app(tmp_path, BASTION_MODE="development")
    Bastion(app)
    key_file = tmp_path / "instance" / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text(encoding="ascii").strip()
    assert key_weakness(app.config["SECRET_KEY"]) is None


def test_development_start_reuses_the_key_file(tmp_path: Path) -> None:
    """A second development start uses the same key, so sessions survive a restart."""
    first = _app(tmp_path, BASTION_MODE="development")
    Bastion(first)
    second = _app(tmp_path, BASTION_MODE="development")
    Bastion(second)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


@pytest.mark.parametrize(
    ("content", "mode", "reason"),
    [
        pytest.param(generate_key(), 0o644, "read by other users", id="world-readable"),
        pytest.param("dev", 0o600, "placeholder", id="weak-content"),
        pytest.param("", 0o600, "not set", id="empty"),
    ],
)
def test_development_start_refuses_a_tampered_key_file(
    tmp_path: Path, content: str, mode: int, reason: str
) -> None:
    """A key file others can read, or one replaced by a weak key, stops the start."""
    key_file = tmp_path / "instance" / KEY_FILE_NAME
    key_file.parent.mkdir()
    key_file.write_text(content, encoding="ascii")
    key_file.chmod(mode)
    with pytest.raises(ConfigurationError, match=reason):
        Bastion(_app(tmp_path, BASTION_MODE="development"))


def test_development_start_replaces_a_weak_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A placeholder key in development mode is replaced by the generated one, with a warning."""
    app = _app(tmp_path, BASTION_MODE="development", SECRET_KEY="dev")
    with caplog.at_level(logging.WARNING):
        Bastion(app)
    assert app.config["SECRET_KEY"] != "dev"
    assert key_weakness(app.config["SECRET_KEY"]) is None
    assert "generated SECRET_KEY" in caplog.text
    assert app.config["SECRET_KEY"] not in caplog.text


def test_development_start_keeps_a_strong_key(tmp_path: Path) -> None:
    """A strong key chosen by the developer is kept and no key file is written."""
    key = generate_key()
    app = _app(tmp_path, BASTION_MODE="development", SECRET_KEY=key)
    Bastion(app)
    assert app.config["SECRET_KEY"] == key
    assert not (tmp_path / "instance" / KEY_FILE_NAME).exists()


def test_production_start_with_strong_key_passes(tmp_path: Path) -> None:
    """A strong key starts a production app unchanged, with no key file."""
    key = generate_key()
    app = _app(tmp_path, SECRET_KEY=key)
    Bastion(app)
    assert app.config["SECRET_KEY"] == key
    assert not (tmp_path / "instance" / KEY_FILE_NAME).exists()
