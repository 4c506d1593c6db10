"""Email confirmation: at registration, and when the link of an email change is followed.

With confirmation on, registration answers "check your email" whatever the address: a new one
gets an account waiting for its link, a taken one gets nothing but a mail to its owner saying
someone tried (with the way to log in or reset). The form therefore reveals no account, and
both paths hash the password, so they take the same time.

An unconfirmed account cannot log in. The right password is told to confirm first (and a new
link is mailed); a wrong one gets the usual "Invalid email or password.", so the login form
still reveals nothing to whoever does not hold the password.

``/confirm-email/<token>`` shows a button; the address changes or is confirmed only on the
POST, so a mail scanner that fetches every link confirms nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from flask_bastion.audit import events, record_event
from flask_bastion.auth.store import normalize_email
from flask_bastion.authz import public
from flask_bastion.limits import limit_password_form
from flask_bastion.models import utcnow
from flask_bastion.recovery import mails, tokens
from flask_bastion.recovery.links import external_link
from flask_bastion.recovery.reset import invalid_link_page

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState
    from flask_bastion.recovery.tokens import ConfirmClaim

#: What the login form says to the right password of an unconfirmed account.
CONFIRM_FIRST = (
    "Confirm your email address first: we have sent you a new link. No mail? Check the spam "
    "folder, or reset your password, which confirms the address too."
)
CONFIRM_ENDPOINT = "bastion_auth.confirm_email"

Page = tuple[str, int]


class ConfirmForm(FlaskForm):
    """No fields: the button, with its CSRF token."""


def confirmation_required(state: BastionState) -> bool:
    """Whether new accounts confirm their address before they can log in."""
    return state.recovery is not None and state.recovery.confirm_email


def register_pending(state: BastionState, users: UserStore, email: str, password: str) -> Page:
    """Registration with confirmation: the same page and work for a new or a taken address."""
    email = normalize_email(email)
    password_hash = state.hasher.hash(password)
    page = render_template("bastion/recovery/check_email.html", email=email), 200
    owner = users.find_by_email(email)
    if owner is None:
        created = _create_unconfirmed(users, email, password_hash)
        if created is not None:
            send_confirmation(created, email)
            return page
        owner = users.find_by_email(email)  # registered by a racing request
    if owner is not None:
        login = external_link("bastion_auth.login")
        mails.send("already_registered", owner.email, login=login, reset=reset_link(state))
    return page


def awaiting_confirmation(state: BastionState, user: Any) -> bool:
    """For the login view, after the password matched: True (a new link mailed) if the
    account must confirm its address first."""
    if not confirmation_required(state) or user.confirmed_at is not None:
        return False
    send_confirmation(user, user.email)
    return True


def send_confirmation(user: Any, email: str) -> None:
    """Mail ``email`` the link that confirms it for ``user``."""
    link = external_link(CONFIRM_ENDPOINT, token=tokens.confirm_token(user, email))
    if email == user.email:
        mails.send("confirm", email, link=link)
    else:
        mails.send("change_confirm", email, link=link, old=user.email)


def register(bp: Blueprint, state: BastionState, users: UserStore) -> None:
    """Add ``/confirm-email/<token>`` to the auth blueprint."""

    @bp.route("/confirm-email/<token>", methods=["GET", "POST"])
    @public
    @limit_password_form(state.limiter, "BASTION_RESET_LIMIT")
    def confirm_email(token: str) -> Response | Page:
        claim = tokens.read_confirm_token(token)
        user = users.get(claim.user_id) if claim is not None else None
        if claim is None or user is None or user.email != claim.bound_email:
            return invalid_link_page()
        form = ConfirmForm()
        if not form.validate_on_submit():
            page = render_template("bastion/recovery/confirm_email.html", form=form, claim=claim)
            return page, 200
        if not apply_claim(users, user, claim):
            flash("That address now belongs to another account; nothing was changed.", "error")
            return redirect(url_for("bastion_auth.login"))
        flash(f"Your email address {claim.email} is confirmed.", "success")
        after = (
            "bastion_account.overview" if current_user.is_authenticated else "bastion_auth.login"
        )
        return redirect(url_for(after))


def apply_claim(users: UserStore, user: Any, claim: ConfirmClaim) -> bool:
    """Confirm the address, or move the account to it; False if another account took it."""
    if claim.email == user.email:
        if user.confirmed_at is None:
            user.confirmed_at = utcnow()
            users.db.session.commit()
            record_event(events.EMAIL_CONFIRMED, user_id=user.id)
        return True
    if users.find_by_email(claim.email) is not None:
        return False
    old_email = user.email
    user.email, user.confirmed_at = claim.email, utcnow()
    try:
        users.db.session.commit()
    except IntegrityError:
        users.db.session.rollback()
        return False
    record_event(events.EMAIL_CHANGED, user_id=user.id, old_email=old_email, new_email=claim.email)
    return True


def _create_unconfirmed(users: UserStore, email: str, password_hash: str) -> Any | None:
    """A new unconfirmed account, or None if the address was taken meanwhile (a race)."""
    user = users.create_user(email, password_hash, confirmed=False)
    try:
        users.db.session.commit()
    except IntegrityError:
        users.db.session.rollback()
        return None
    return user


def reset_link(state: BastionState) -> str | None:
    """The link to ``/reset`` for a mail, or None where reset is not available."""
    if state.recovery is None or not state.recovery.reset_available:
        return None
    return external_link("bastion_auth.reset_request")
