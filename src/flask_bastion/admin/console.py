"""``/admin/accounts``: list, search and manage users (lock, roles, sessions, password reset).

The pages are for the ``admin`` role; each action also needs a fresh login (the password
confirmed within ``BASTION_FRESH_LOGIN_WINDOW``). The last active admin can be neither
demoted nor locked, so the site always keeps someone who can run it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField

from flask_bastion.account.confirm import CONFIRM_ENDPOINT
from flask_bastion.audit import events, record_event
from flask_bastion.authz import Guard, mark_guard, roles_required
from flask_bastion.recovery.reset import send_reset_link
from flask_bastion.sessions import is_fresh

if TYPE_CHECKING:
    from flask_bastion.extension import BastionState

View = TypeVar("View", bound=Callable[..., Any])
Page = tuple[str, int]

ADMIN_ROLE = "admin"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
SEARCH_MAX_LENGTH = 254
LAST_ADMIN = (
    "{email} is the last active admin. Grant the admin role to another account first, so "
    "that someone can still run the site."
)


class ActionForm(FlaskForm):
    """An action with nothing to choose: the form carries the CSRF token only."""


class RoleForm(FlaskForm):
    """The role to grant or remove, out of the roles that exist."""

    role = SelectField("Role", choices=[])


def register(bp: Blueprint) -> None:
    """Add the user list, a user's page and the actions to the ``bastion_admin`` blueprint."""

    @bp.get("/accounts")
    @roles_required(ADMIN_ROLE)
    def users() -> str:
        search = request.args.get("q", "").strip()[:SEARCH_MAX_LENGTH]
        per_page = min(
            max(request.args.get("per_page", DEFAULT_PAGE_SIZE, type=int), 1), MAX_PAGE_SIZE
        )
        number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
        found = _state().users.search_users(  # type: ignore[union-attr]
            search, offset=(number - 1) * per_page, limit=per_page + 1
        )
        filters = {"q": search, "per_page": per_page}
        return render_template(
            "bastion/admin/users.html",
            users=found[:per_page],
            number=number,
            has_next=len(found) > per_page,
            filters=filters,
        )

    @bp.get("/accounts/<int:user_id>")
    @roles_required(ADMIN_ROLE)
    def user(user_id: int) -> Page:
        return _user_page(_user_or_404(user_id))

    @bp.post("/accounts/<int:user_id>/lock")
    @roles_required(ADMIN_ROLE)
    @_fresh_action
    def lock(user_id: int) -> Response | Page:
        return _lock(_user_or_404(user_id))

    @bp.post("/accounts/<int:user_id>/unlock")
    @roles_required(ADMIN_ROLE)
    @_fresh_action
    def unlock(user_id: int) -> Response | Page:
        return _unlock(_user_or_404(user_id))

    @bp.post("/accounts/<int:user_id>/roles/grant")
    @roles_required(ADMIN_ROLE)
    @_fresh_action
    def grant_role(user_id: int) -> Response | Page:
        return _grant(_user_or_404(user_id))

    @bp.post("/accounts/<int:user_id>/roles/remove")
    @roles_required(ADMIN_ROLE)
    @_fresh_action
    def remove_role(user_id: int) -> Response | Page:
        return _remove(_user_or_404(user_id))

    @bp.post("/accounts/<int:user_id>/sessions/end")
    @roles_required(ADMIN_ROLE)
    @_fresh_action
    def end_sessions(user_id: int) -> Response | Page:
        return _end_sessions(_user_or_404(user_id))

    @bp.post("/accounts/<int:user_id>/password-reset")
    @roles_required(ADMIN_ROLE)
    @_fresh_action
    def require_reset(user_id: int) -> Response | Page:
        return _require_reset(_user_or_404(user_id))


