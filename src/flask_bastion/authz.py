"""Authorization on Flask-Principal: deny by default, and identities built from the database.

Every endpoint requires a logged-in user unless it is marked :func:`public` (a view or a whole
blueprint) or serves static files, so a view whose author forgot a decorator is protected all
the same (``BASTION_DENY_BY_DEFAULT``). The identity is built per request, lazily, from the
user's roles and the permissions those roles grant as the database holds them now, so a role or
permission removed takes effect on the user's very next request; nothing about privileges is
cached in the cookie. Anonymous visitors of a guarded view go to the login page (401 for JSON
clients); logged-in users without the right get 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from flask import Flask, abort, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_principal import (
    AnonymousIdentity,
    Identity,
    Need,
    Permission,
    Principal,
    RoleNeed,
    UserNeed,
    identity_loaded,
)

from flask_bastion import policy
from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError

if TYPE_CHECKING:
    from flask_bastion.extension import BastionState

View = TypeVar("View", bound=Callable[..., Any])
Marked = TypeVar("Marked")

#: The need a stored permission grants, like Flask-Principal's ``RoleNeed``:
#: ``PermissionNeed("users:manage")``.
PermissionNeed = partial(Need, "permission")
#: A permission name: lower-case words joined by colons, such as ``notes:read``.
PERMISSION_NAME: Final = re.compile(r"[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*")
PERMISSION_NAME_MAX_LENGTH: Final = 80
#: Attribute that marks a view or a blueprint as meant for anonymous visitors (:func:`public`).
PUBLIC_MARK = "_bastion_public"
#: Attribute listing the :class:`Guard` objects of a view (set by the decorators below).
GUARDS_MARK = "_bastion_guards"


@dataclass(frozen=True)
class Guard:
    """What a decorator asks of a view's visitor, recorded on the view for review."""

    kind: Literal["login", "fresh login", "roles", "permissions", "scopes"]
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind}: {', '.join(self.names)}" if self.names else self.kind


def init_authz(app: Flask, state: BastionState) -> Principal:
    """Set up Flask-Principal without its session storage (the database is the truth), and
    deny anonymous requests to every endpoint that is not public."""
    principal = Principal(app, use_sessions=False, skip_static=True)
    identity_loaded.connect(_add_needs, app)
    app.jinja_env.globals["has_permission"] = has_permission
    app.jinja_env.globals["can"] = policy.can
    deny = setting(app, "BASTION_DENY_BY_DEFAULT")
    if not isinstance(deny, bool):
        raise ConfigurationError(
            f"BASTION_DENY_BY_DEFAULT is {deny!r}; set it to True (the default) or False."
        )
    if deny:
        # After the HTTPS and CSRF checks: a cross-site POST is refused by an error page, which
        # never starts a session, rather than sent to log in with a flash message, whose new
        # session cookie would replace the user's own (a forced logout from any site).
        app.before_request(deny_anonymous)
    return principal


def public(target: Marked) -> Marked:
    """Mark a view, or a whole blueprint, as open to anonymous visitors.

    Deny-by-default lets anonymous requests through to public endpoints only. Warning: every
    view of a public blueprint is public, including views added to it later.
    """
    setattr(target, PUBLIC_MARK, True)
    return target


