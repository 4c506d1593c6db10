"""Scopes: what a personal access token may do, and the ``scope_required`` guard.

A token carries the scopes its owner chose (``read``; ``read`` and ``write``), from those named
in ``BASTION_TOKEN_SCOPES``. An API view names the scopes it needs; a token without every one of
them gets 403, so a read-only token leaked from a dashboard cannot change anything. A request
authenticated by the session cookie passes: the user acts in person, with their full rights.

Deny by default, for tokens too: a token is refused (403) by every API endpoint that is not
public and declares no scope, so a view whose author forgot ``scope_required`` is not open to
every token, read-only ones included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final, TypeVar

from flask import Flask

from flask_bastion.authz import Guard, guards_of, is_public, login_required, mark_guard
from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.tokens.context import current_token
from flask_bastion.tokens.errors import InsufficientScope, TokensNotAccepted

View = TypeVar("View", bound=Callable[..., Any])

#: A scope name: lower-case words joined by colons, dots, dashes or underscores (``read``,
#: ``notes:write``), as in OAuth's space-separated scope lists.
SCOPE_NAME: Final = re.compile(r"[a-z][a-z0-9_.:-]{0,39}")


@dataclass(frozen=True)
class Preset:
    """A choice the settings page offers: its label and the scopes it grants."""

    label: str
    scopes: tuple[str, ...]


#: The choices of the settings page's ``scope`` field, by the value the form sends.
PRESETS: Final[dict[str, Preset]] = {
    "read": Preset("Read only", ("read",)),
    "read-write": Preset("Read and write", ("read", "write")),
}


def scope_required(*scopes: str) -> Callable[[View], View]:
    """Guard an API view: logged in and, for a token-authenticated request, a token that
    carries every one of ``scopes`` (else 403). A cookie-authenticated request passes."""
    needed = frozenset(_checked_names(scopes))

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            require_scopes(needed)
            return view(*args, **kwargs)

        guarded = login_required(checked)
        return mark_guard(guarded, Guard("scopes", tuple(sorted(needed))))  # type: ignore[return-value]

    return decorate


def require_scopes(needed: frozenset[str]) -> None:
    """Refuse a token that lacks one of ``needed``; a request without a token passes."""
    token = current_token()
    if token is None:
        return
    missing = needed.difference(token.scopes)
    if missing:
        raise InsufficientScope(missing)


def require_declared_scope(app: Flask, endpoint: str) -> None:
    """Refuse a token on an endpoint that neither is public nor declares a scope."""
    if is_public(app, endpoint):
        return
    if not any(guard.kind == "scopes" for guard in guards_of(app.view_functions.get(endpoint))):
        raise TokensNotAccepted()


def configured_scopes(app: Flask) -> dict[str, str]:
    """``BASTION_TOKEN_SCOPES``, checked: a non-empty mapping of scope names to descriptions."""
    value = setting(app, "BASTION_TOKEN_SCOPES")
    if not isinstance(value, Mapping) or not value:
        raise ConfigurationError(
            f"BASTION_TOKEN_SCOPES is {value!r}; set it to a mapping of scope names to what "
            "each allows, such as {'read': 'Read your data.'}."
        )
    _checked_names(tuple(value))
    return {str(name): str(description) for name, description in value.items()}


def _checked_names(names: tuple[Any, ...]) -> tuple[str, ...]:
    """Refuse an empty guard (it would let every token through) and malformed names."""
    if not names:
        raise ConfigurationError("scope_required() needs at least one scope name to require.")
    for name in names:
        if not isinstance(name, str) or not SCOPE_NAME.fullmatch(name):
            raise ConfigurationError(
                f"{name!r} is not a scope name: use lower-case words such as 'read' or "
                "'notes:write', at most 40 characters."
            )
    return names
