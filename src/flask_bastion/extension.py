"""The ``Bastion`` extension: one object that gives an app every protection of the checklist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask

from flask_bastion import (
    authz,
    cli,
    config,
    csrf,
    errors,
    headers,
    inputs,
    limits,
    mail,
    sanitize,
    secret_key,
    signing,
    sqlite,
    transport,
)
from flask_bastion.api.cors import init_cors
from flask_bastion.check import refuse_unsafe_start
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.lockout import LoginThrottle, init_lockout
from flask_bastion.password_policy import PasswordPolicy
from flask_bastion.passwords import PasswordHasher, profile_named

if TYPE_CHECKING:
    from flask_limiter import Limiter
    from flask_login import LoginManager
    from flask_principal import Principal
    from flask_sqlalchemy import SQLAlchemy
    from flask_wtf.csrf import CSRFProtect

    from flask_bastion.audit import AuditLog
    from flask_bastion.auth.store import UserStore
    from flask_bastion.recovery import Recovery
    from flask_bastion.sessions import SessionManager
    from flask_bastion.tokens.store import TokenStore

EXTENSION_KEY = "bastion"


@dataclass
class BastionState:
    """What one app's Flask-Bastion holds, at ``app.extensions["bastion"]``.

    Each composed library's own object is exposed, so an app can reach that library's full API
    (for example ``state.limiter.limit(...)`` on its own views).
    """

    csrf: CSRFProtect
    limiter: Limiter
    hasher: PasswordHasher
    password_policy: PasswordPolicy
    mailer: mail.Mailer
    throttle: LoginThrottle
    login_manager: LoginManager | None = None
    principal: Principal | None = None
    users: UserStore | None = None
    sessions: SessionManager | None = None
    audit: AuditLog | None = None
    recovery: Recovery | None = None
    tokens: TokenStore | None = None


class Bastion:
    """Secure a Flask app: ``Bastion(app)`` or ``bastion = Bastion(); bastion.init_app(app)``.

    With nothing else, the app gets CSRF protection, security headers with a nonce-based CSP,
    HTTPS enforcement with HSTS, hardened cookies, rate limits and error pages that hide
    internals. Pass ``db`` (a Flask-SQLAlchemy instance) to add users with roles, argon2id
    passwords, and the login, logout and registration views.
    """

    def __init__(self, app: Flask | None = None, *, db: SQLAlchemy | None = None) -> None:
        self.db = db
        self.models = None
        if db is not None:
            from flask_bastion.models import define_models

            self.models = define_models(db)
        if app is not None:
            self.init_app(app)

    @property
    def User(self) -> Any:
        """The user model, available when the extension was given a ``db``."""
        return self._models().User

    @property
    def Role(self) -> Any:
        """The role model, available when the extension was given a ``db``."""
        return self._models().Role

    def init_app(self, app: Flask) -> None:
        """Apply every protection to ``app``; the steps below read like the checklist."""
        if EXTENSION_KEY in app.extensions:
            raise ConfigurationError(
                "Flask-Bastion is already set up on this app; call init_app once per app."
            )
        config.apply_defaults(app)
        secret_key.ensure_secret_key(app)
        signing.init_signing(app)
        refuse_unsafe_start(app)
        limiter = limits.init_limits(app)
        state = BastionState(
            csrf=csrf.init_csrf(app),
            limiter=limiter,
            hasher=PasswordHasher(profile_named(app.config["BASTION_PASSWORD_HASHING"])),
            password_policy=PasswordPolicy.from_config(app.config),
            mailer=mail.init_mail(app),
            throttle=init_lockout(app, limiter),
        )
        app.extensions[EXTENSION_KEY] = state
        app.register_blueprint(Blueprint("bastion", __name__, template_folder="templates"))
        transport.init_transport(app)
        headers.init_headers(app)
        errors.init_errors(app)
        inputs.init_inputs(app)
        init_cors(app)
        sanitize.init_sanitize(app)
        if self.db is not None and self.models is not None:
            self._init_accounts(app, state, self.db, self.models)
        cli.init_cli(app)

    @staticmethod
    def _init_accounts(app: Flask, state: BastionState, db: SQLAlchemy, models: Any) -> None:
        """Users, roles, login and the auth views: only with a database to keep them in."""
        from flask_bastion.account import Accounts, init_account
        from flask_bastion.audit.setup import init_audit
        from flask_bastion.auth import init_auth
        from flask_bastion.auth.store import UserStore
        from flask_bastion.sessions import init_sessions
        from flask_bastion.tokens.setup import init_tokens

        sqlite.init_sqlite(app, db)
        state.users = UserStore(db, models)
        state.sessions = init_sessions(app, db, models.sessions)
        state.audit = init_audit(app, db, models)
        state.login_manager = init_auth(app, state, state.users, state.sessions)
        state.tokens = init_tokens(app, state, db, models)
        init_account(app, Accounts(state, state.users, state.sessions))
        state.principal = authz.init_authz(app, state)

    def _models(self) -> Any:
        if self.models is None:
            raise ConfigurationError(
                "Flask-Bastion was created without a database; pass db=SQLAlchemy() to "
                "Bastion(...) to get users and roles."
            )
        return self.models


def state_for(app: Flask) -> BastionState:
    """The Flask-Bastion state of ``app``, with a clear error when it was never set up."""
    try:
        state: BastionState = app.extensions[EXTENSION_KEY]
    except KeyError:
        raise ConfigurationError(
            "Flask-Bastion is not set up on this app; call Bastion(app) or init_app(app)."
        ) from None
    return state
