"""Setting up personal access tokens on one app."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_limiter import Limiter

from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.tokens.bearer import BearerAuthentication
from flask_bastion.tokens.limit import TokenRateLimit
from flask_bastion.tokens.scopes import configured_scopes
from flask_bastion.tokens.store import TokenStore
from flask_bastion.transport import Check

if TYPE_CHECKING:
    from flask_bastion.extension import BastionState


def init_tokens(app: Flask, state: BastionState, db: Any, models: Any) -> TokenStore:
    """The app's token store, and the bearer check before the CSRF check and deny-by-default,
    which then see the token's user."""
    store = TokenStore(
        db,
        models.AccessToken,
        scopes=configured_scopes(app),
        max_lifetime=timedelta(days=_whole_number(app, "BASTION_TOKEN_MAX_LIFETIME_DAYS")),
        max_per_user=_whole_number(app, "BASTION_TOKEN_MAX_PER_USER"),
    )
    limit = TokenRateLimit(
        state.limiter,
        str(setting(app, "BASTION_TOKEN_RATE_LIMIT")),
        str(app.config.get("RATELIMIT_KEY_PREFIX") or ""),
    )
    _after_rate_limits(app, state.limiter, BearerAuthentication(store, limit))
    return store


def _after_rate_limits(app: Flask, limiter: Limiter, check: Check) -> None:
    """Run ``check`` right after Flask-Limiter's hook, and so before every hook added later
    (CSRF, deny-by-default): a flood of bad tokens, refused by the check, is first counted
    against the client's IP like any other request."""
    hooks = app.before_request_funcs[None]
    hooks.insert(hooks.index(limiter._check_request_limit) + 1, check)


def _whole_number(app: Flask, key: str) -> int:
    """The setting ``key``, which must be a whole number of at least 1."""
    value = setting(app, key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigurationError(f"{key} is {value!r}; set it to a whole number, at least 1.")
    return value