def _fresh_action(view: View) -> View:
    """Guard an action: without a fresh login, confirm the password, then back to the user's
    page (the action itself is a POST, which a redirect cannot repeat)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not is_fresh():
            back = url_for("bastion_admin.user", user_id=kwargs["user_id"])
            return redirect(url_for(CONFIRM_ENDPOINT, next=back))
        return view(*args, **kwargs)

    return mark_guard(guarded, Guard("fresh login"))  # type: ignore[return-value]


def _lock(user: Any) -> Response | Page:
    if not _valid(ActionForm()):
        return _user_page(user, "The form expired; try again.", 400)
    if _is_last_admin(user):
        return _user_page(user, LAST_ADMIN.format(email=user.email), 409)
    state = _state()
    user.active = False
    _commit()
    ended = state.sessions.end_all(user.id)  # type: ignore[union-attr]
    record_event(
        events.ACCOUNT_DEACTIVATED, user_id=user.id, by=current_user.id, sessions_ended=ended
    )
    return _done(user, f"{user.email} is locked and their {ended} session(s) ended.")


def _unlock(user: Any) -> Response | Page:
    if not _valid(ActionForm()):
        return _user_page(user, "The form expired; try again.", 400)
    user.active = True
    _commit()
    _state().throttle.clear(user.email)
    record_event(events.ACCOUNT_UNLOCKED, user_id=user.id, by=current_user.id, via="admin")
    return _done(user, f"{user.email} is unlocked and may log in again.")


def _grant(user: Any) -> Response | Page:
    form = _role_form()
    if not _valid(form):
        return _user_page(user, "Choose one of the roles listed.", 400)
    role = str(form.role.data)
    if _state().users.grant(user, role):  # type: ignore[union-attr]
        _commit()
        record_event(
            events.ROLE_GRANTED, user_id=user.id, role=role, by=current_user.id, via="admin"
        )
    return _done(user, f"{user.email} has the role {role}.")


def _remove(user: Any) -> Response | Page:
    form = _role_form()
    if not _valid(form):
        return _user_page(user, "Choose one of the roles listed.", 400)
    role = str(form.role.data)
    if role == ADMIN_ROLE and _is_last_admin(user):
        return _user_page(user, LAST_ADMIN.format(email=user.email), 409)
    if _state().users.revoke(user, role):  # type: ignore[union-attr]
        _commit()
        record_event(
            events.ROLE_REVOKED, user_id=user.id, role=role, by=current_user.id, via="admin"
        )
    return _done(user, f"{user.email} no longer has the role {role}.")


def _end_sessions(user: Any) -> Response | Page:
    if not _valid(ActionForm()):
        return _user_page(user, "The form expired; try again.", 400)
    ended = _state().sessions.end_all(user.id)  # type: ignore[union-attr]
    record_event(
        events.SESSIONS_ENDED_BY_ADMIN, user_id=user.id, by=current_user.id, sessions_ended=ended
    )
    return _done(user, f"{ended} session(s) of {user.email} ended.")


def _require_reset(user: Any) -> Response | Page:
    """End the user's sessions, revoke their access tokens and mail them a reset link, when
    mail is on."""
    if not _valid(ActionForm()):
        return _user_page(user, "The form expired; try again.", 400)
    state = _state()
    ended = state.sessions.end_all(user.id)  # type: ignore[union-attr]
    revoked = state.tokens.revoke_all(user.id)  # type: ignore[union-attr]
    mailed = bool(state.recovery and state.recovery.reset_available and user.is_active)
    if mailed:
        send_reset_link(state.users, user.email)  # type: ignore[arg-type]
    record_event(
        events.PASSWORD_RESET_REQUIRED,
        user_id=user.id,
        by=current_user.id,
        sessions_ended=ended,
        tokens_revoked=revoked,
        mailed=mailed,
    )
    if mailed:
        return _done(
            user,
            f"{user.email} was logged out, their access tokens were revoked, and they were "
            "mailed a password-reset link.",
        )
    return _done(
        user,
        f"{user.email} was logged out and their access tokens revoked, but no reset link was "
        "sent: mail or password reset is off (BASTION_MAIL_BACKEND, BASTION_PASSWORD_RESET), "
        "or the account is locked. Tell them another way to reset their password.",
    )


def _is_last_admin(user: Any) -> bool:
    """Whether ``user`` is the only active admin left."""
    if not (user.is_active and user.has_role(ADMIN_ROLE)):
        return False
    return _state().users.count_active_holders(ADMIN_ROLE) <= 1  # type: ignore[union-attr]


def _user_page(user: Any, error: str | None = None, status: int = 200) -> Page:
    state = _state()
    page = render_template(
        "bastion/admin/user.html",
        user=user,
        error=error,
        form=ActionForm(),
        roles=[role.name for role in state.users.list_roles()],  # type: ignore[union-attr]
        sessions=len(state.sessions.live_sessions(user.id)),  # type: ignore[union-attr]
        throttled=state.throttle.is_locked(user.email),
        reset_available=bool(state.recovery and state.recovery.reset_available),
    )
    return page, status


def _done(user: Any, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("bastion_admin.user", user_id=user.id), code=303)


def _role_form() -> RoleForm:
    form = RoleForm()
    form.role.choices = [role.name for role in _state().users.list_roles()]  # type: ignore[union-attr]
    return form


def _valid(form: FlaskForm) -> bool:
    return bool(form.validate_on_submit())


def _user_or_404(user_id: int) -> Any:
    user = _state().users.get(user_id)  # type: ignore[union-attr]
    if user is None:
        abort(404)
    return user


def _commit() -> None:
    _state().users.db.session.commit()  # type: ignore[union-attr]


def _state() -> BastionState:
    state: BastionState = current_app.extensions["bastion"]
    return state
