"""Authentication on Flask-Login: who the user is, and the views to log in and out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, abort, redirect, request, url_for
from flask_login import LoginManager, current_user
from werkzeug.wrappers import Response

from flask_bastion.api import is_api_request
from flask_bastion.errors import wants_json
from flask_bastion.sessions import load_user
from flask_bastion.tokens.errors import TokenRequired

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState
    from flask_bastion.sessions import SessionManager

LOGIN_ENDPOINT = "bastion_auth.login"


def init_auth(
    app: Flask, state: BastionState, users: UserStore, sessions: SessionManager
) -> LoginManager:
    """Set up Flask-Login with strong session protection and register the auth views.

    Templates get ``current_user`` as Flask-Login's proxy, a global loaded when a template
    reads it, rather than from Flask-Login's context processor, which loads the user (a
    session check and a store lookup) for every render, even of pages that never show it.
    """
    from flask_bastion.auth.views import create_blueprint
    from flask_bastion.recovery import init_recovery

    manager = LoginManager()
    manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    manager.session_protection = "strong"
    manager.login_view = LOGIN_ENDPOINT
    manager.login_message = "Log in to see this page."
    manager.login_message_category = "info"
    manager.user_loader(lambda token: load_user(sessions, users, token))
    manager.unauthorized_handler(send_to_login)
    bp = create_blueprint(state, users, app.config["BASTION_REGISTRATION"])
    init_recovery(app, bp, state, users)  # /reset, /reset/<token>, /confirm-email/<token>
    app.register_blueprint(bp, url_prefix=app.config["BASTION_AUTH_URL_PREFIX"] or None)
    return manager


def send_to_login() -> Response:
    """Anonymous access to a protected page: the login page, or a 401 for API clients.

    A JSON API endpoint answers 401 with ``WWW-Authenticate: Bearer``, which tells its client
    to send a personal access token. The ``next`` target is the relative path only, so it
    passes the same-site check at login.
    """
    if is_api_request():
        raise TokenRequired()
    if wants_json():
        abort(401)
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for(LOGIN_ENDPOINT, next=next_path))
