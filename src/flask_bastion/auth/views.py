"""The login, logout and registration views.

Templates ``bastion/login.html`` and ``bastion/register.html`` can be overridden by the app.
A form with errors answers 400, so scripts and scanners see the refusal as well as people.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from flask_bastion.auth.forms import INVALID_CREDENTIALS, LoginForm, RegisterForm
from flask_bastion.auth.redirects import safe_next_url
from flask_bastion.exceptions import InvalidPassword
from flask_bastion.limits import limit_password_form
from flask_bastion.sessions import log_in, log_out

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState

security_log = logging.getLogger("flask_bastion.security")


def create_blueprint(state: BastionState, users: UserStore, registration: bool) -> Blueprint:
    """The auth views of one app, rate limited by that app's limiter."""
    bp = Blueprint("bastion_auth", __name__)
    limited = limit_password_form

    @bp.route("/login", methods=["GET", "POST"])
    @limited(state.limiter, "BASTION_LOGIN_LIMIT", "BASTION_LOGIN_ACCOUNT_LIMIT")
    def login() -> Response | tuple[str, int]:
        if current_user.is_authenticated:
            return redirect(_after_login())
        form = LoginForm()
        if form.validate_on_submit():
            user = authenticate(state, users, form.email.data or "", form.password.data or "")
            if user is not None:
                log_in(user, remember=bool(form.remember.data))
                return redirect(_after_login())
            form.form_errors.append(INVALID_CREDENTIALS)
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/login.html", form=form), status

    @bp.route("/logout", methods=["POST"])
    def logout() -> Response:
        log_out(current_user)
        flash("You have been logged out.", "info")
        return redirect(current_app.config["BASTION_POST_LOGOUT_URL"])

    if registration:

        @bp.route("/register", methods=["GET", "POST"])
        @limited(state.limiter, "BASTION_REGISTER_LIMIT")
        def register() -> Response | tuple[str, int]:
            form = RegisterForm()
            if form.validate_on_submit():
                user = create_account(state, users, form.email.data or "", form.password.data)
                if user is not None:
                    log_in(user)
                    flash("Welcome! Your account is ready.", "success")
                    return redirect(current_app.config["BASTION_POST_LOGIN_URL"])
                form.email.errors = [*form.email.errors, "An account with this email exists."]
            status = 400 if request.method == "POST" else 200
            return render_template("bastion/register.html", form=form), status

    return bp


def authenticate(state: BastionState, users: UserStore, email: str, password: str) -> Any | None:
    """The user these credentials belong to, or ``None``, in the same time either way.

    An unknown email is verified against a dummy hash, so timing does not reveal whether an
    account exists. A hash made with older parameters or a legacy scheme is replaced.
    """
    user = users.find_by_email(email)
    try:
        state.hasher.verify(user.password_hash if user is not None else None, password)
    except InvalidPassword:
        security_log.info("Login failed for an account (unknown or wrong password).")
        return None
    if user is None or not user.is_active:  # None never gets here: verify raised for it
        security_log.info("Login refused for a deactivated account.")
        return None
    if state.hasher.needs_rehash(user.password_hash):
        user.password_hash = state.hasher.hash(password)
        users.db.session.commit()
    return user


def create_account(state: BastionState, users: UserStore, email: str, password: str) -> Any:
    """A new user, or ``None`` when the email is taken (also when two requests race)."""
    if users.find_by_email(email) is not None:
        return None
    user = users.create_user(email, state.hasher.hash(password))
    try:
        users.db.session.commit()
    except IntegrityError:
        users.db.session.rollback()
        return None
    return user


def _after_login() -> str:
    fallback = current_app.config["BASTION_POST_LOGIN_URL"]
    return safe_next_url(request.args.get("next"), fallback)
