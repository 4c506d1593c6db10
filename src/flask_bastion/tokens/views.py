"""``/account/tokens``: the user's personal access tokens; create one (the secret shown once),
revoke one.

Creating a token hands out a credential that works without the password, so it needs a fresh
login, like the other changes to how one signs in. The secret appears in the one response that
creates it, never in a flash message or the session cookie (both would keep it), and that
response is never cached. Revoking needs only the login: it takes access away.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_bastion.account.confirm import fresh_login_required
from flask_bastion.audit import events, record_event
from flask_bastion.authz import login_required
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.sessions import duration
from flask_bastion.tokens.forms import NewTokenForm
from flask_bastion.tokens.scopes import PRESETS
from flask_bastion.tokens.store import IssuedToken, TokenRequestError, TokenStore

if TYPE_CHECKING:
    from flask_bastion.account import Accounts

TOKENS_ENDPOINT = "bastion_account.tokens"
TEMPLATE = "bastion/account/tokens.html"


def register(bp: Blueprint, accounts: Accounts) -> None:
    """Add ``GET``/``POST /account/tokens`` and ``POST /account/tokens/<id>/revoke``."""
    store = accounts.state.tokens
    if store is None:
        raise ConfigurationError("Set up the token store (state.tokens) before the account pages.")

    @bp.get("/tokens")
    @login_required
    def tokens() -> str:
        return _page(store, NewTokenForm(store))

    @bp.post("/tokens")
    @fresh_login_required
    def create_token() -> Response:
        form = NewTokenForm(store)
        if form.validate_on_submit():
            try:
                issued = _issue(store, form)
            except TokenRequestError as error:
                form.form_errors.append(str(error))
            else:
                return _created(store, issued)
        return make_response(_page(store, form), 400)

    @bp.post("/tokens/<int:token_id>/revoke")
    @login_required
    def revoke_token(token_id: int) -> Response:
        if not store.revoke(token_id, current_user.id):
            abort(404)  # another user's token, like a missing one
        record_event(events.TOKEN_REVOKED, user_id=current_user.id, token_id=token_id)
        flash("The token is revoked: requests that send it are refused from now on.", "success")
        return redirect(url_for(TOKENS_ENDPOINT), code=303)


def _issue(store: TokenStore, form: NewTokenForm) -> IssuedToken:
    days = int(form.expires_in_days.data or 0)
    scopes = PRESETS[str(form.scope.data)].scopes
    issued = store.issue(current_user.id, form.name.data or "", scopes, timedelta(days=days))
    record_event(
        events.TOKEN_CREATED,
        user_id=current_user.id,
        token_id=issued.record.id,
        name=issued.record.name,
        scopes=" ".join(issued.record.scopes),
        days=days,
    )
    return issued


def _created(store: TokenStore, issued: IssuedToken) -> Response:
    """The page with the new secret: status 201, and ``no-store`` even when the app turned off
    ``BASTION_NO_STORE_WHEN_LOGGED_IN``, so no cache or Back button shows the secret again."""
    response = make_response(_page(store, NewTokenForm(store, formdata=None), issued), 201)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(store: TokenStore, form: NewTokenForm, issued: IssuedToken | None = None) -> str:
    return render_template(
        TEMPLATE,
        tokens=store.list_for(current_user.id),
        now=store.clock(),
        form=form,
        issued=issued,
        scopes=store.scopes,
        presets=PRESETS,
        fresh_minutes=duration(current_app, "BASTION_FRESH_LOGIN_WINDOW") // timedelta(minutes=1),
    )
