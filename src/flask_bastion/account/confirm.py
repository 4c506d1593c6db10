"""A "fresh login": the password asked again before a sensitive action.

A session cookie stolen an hour ago, or a computer left unlocked, must not be enough to change
the password, the email address or the second factor: those actions first ask the user to prove
who they are again, and the session moves to a new token when they do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from flask_bastion.audit import events, record_event
from flask_bastion.auth.redirects import safe_next_url
from flask_bastion.authz import Guard, login_required, mark_guard
from flask_bastion.exceptions import InvalidPassword
from flask_bastion.limits import limit_password_form
from flask_bastion.sessions import is_fresh, renew

if TYPE_CHECKING:
    from flask_bastion.account import Accounts

View = TypeVar("View", bound=Callable[..., Any])
CONFIRM_ENDPOINT = "bastion_account.confirm"


class ConfirmForm(FlaskForm):
    """The user's current password."""

    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


def fresh_login_required(view: View) -> View:
    """Guard a view: logged in, and the password confirmed within the fresh-login window."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not is_fresh():
            return redirect(url_for(CONFIRM_ENDPOINT, next=request.path))
        return view(*args, **kwargs)

    return mark_guard(guarded, Guard("fresh login"))  # type: ignore[return-value]


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``/account/confirm``: confirm the password, then go on to ``next``."""

    @bp.route("/confirm", methods=["GET", "POST"])
    @limit_password_form(accounts.state.limiter, "BASTION_LOGIN_LIMIT")
    @login_required
    def confirm() -> Response | tuple[str, int]:
        form = ConfirmForm()
        if form.validate_on_submit():
            try:
                accounts.state.hasher.verify(current_user.password_hash, form.password.data or "")
            except InvalidPassword:
                form.password.errors = ["That is not your password."]
            else:
                renew(current_user)
                record_event(events.FRESH_LOGIN_CONFIRMED, user_id=current_user.id)
                fallback = url_for("bastion_account.overview")
                return redirect(safe_next_url(request.args.get("next"), fallback))
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/account/confirm.html", form=form), status
