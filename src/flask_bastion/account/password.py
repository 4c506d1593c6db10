"""Changing the password: asked after a fresh login, and every other session ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from flask_bastion.account.confirm import fresh_login_required
from flask_bastion.audit import events, record_event
from flask_bastion.auth.forms import check_password_policy, password_fields
from flask_bastion.sessions import renew

if TYPE_CHECKING:
    from flask_bastion.account import Accounts


class NewPasswordForm(FlaskForm):
    """A new password and its confirmation, checked against the password policy."""

    password, confirm = password_fields("New password")

    def validate_password(self, field: Any) -> None:
        """Apply the password policy, with the user's email as a word an attacker would try."""
        check_password_policy(field.data, current_user.email)


def change_password(accounts: Accounts, user: Any, password: str) -> int:
    """Store the new password and end every other session of the user; returns how many.

    Whoever had the old password (or a copy of a cookie) is logged out everywhere; the
    current session moves to a new token.
    """
    user.password_hash = accounts.state.hasher.hash(password)
    accounts.users.db.session.commit()
    ended = accounts.sessions.end_all(user.id, except_token=user.session_token)
    renew(user)
    return ended


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``/account/password``."""

    @bp.route("/password", methods=["GET", "POST"])
    @fresh_login_required
    def password() -> Response | tuple[str, int]:
        form = NewPasswordForm()
        if form.validate_on_submit():
            ended = change_password(accounts, current_user, form.password.data or "")
            record_event(events.PASSWORD_CHANGED, user_id=current_user.id, sessions_ended=ended)
            flash(f"Password changed; {ended} other session(s) ended.", "success")
            return redirect(url_for("bastion_account.overview"))
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/account/password.html", form=form), status
