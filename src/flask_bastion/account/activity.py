"""``/account/activity``: the user's own recent security events, newest first.

A user who sees a login from a device they do not know, or a password change they did not
make, learns that someone else has their account, and can end that session and change the
password. Only their own events are listed, never another user's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from flask_bastion.audit.reading import user_events
from flask_bastion.authz import login_required

if TYPE_CHECKING:
    from flask_bastion.account import Accounts

PAGE_SIZE = 20


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``GET /account/activity`` (``page`` in the query)."""

    @bp.get("/activity")
    @login_required
    def activity() -> str:
        audit = accounts.state.audit
        if audit is None:  # the account pages exist only with a database, and so does this
            abort(404)
        page = user_events(audit, current_user.id, request.args.get("page", 1, type=int), PAGE_SIZE)
        return render_template("bastion/account/activity.html", page=page)