def is_public(app: Flask, endpoint: str) -> bool:
    """Whether ``endpoint`` serves static files or is marked public, or its blueprint is."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    return endpoint_marked(app, endpoint, PUBLIC_MARK)


def endpoint_marked(app: Flask, endpoint: str, mark: str) -> bool:
    """Whether the view of ``endpoint``, or one of the blueprints it sits in, carries ``mark``."""
    if getattr(app.view_functions.get(endpoint), mark, False):
        return True
    parts = endpoint.split(".")[:-1]
    blueprints = (app.blueprints.get(".".join(parts[:n])) for n in range(1, len(parts) + 1))
    return any(getattr(blueprint, mark, False) for blueprint in blueprints)


def denies_by_default(app: Flask) -> bool:
    """Whether Flask-Bastion requires a login for every non-public endpoint of ``app``."""
    return deny_anonymous in app.before_request_funcs.get(None, [])


def deny_anonymous() -> ResponseReturnValue | None:
    """Send an anonymous request for a non-public endpoint to the login page (JSON: 401).

    A URL that matches no route passes on to its 404 (or 405), so the answer does not tell
    which addresses exist. Flask's automatic ``OPTIONS`` answer passes too: the view never
    runs for it, and a browser's CORS preflight carries no credentials, so refusing it would
    only break cross-origin API clients. Public endpoints cost no database access.
    """
    if not is_anonymous_for_guarded_endpoint():
        return None
    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]


def is_anonymous_for_guarded_endpoint() -> bool:
    """Whether this request is anonymous and routed to a non-public endpoint, so that
    deny-by-default (where it is on) refuses it before its view can run."""
    endpoint = request.endpoint
    if endpoint is None or request.routing_exception is not None or answered_by_flask():
        return False
    return not (is_public(current_app, endpoint) or current_user.is_authenticated)


def answered_by_flask() -> bool:
    """Whether Flask answers this request itself: ``OPTIONS`` on a route, with its methods."""
    rule = request.url_rule
    return request.method == "OPTIONS" and bool(getattr(rule, "provide_automatic_options", False))


def current_identity() -> Identity:
    """The Flask-Principal identity of this request, built on first use."""
    identity = g.get("identity")
    if identity is None or (
        isinstance(identity, AnonymousIdentity) and current_user.is_authenticated
    ):
        identity = _identity_for_current_user()
        current_app.extensions["bastion"].principal.set_identity(identity)
    return identity


def has_permission(permission: Permission | str) -> bool:
    """Whether the current user holds ``permission``, a Flask-Principal permission or the name
    of a stored one (also offered to templates: ``has_permission("users:manage")``)."""
    return bool(as_permission(permission).allows(current_identity()))


def as_permission(permission: Permission | str) -> Permission:
    """``permission`` itself, or the Flask-Principal permission of a stored permission name."""
    if not isinstance(permission, str):
        return permission
    if len(permission) > PERMISSION_NAME_MAX_LENGTH or not PERMISSION_NAME.fullmatch(permission):
        raise ConfigurationError(
            f"{permission!r} is not a permission name: use lower-case words joined by colons, "
            f"such as 'notes:read', at most {PERMISSION_NAME_MAX_LENGTH} characters."
        )
    return Permission(PermissionNeed(permission))


def login_required(view: View) -> View:
    """Guard a view: the user must be logged in (Flask-Login's, typed and with our 401/redirect)."""
    return _guard(lambda: True, Guard("login"))(view)


def roles_required(*roles: str) -> Callable[[View], View]:
    """Guard a view: the user must be logged in and hold every one of ``roles``."""
    needed = [Permission(RoleNeed(role)) for role in _at_least_one(roles, "roles_required")]
    return _guard(lambda: all(has_permission(p) for p in needed), Guard("roles", roles))


def permission_required(*permissions: Permission | str) -> Callable[[View], View]:
    """Guard a view: the user must be logged in and hold every one of ``permissions``.

    A string names a permission stored in the database (``"users:manage"``), which the user
    holds through one of their roles; a Flask-Principal ``Permission`` is allowed by any of its
    needs.
    """
    needed = [as_permission(p) for p in _at_least_one(permissions, "permission_required")]
    names = tuple(_describe(permission) for permission in needed)
    return _guard(lambda: all(has_permission(p) for p in needed), Guard("permissions", names))


def mark_guard(view: View, guard: Guard) -> View:
    """Record ``guard`` on ``view``, beside the guards of the decorators it wraps."""
    setattr(view, GUARDS_MARK, (*getattr(view, GUARDS_MARK, ()), guard))
    return view


def guards_of(view: Callable[..., Any] | None) -> tuple[Guard, ...]:
    """The guards recorded on ``view`` by Flask-Bastion's decorators, outermost last."""
    guards: tuple[Guard, ...] = getattr(view, GUARDS_MARK, ())
    return guards


def _guard(allowed: Callable[[], bool], guard: Guard) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not allowed():
                abort(403)
            return view(*args, **kwargs)

        return mark_guard(guarded, guard)  # type: ignore[return-value]

    return decorate


def _at_least_one(names: tuple[Any, ...], decorator: str) -> tuple[Any, ...]:
    """Refuse a guard with nothing to require: it would let every logged-in user through."""
    if not names:
        raise ConfigurationError(f"{decorator}() needs at least one name to require.")
    return names


def _describe(permission: Permission) -> str:
    """``users:manage`` for a stored permission; ``role=admin or ...`` for other needs."""
    needs = sorted(permission.needs, key=repr)
    return " or ".join(
        need.value if need.method == "permission" else f"{need.method}={need.value}"
        for need in needs
    )


def _identity_for_current_user() -> Identity:
    if current_user.is_authenticated:
        return Identity(current_user.id, "flask-bastion")
    return AnonymousIdentity()


def _add_needs(sender: Flask, identity: Identity) -> None:
    """Give the identity the user's own need, one need per role and one per permission that
    those roles grant, all read from the database now."""
    if not current_user.is_authenticated or identity.id != current_user.id:
        return
    identity.provides.add(UserNeed(current_user.id))
    for role in current_user.roles:
        identity.provides.add(RoleNeed(role.name))
    for name in sender.extensions["bastion"].users.permissions_of(current_user.id):
        identity.provides.add(PermissionNeed(name))
