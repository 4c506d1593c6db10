"""Personal access tokens: the secret's format, the settings, and the store's refusals."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_bastion import scope_required, state_for
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.tokens.secret import display_prefix, is_well_formed, new_secret, secret_hash
from flask_bastion.tokens.store import TokenRequestError, TokenStore
from tests.conftest import app_settings, build_app
from tests.support.accounts import create_user


def test_secret_has_the_documented_format_and_256_random_bits() -> None:
    """``bst_`` and 43 URL-safe characters; no two alike."""
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(is_well_formed(secret) and len(secret) == 47 for secret in secrets)


@pytest.mark.parametrize(
    "value",
    ["", "bst_", "bst_" + "A" * 42, "bst_" + "A" * 44, "BST_" + "A" * 43, "bst_" + "A" * 42 + "="],
    ids=["empty", "prefix only", "short", "long", "upper-case prefix", "padding"],
)
def test_anything_else_is_not_a_secret(value: str) -> None:
    """Malformed values are refused before any database lookup."""
    assert not is_well_formed(value)


def test_hash_is_sha256_hex_and_prefix_is_short() -> None:
    """The stored hash is the SHA-256 in hex; the display prefix shows 6 random characters."""
    secret = new_secret()
    assert secret_hash(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert display_prefix(secret) == secret[:10]


@pytest.mark.parametrize("names", [(), ("Read",), ("read write",), (7,)])
def test_scope_required_refuses_no_or_malformed_names(names: tuple[Any, ...]) -> None:
    """A guard without a scope would admit every token; a malformed name is a typo."""
    with pytest.raises(ConfigurationError):
        scope_required(*names)


@pytest.mark.parametrize(
    "settings",
    [
        {"BASTION_TOKEN_SCOPES": {}},
        {"BASTION_TOKEN_SCOPES": ["read"]},
        {"BASTION_TOKEN_SCOPES": {"Read Data": "x"}},
        {"BASTION_TOKEN_MAX_LIFETIME_DAYS": 0},
        {"BASTION_TOKEN_MAX_LIFETIME_DAYS": "365"},
        {"BASTION_TOKEN_MAX_LIFETIME_DAYS": True},
        {"BASTION_TOKEN_MAX_PER_USER": 0},
        {"BASTION_TOKEN_RATE_LIMIT": "lots"},
    ],
    ids=[
        "no scopes",
        "scopes not a mapping",
        "bad scope name",
        "zero days",
        "days as text",
        "days as bool",
        "no tokens per user",
        "bad limit",
    ],
)
def test_bad_token_settings_stop_the_start(tmp_path: Path, settings: dict[str, Any]) -> None:
    """Each token setting is checked at start, with a message naming it."""
    with pytest.raises(ConfigurationError, match=r"BASTION_TOKEN|scope"):
        build_app(app_settings(tmp_path, "sqlite://", **settings), fresh_schema=False)


@pytest.fixture
def store_app(tmp_path: Path) -> Flask:
    app = build_app(app_settings(tmp_path, f"sqlite:///{tmp_path / 'tokens.db'}"))
    create_user(app, "ada@example.org")
    return app


def store_of(app: Flask) -> TokenStore:
    store = state_for(app).tokens
    assert store is not None
    return store


@pytest.mark.parametrize(
    "name, scopes, lifetime",
    [
        ("  ", ["read"], timedelta(days=1)),
        ("n" * 101, ["read"], timedelta(days=1)),
        ("ok", [], timedelta(days=1)),
        ("ok", ["admin"], timedelta(days=1)),
        ("ok", ["read"], timedelta(0)),
        ("ok", ["read"], timedelta(days=366)),
    ],
    ids=["blank name", "long name", "no scope", "unknown scope", "no lifetime", "too long"],
)
def test_store_refuses_what_the_settings_do_not_allow(
    store_app: Flask, name: str, scopes: list[str], lifetime: timedelta
) -> None:
    """``issue`` refuses a token the page could never make (for API callers of the store)."""
    with store_app.app_context(), pytest.raises(TokenRequestError):
        store_of(store_app).issue(1, name, scopes, lifetime)


def test_status_and_listing(store_app: Flask) -> None:
    """A token is active, then expired; a revoked one says so; the list is newest first."""
    store = store_of(store_app)
    with store_app.app_context():
        first = store.issue(1, "first", ["read"], timedelta(days=7)).record
        second = store.issue(1, " second ", ["write", "read"], timedelta(days=30)).record
        assert second.name == "second" and second.scopes == ["read", "write"]
        assert [token.id for token in store.list_for(1)] == [second.id, first.id]
        now = datetime.now(UTC)
        assert first.status(now) == "active"
        assert first.status(now + timedelta(days=8)) == "expired"
        assert store.revoke(first.id, 1) and not store.revoke(first.id, 1)
        (revoked,) = [token for token in store.list_for(1) if token.id == first.id]
        assert revoked.status(now) == "revoked"
        assert store.revoke_all(1) == 1
