"""The second login step: after the right password, a code before the user is logged in.

Between the two steps the visitor is not logged in. Their session holds only the pending
account, the "remember me" choice and when the password was checked; Flask-Login never reads
that key, so it opens no page, and it expires after five minutes, so a half-finished login
left on a shared computer cannot be completed later by someone else.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_bastion.audit import events, record_event
from flask_bastion.auth.redirects import safe_next_url
from flask_bastion.authz import public
from flask_bastion.limits import limit_password_form
from flask_bastion.sessions import log_in
from flask_bastion.two_factor.factor import InvalidCode, TwoFactor
from flask_bastion.two_factor.forms import CodeForm

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState

#: Session key of a login waiting for its second factor; never a login by itself.
PENDING_KEY = "_bastion_two_factor_pending"
#: How long the password step stays valid while the code is awaited.
PENDING_LIFETIME = timedelta(minutes=5)
ENDPOINT = "bastion_auth.two_factor"
WRONG_CODE = "That code is not valid. Enter the current code from your app, or a recovery code."


def needs_second_factor(user: Any) -> bool:
    """Whether ``user`` must give a code after their password."""
    return TwoFactor.is_enabled(user)


def begin(user: Any, *, remember: bool) -> Response:
    """Start the second step for ``user``, whose password was right; the ``next`` target
    of the login page carries over."""
    session.clear()  # nothing planted before the login survives it (session fixation)
    session[PENDING_KEY] = {
        "user_id": user.id,
        "remember": remember,
        "since": _now(),
    }
    return redirect(url_for(ENDPOINT, next=request.args.get("next")))


def pending_account() -> str:
    """The account a code is aimed at, for the per-account rate limit."""
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    return f"two-factor:{user_id}"


def register(bp: Blueprint, state: BastionState, users: UserStore) -> None:
    """Add ``/login/two-factor`` to the auth blueprint."""

    @bp.route("/login/two-factor", methods=["GET", "POST"])
    @public
    @limit_password_form(
        state.limiter, "BASTION_TWO_FACTOR_LIMIT", "BASTION_TWO_FACTOR_LIMIT", pending_account
    )
    def two_factor() -> Response | tuple[str, int]:
        if current_user.is_authenticated:
            return redirect(_after_login())
        pending, user = _pending(users)
        if user is None:
            flash("Your login expired; enter your password again.", "info")
            return redirect(url_for("bastion_auth.login", next=request.args.get("next")))
        form = CodeForm()
        if form.validate_on_submit():
            try:
                kind = TwoFactor.of(current_app).verify(user, form.code.data or "")
            except InvalidCode:
                reason = events.REASON_WRONG_SECOND_FACTOR
                record_event(events.LOGIN_FAILED, user_id=user.id, reason=reason)
                form.code.errors = [WRONG_CODE]
            else:
                return _finish(user, remember=bool(pending.get("remember")), kind=kind)
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/two_factor/login.html", form=form), status


def _pending(users: UserStore) -> tuple[dict[str, Any], Any | None]:
    """The pending login and its user, or ``{}, None`` when there is none or it expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return {}, None
    since = pending.get("since")
    if not isinstance(since, int | float) or _now() - since > PENDING_LIFETIME.total_seconds():
        session.pop(PENDING_KEY, None)
        return {}, None
    user = users.get(int(pending.get("user_id", 0)))
    if user is None or not user.is_active or not needs_second_factor(user):
        session.pop(PENDING_KEY, None)
        return {}, None
    return pending, user


def _finish(user: Any, *, remember: bool, kind: str) -> Response:
    log_in(user, remember=remember)  # clears the pending key with the rest of the session
    record_event(events.LOGIN_SUCCEEDED, user_id=user.id, second_factor=kind)
    if kind == "recovery_code":
        record_event(events.RECOVERY_CODE_USED, user_id=user.id)
        left = TwoFactor.of(current_app).recovery_codes_left(user)
        flash(
            f"You logged in with a recovery code; {left} left. Make new ones on your "
            "two-factor page if you are running short.",
            "info",
        )
    return redirect(_after_login())


def _after_login() -> str:
    return safe_next_url(request.args.get("next"), current_app.config["BASTION_POST_LOGIN_URL"])


def _now() -> float:
    return float(current_app.extensions["bastion"].sessions.clock().timestamp())
