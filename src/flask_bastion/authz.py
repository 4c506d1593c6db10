"""Authorization on Flask-Principal: identities built from the roles stored in the database.

The identity is built per request, lazily, from the user's roles as the database holds them
now, so a role removed from a user takes effect on their very next request; nothing about
privileges is cached in the cookie. Anonymous visitors of a guarded view go to the login page;
logged-in users without the right get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, abort, current_app, g
from flask_login import current_user
from flask_principal import (
    AnonymousIdentity,
    Identity,
    Permission,
    Principal,
    RoleNeed,
    UserNeed,
    identity_loaded,
)

if TYPE_CHECKING:
    from flask_bastion.extension import BastionState

View = TypeVar("View", bound=Callable[..., Any])


def init_authz(app: Flask, state: BastionState) -> Principal:
    """Set up Flask-Principal without its session storage: the database is the truth."""
    principal = Principal(app, use_sessions=False, skip_static=True)
    identity_loaded.connect(_add_needs, app)
    app.jinja_env.globals["has_permission"] = has_permission
    return principal


def current_identity() -> Identity:
    """The Flask-Principal identity of this request, built on first use."""
    identity = g.get("identity")
    if identity is None or (
        isinstance(identity, AnonymousIdentity) and current_user.is_authenticated
    ):
        identity = _identity_for_current_user()
        current_app.extensions["bastion"].principal.set_identity(identity)
    return identity


def has_permission(permission: Permission) -> bool:
    """Whether the current user holds ``permission`` (also offered to templates)."""
    return bool(permission.allows(current_identity()))


#: Attribute that marks a view as meant for anonymous visitors (set by :func:`public`).
PUBLIC_MARK = "_bastion_public"


def public(view: View) -> View:
    """Mark a view as meant for anonymous visitors (a login step, a reset link).

    It changes nothing at run time; it records the intent, so that the audit does not list the
    view as an unguarded endpoint for review.
    """
    setattr(view, PUBLIC_MARK, True)
    return view


def login_required(view: View) -> View:
    """Guard a view: the user must be logged in (Flask-Login's, typed and with our 401/redirect)."""
    return _guard(lambda: True)(view)


def roles_required(*roles: str) -> Callable[[View], View]:
    """Guard a view: the user must be logged in and hold every one of ``roles``."""
    needed = [Permission(RoleNeed(role)) for role in roles]
    return _guard(lambda: all(has_permission(permission) for permission in needed))


def permission_required(permission: Permission) -> Callable[[View], View]:
    """Guard a view with a Flask-Principal permission (any of its needs grants it)."""
    return _guard(lambda: has_permission(permission))


def _guard(allowed: Callable[[], bool]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not allowed():
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def _identity_for_current_user() -> Identity:
    if current_user.is_authenticated:
        return Identity(current_user.id, "flask-bastion")
    return AnonymousIdentity()


def _add_needs(sender: Flask, identity: Identity) -> None:
    """Give the identity the user's own need and one need per role in the database."""
    if not current_user.is_authenticated or identity.id != current_user.id:
        return
    identity.provides.add(UserNeed(current_user.id))
    for role in current_user.roles:
        identity.provides.add(RoleNeed(role.name))
