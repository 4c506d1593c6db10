"""The login, logout and registration views.

Templates ``bastion/login.html`` and ``bastion/register.html`` can be overridden by the app.
A form with errors answers 400, so scripts and scanners see the refusal as well as people.
"""

from __future__ import annotations

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

from flask_bastion.audit import events, record_event
from flask_bastion.auth.forms import INVALID_CREDENTIALS, LoginForm, RegisterForm
from flask_bastion.auth.redirects import safe_next_url
from flask_bastion.authz import public
from flask_bastion.exceptions import InvalidPassword
from flask_bastion.limits import limit_password_form
from flask_bastion.lockout import AccountThrottled
from flask_bastion.recovery import confirmation
from flask_bastion.sessions import log_in, log_out
from flask_bastion.sql import one_commit
from flask_bastion.two_factor import login as two_factor_login

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState


def create_blueprint(state: BastionState, users: UserStore, registration: bool) -> Blueprint:
    """The auth views of one app, rate limited by that app's limiter."""
    bp = Blueprint("bastion_auth", __name__)
    limited = limit_password_form

    @bp.route("/login", methods=["GET", "POST"])
    @public
    @limited(state.limiter, "BASTION_LOGIN_LIMIT", "BASTION_LOGIN_ACCOUNT_LIMIT")
    def login() -> Response | tuple[str, int]:
        if current_user.is_authenticated:
            return redirect(_after_login())
        form = LoginForm()
        if form.validate_on_submit():
            email = form.email.data or ""
            had_failures = _check_throttle(state, users, email)
            user = authenticate(state, users, email, form.password.data or "")
            if user is not None:
                if had_failures:
                    state.throttle.clear(email)
                if confirmation.awaiting_confirmation(state, user):
                    form.form_errors.append(confirmation.CONFIRM_FIRST)
                    return render_template("bastion/login.html", form=form), 400
                if two_factor_login.needs_second_factor(user):
                    return two_factor_login.begin(user, remember=bool(form.remember.data))
                with one_commit(users.db.engine):
                    log_in(user, remember=bool(form.remember.data))
                    record_event(events.LOGIN_SUCCEEDED, user_id=user.id)
                return redirect(_after_login())
            if state.throttle.failed(email):
                record_event(events.ACCOUNT_LOCKED, user_id=_user_id(users, email))
            form.form_errors.append(INVALID_CREDENTIALS)
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/login.html", form=form), status

    @bp.route("/logout", methods=["POST"])
    @public
    def logout() -> Response:
        if current_user.is_authenticated:
            record_event(events.LOGOUT, user_id=current_user.id)
        log_out(current_user)
        flash("You have been logged out.", "info")
        return redirect(current_app.config["BASTION_POST_LOGOUT_URL"])

    if registration:

        @bp.route("/register", methods=["GET", "POST"])
        @public
        @limited(state.limiter, "BASTION_REGISTER_LIMIT")
        def register() -> Response | tuple[str, int]:
            form = RegisterForm()
            if form.validate_on_submit():
                if confirmation.confirmation_required(state):
                    email, password = form.email.data or "", form.password.data or ""
                    return confirmation.register_pending(state, users, email, password)
                user = create_account(state, users, form.email.data or "", form.password.data)
                if user is not None:
                    log_in(user)
                    flash("Welcome! Your account is ready.", "success")
                    return redirect(current_app.config["BASTION_POST_LOGIN_URL"])
                form.email.errors = [*form.email.errors, "An account with this email exists."]
            status = 400 if request.method == "POST" else 200
            return render_template("bastion/register.html", form=form), status

    two_factor_login.register(bp, state, users)
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
        if user is None:
            record_event(events.LOGIN_FAILED, reason=events.REASON_UNKNOWN_ACCOUNT)
        else:
            record_event(events.LOGIN_FAILED, user_id=user.id, reason=events.REASON_WRONG_PASSWORD)
        return None
    if user is None or not user.is_active:  # None never gets here: verify raised for it
        record_event(events.LOGIN_FAILED, user_id=user and user.id, reason=events.REASON_INACTIVE)
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


def _check_throttle(state: BastionState, users: UserStore, email: str) -> bool:
    """Refuse (429) an attempt on an account that must wait or is locked, and record it;
    otherwise return whether the account has failures on record."""
    try:
        return state.throttle.check(email)
    except AccountThrottled:
        locked = state.throttle.is_locked(email)
        reason = events.REASON_LOCKED if locked else events.REASON_RATE_LIMITED
        record_event(events.LOGIN_FAILED, user_id=_user_id(users, email), reason=reason)
        raise


def _user_id(users: UserStore, email: str) -> int | None:
    user = users.find_by_email(email)
    return None if user is None else int(user.id)


def _after_login() -> str:
    fallback = current_app.config["BASTION_POST_LOGIN_URL"]
    return safe_next_url(request.args.get("next"), fallback)
