"""The "your sessions" page: every live login of the user, and buttons to end them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_bastion.audit import events, record_event
from flask_bastion.authz import login_required

if TYPE_CHECKING:
    from flask_bastion.account import Accounts

SESSIONS_ENDPOINT = "bastion_account.sessions"


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add the sessions page and its two actions."""
    manager = accounts.sessions

    @bp.get("/sessions")
    @login_required
    def sessions() -> str:
        records = manager.live_sessions(current_user.id)
        current = next(
            (r.public_id for r in records if manager.is_current(r, current_user.session_token)),
            None,
        )
        return render_template("bastion/account/sessions.html", records=records, current=current)

    @bp.post("/sessions/<public_id>/end")
    @login_required
    def end_session(public_id: str) -> Response:
        if not manager.end_by_public_id(current_user.id, public_id):
            abort(404)
        record_event(events.SESSION_ENDED, user_id=current_user.id, session=public_id)
        flash("That session has ended.", "success")
        return redirect(url_for(SESSIONS_ENDPOINT))

    @bp.post("/sessions/end-others")
    @login_required
    def end_other_sessions() -> Response:
        ended = manager.end_all(current_user.id, except_token=current_user.session_token)
        record_event(events.SESSIONS_ENDED_OTHERS, user_id=current_user.id, count=ended)
        flash(f"{ended} other session(s) ended.", "success")
        return redirect(url_for(SESSIONS_ENDPOINT))
