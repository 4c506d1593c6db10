"""Changing the email address: after a fresh login, and only once the new address confirms.

The new address gets a link; the old one gets a notice at once, so an owner whose session was
stolen learns of the attempt while they can still act. Nothing changes until the link is
followed (:mod:`flask_bastion.recovery.confirmation`). A new address that already has an
account is answered the same way (its owner gets a note instead of a link), so the form does
not reveal which addresses have accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from flask_bastion.account.confirm import fresh_login_required
from flask_bastion.auth.forms import email_field
from flask_bastion.auth.store import normalize_email
from flask_bastion.limits import limit_password_form
from flask_bastion.recovery import mails
from flask_bastion.recovery.confirmation import reset_link, send_confirmation

if TYPE_CHECKING:
    from flask_bastion.account import Accounts
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState


class ChangeEmailForm(FlaskForm):
    """The new address."""

    email = email_field("New email address")


def request_email_change(state: BastionState, users: UserStore, user: Any, new_email: str) -> None:
    """Mail the link (or, for a taken address, a note) to the new address; tell the old one."""
    owner = users.find_by_email(new_email)
    if owner is None:
        send_confirmation(user, new_email)
    else:
        mails.send("change_taken", new_email)
    mails.send("change_notice", user.email, new=new_email, reset=reset_link(state))


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``/account/email``."""
    state = accounts.state

    @bp.route("/email", methods=["GET", "POST"])
    @limit_password_form(state.limiter, "BASTION_RESET_LIMIT")
    @fresh_login_required
    def change_email() -> Response | tuple[str, int]:
        if state.recovery is None or not state.recovery.mail:
            page = render_template("bastion/recovery/unavailable.html", feature="Email change")
            return page, 200
        form = ChangeEmailForm()
        if form.validate_on_submit():
            new_email = normalize_email(form.email.data or "")
            if new_email != current_user.email:
                request_email_change(state, accounts.users, current_user, new_email)
                flash(
                    f"We sent a link to {new_email}. Your address changes when you follow it; "
                    f"until then it stays {current_user.email}.",
                    "success",
                )
                return redirect(url_for("bastion_account.overview"))
            form.email.errors = ["That is already your address."]
        status = 400 if request.method == "POST" else 200
        return render_template("bastion/account/email.html", form=form), status
