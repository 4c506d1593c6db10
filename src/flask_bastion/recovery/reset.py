"""Password reset: ``/reset`` mails a link, ``/reset/<token>`` sets a new password.

The request answers the same page, after the same work, whether or not the address has an
account: a known address gets the link, an unknown one a message saying no account uses it
(so both answers send one mail and take the same time, and someone who forgot which address
they used learns it from their own mailbox). A reset ends every session of the user, remember
cookies included, and revokes every personal access token (the account may have been taken
over, and a token works without the password); it does not log in: the login form, with its
throttling and any second factor, stays the one way in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import update
from werkzeug.wrappers import Response

from flask_bastion.audit import events, record_event
from flask_bastion.auth.forms import check_password_policy, email_field, password_fields
from flask_bastion.auth.store import normalize_email
from flask_bastion.authz import public
from flask_bastion.limits import limit_password_form
from flask_bastion.models import utcnow
from flask_bastion.recovery import mails, tokens
from flask_bastion.recovery.links import external_link
from flask_bastion.sessions import duration

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState

Page = tuple[str, int]


class ResetRequestForm(FlaskForm):
    """The address to send the link to."""

    email = email_field()


class ResetPasswordForm(FlaskForm):
    """The new password, twice, checked against the password policy."""

    password, confirm = password_fields("New password")

    def __init__(self, email: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.account_email = email

    def validate_password(self, field: Any) -> None:
        """Apply the password policy, with the account's email as a word to avoid."""
        check_password_policy(field.data, self.account_email)


def register(bp: Blueprint, state: BastionState, users: UserStore) -> None:
    """Add ``/reset`` and ``/reset/<token>`` to the auth blueprint."""
    limiter = state.limiter

    @bp.route("/reset", methods=["GET", "POST"])
    @public
    @limit_password_form(limiter, "BASTION_RESET_LIMIT", "BASTION_RESET_ACCOUNT_LIMIT")
    def reset_request() -> Page:
        if not _available(state):
            return _unavailable()
        form = ResetRequestForm()
        if form.validate_on_submit():
            email = normalize_email(form.email.data or "")
            send_reset_link(users, email)
            page = render_template(
                "bastion/recovery/reset_sent.html", email=email, minutes=_max_age_minutes()
            )
            return page, 200
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/recovery/reset_request.html", form=form), status

    @bp.route("/reset/<token>", methods=["GET", "POST"])
    @public
    @limit_password_form(limiter, "BASTION_RESET_LIMIT")
    def reset_password(token: str) -> Response | Page:
        if not _available(state):
            return _unavailable()
        user = tokens.user_for_reset(users, token)
        if user is None:
            return invalid_link_page()
        form = ResetPasswordForm(user.email)
        if form.validate_on_submit():
            if not complete_reset(state, users, user, form.password.data or ""):
                return invalid_link_page()
            flash("Your password is changed and every session ended. Log in with it.", "success")
            return redirect(url_for("bastion_auth.login"))
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/recovery/reset_password.html", form=form), status


def send_reset_link(users: UserStore, email: str) -> None:
    """Mail ``email`` its reset link, or a note that it has no account: one mail either way."""
    user = users.find_by_email(email)
    if user is not None and user.is_active:
        record_event(events.PASSWORD_RESET_REQUESTED, user_id=user.id)
        link = external_link("bastion_auth.reset_password", token=tokens.reset_token(user))
        mails.send("reset", user.email, link=link, minutes=_max_age_minutes())
    else:
        record_event(events.PASSWORD_RESET_REQUESTED, account="unknown")
        mails.send("reset_no_account", email, link=external_link("bastion_auth.reset_request"))


def complete_reset(state: BastionState, users: UserStore, user: Any, password: str) -> bool:
    """Set the password, confirm the address, end every session and revoke every access
    token; False if the link was used.

    The update applies only while the stored hash is the one the link was made for, so of
    two requests racing with one link, one wins and the other changes nothing.
    """
    old_hash, user_id = user.password_hash, user.id
    changed = users.db.session.execute(
        update(users.User)
        .where(users.User.id == user_id, users.User.password_hash == old_hash)
        .values(password_hash=state.hasher.hash(password), confirmed_at=_confirmed_at(user))
    )
    users.db.session.commit()
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    ended = state.sessions.end_all(user_id) if state.sessions is not None else 0
    revoked = state.tokens.revoke_all(user_id) if state.tokens is not None else 0
    state.throttle.clear(user.email)
    record_event(
        events.PASSWORD_RESET, user_id=user_id, sessions_ended=ended, tokens_revoked=revoked
    )
    return True


def invalid_link_page() -> Page:
    """The answer to a forged, expired or used link: 400, with a way to ask for a new one."""
    recovery = current_app.extensions["bastion"].recovery
    reset_offered = recovery is not None and recovery.reset_offered
    return render_template("bastion/recovery/invalid_link.html", reset_offered=reset_offered), 400


def _confirmed_at(user: Any) -> Any:
    """A reset proves the mailbox is the user's, so it also confirms the address."""
    return user.confirmed_at or utcnow()


def _available(state: BastionState) -> bool:
    return state.recovery is not None and state.recovery.reset_available


def _unavailable() -> Page:
    return render_template("bastion/recovery/unavailable.html", feature="Password reset"), 200


def _max_age_minutes() -> int:
    return int(duration(current_app, "BASTION_RESET_TOKEN_MAX_AGE").total_seconds() // 60)
