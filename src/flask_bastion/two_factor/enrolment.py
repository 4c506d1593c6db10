"""The two-factor pages of the account: turn it on, make new recovery codes, turn it off.

Each asks for a fresh login, since whoever controls the second factor controls the account,
and each moves the session to a new token (a change of privilege). A role listed in
``BASTION_TWO_FACTOR_REQUIRED_ROLES`` keeps its holders on the enrolment page until they enrol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_bastion.account.confirm import CONFIRM_ENDPOINT, fresh_login_required
from flask_bastion.audit import events, record_event
from flask_bastion.config import setting
from flask_bastion.errors import wants_json
from flask_bastion.sessions import renew
from flask_bastion.two_factor import totp
from flask_bastion.two_factor.factor import InvalidCode, TwoFactor
from flask_bastion.two_factor.forms import CodeForm

if TYPE_CHECKING:
    from flask_bastion.account import Accounts

ENDPOINT = "bastion_account.two_factor"
#: Where a user who must enrol may still go: enrolment itself, the password confirmation it
#: asks for, and the way out.
OPEN_WHILE_REQUIRED = frozenset({ENDPOINT, CONFIRM_ENDPOINT, "bastion_auth.logout", "static"})


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``/two-factor``, ``/two-factor/disable`` and ``/two-factor/recovery-codes``."""
    bp.before_app_request(require_for_roles)

    @bp.route("/two-factor", methods=["GET", "POST"])
    @fresh_login_required
    def two_factor() -> Response | tuple[str, int] | str:
        factor = TwoFactor.of(current_app)
        if factor.is_enabled(current_user):
            left = factor.recovery_codes_left(current_user)
            return render_template("bastion/two_factor/manage.html", codes_left=left)
        secret = factor.candidate_secret(current_user)
        form = CodeForm()
        if form.validate_on_submit():
            try:
                codes = factor.enable(current_user, form.code.data or "")
            except InvalidCode:
                form.code.errors = ["That code is not valid; enter the code your app shows now."]
            else:
                renew(current_user)
                record_event(events.TWO_FACTOR_ENABLED, user_id=current_user.id)
                return _show_codes(codes, enabled=True)
        status = 400 if request.method == "POST" else 200
        return _enrolment_page(form, secret), status

    @bp.route("/two-factor/recovery-codes", methods=["GET", "POST"])
    @fresh_login_required
    def two_factor_recovery_codes() -> Response | str:
        factor = TwoFactor.of(current_app)
        if request.method == "GET" or not factor.is_enabled(current_user):
            return redirect(url_for(ENDPOINT))
        codes = factor.new_recovery_codes(current_user)
        renew(current_user)
        return _show_codes(codes, enabled=False)

    @bp.route("/two-factor/disable", methods=["GET", "POST"])
    @fresh_login_required
    def two_factor_disable() -> Response:
        factor = TwoFactor.of(current_app)
        if request.method == "POST" and factor.is_enabled(current_user):
            factor.disable(current_user)
            renew(current_user)
            record_event(events.TWO_FACTOR_DISABLED, user_id=current_user.id)
            flash("Two-factor authentication is off; your recovery codes were deleted.", "info")
        return redirect(url_for(ENDPOINT))


def require_for_roles() -> Response | None:
    """Send a logged-in holder of a role in ``BASTION_TWO_FACTOR_REQUIRED_ROLES`` without
    two-factor to the enrolment page, from every page but the few it needs."""
    required = setting(current_app, "BASTION_TWO_FACTOR_REQUIRED_ROLES")
    if not required or request.endpoint in OPEN_WHILE_REQUIRED:
        return None
    if not current_user.is_authenticated or TwoFactor.is_enabled(current_user):
        return None
    if not any(current_user.has_role(role) for role in required):
        return None
    if wants_json():
        abort(403, "Turn on two-factor authentication first; your role requires it.")
    flash("Your role requires two-factor authentication: turn it on to continue.", "info")
    return redirect(url_for(ENDPOINT))


def _enrolment_page(form: CodeForm, secret: str) -> str:
    issuer = request.host.split(":")[0]
    uri = totp.provisioning_uri(secret, current_user.email, issuer)
    return render_template(
        "bastion/two_factor/enrol.html",
        form=form,
        qr_data_url=totp.qr_data_url(uri),
        secret=totp.grouped(secret),
    )


def _show_codes(codes: list[str], *, enabled: bool) -> str:
    """The recovery codes, shown this once (the page is never cached: the user is logged in)."""
    return render_template("bastion/two_factor/recovery_codes.html", codes=codes, enabled=enabled)
