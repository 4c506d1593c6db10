"""``flask bastion ...``: create users and manage their roles from the command line.

Passwords are read without echo (or, for scripts, from standard input) and never from the
command line, where they would end up in the shell history and the process list.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import email_validator
from flask import Flask, current_app
from flask.cli import AppGroup

from flask_bastion.audit import events, record_event
from flask_bastion.auth.store import UserStore
from flask_bastion.authz import PERMISSION_NAME, PERMISSION_NAME_MAX_LENGTH
from flask_bastion.check.command import check_command
from flask_bastion.routes import declared_permissions, routes_command

bastion_cli = AppGroup("bastion", help="Flask-Bastion: users, roles and security checks.")
users_cli = AppGroup("users", help="User accounts: create, list, unlock, reset two-factor.")
roles_cli = AppGroup("roles", help="Grant and remove roles, and the permissions they grant.")
bastion_cli.add_command(users_cli)
bastion_cli.add_command(roles_cli)
bastion_cli.add_command(check_command)
bastion_cli.add_command(routes_command)


def init_cli(app: Flask) -> None:
    """Add the ``bastion`` command group to ``flask``."""
    app.cli.add_command(bastion_cli)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, help="A role to grant; repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a user with EMAIL, asking for the password without echo."""
    from flask_bastion.auth.store import normalize_email

    state, users = _state_and_users()
    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise click.ClickException(f"{email} is not a valid email address: {error}") from None
    if users.find_by_email(email) is not None:
        raise click.ClickException(f"A user with the email {normalize_email(email)} exists.")
    password = _read_password(password_stdin)
    problems = state.password_policy.problems_for_account(password, email)
    if problems:
        raise click.ClickException("Password rejected: " + " ".join(problems))
    user = users.create_user(email, state.hasher.hash(password), roles)
    users.db.session.commit()
    for role in sorted(set(roles)):
        record_event(events.ROLE_GRANTED, user_id=user.id, role=role, via="cli")
    granted = f" with roles {', '.join(sorted(roles))}" if roles else ""
    click.echo(f"Created user {user.email} (id {user.id}){granted}.")


@users_cli.command("list")
def list_users() -> None:
    """List every user with their roles."""
    _, users = _state_and_users()
    for user in users.list_users():
        roles = ", ".join(sorted(user.role_names)) or "-"
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id}\t{user.email}\t{state}\t{roles}")


@users_cli.command("unlock")
@click.argument("email")
def unlock_user(email: str) -> None:
    """Lift the login lock and delays on EMAIL (also works for an address with no account)."""
    state, users = _state_and_users()
    state.throttle.clear(email)
    user = users.find_by_email(email)
    record_event(events.ACCOUNT_UNLOCKED, user_id=None if user is None else user.id, via="cli")
    click.echo(f"Login attempts on {email} are no longer delayed or locked.")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Turn two-factor off for EMAIL (a lost phone, or a TOTP key that no SECRET_KEY opens):
    the key and the recovery codes are deleted, and the user can enrol again after login."""
    from flask_bastion.two_factor.factor import TwoFactor

    _, users = _state_and_users()
    user = _existing_user(users, email)
    two_factor = TwoFactor.of(current_app)
    if not two_factor.is_enabled(user) and user.totp_secret is None:
        click.echo(f"Two-factor is off for {user.email}; nothing to reset.")
        return
    two_factor.disable(user)
    record_event(events.TWO_FACTOR_DISABLED, user_id=user.id, via="cli")
    click.echo(f"Two-factor is off for {user.email}; their recovery codes are deleted.")


@users_cli.command("reseal-two-factor")
def reseal_two_factor() -> None:
    """Seal every TOTP key under the current SECRET_KEY: those stored in clear by an earlier
    version, and those sealed under a key now in SECRET_KEY_FALLBACKS (which can then go)."""
    from flask_bastion.two_factor.factor import TwoFactor

    _state_and_users()
    sealed, unreadable = TwoFactor.of(current_app).reseal_all()
    click.echo(f"Sealed {sealed} TOTP key(s) under the current SECRET_KEY.")
    if unreadable:
        emails = ", ".join(sorted(user.email for user in unreadable))
        raise click.ClickException(
            f"No key opens the TOTP key of {emails}: put the key they were sealed with in "
            "SECRET_KEY_FALLBACKS and run this again, or reset their two-factor."
        )


@roles_cli.command("grant")
@click.argument("email")
@click.argument("role")
def grant_role(email: str, role: str) -> None:
    """Give ROLE to the user with EMAIL."""
    _, users = _state_and_users()
    user = _existing_user(users, email)
    changed = users.grant(user, role)
    users.db.session.commit()
    if changed:
        record_event(events.ROLE_GRANTED, user_id=user.id, role=role, via="cli")
    click.echo(f"Granted {role} to {user.email}." if changed else f"{user.email} had {role}.")


@roles_cli.command("revoke")
@click.argument("email")
@click.argument("role")
def revoke_role(email: str, role: str) -> None:
    """Remove ROLE from the user with EMAIL."""
    _, users = _state_and_users()
    user = _existing_user(users, email)
    changed = users.revoke(user, role)
    users.db.session.commit()
    if changed:
        record_event(events.ROLE_REVOKED, user_id=user.id, role=role, via="cli")
    click.echo(f"Removed {role} from {user.email}." if changed else f"{user.email} lacked {role}.")


@roles_cli.command("allow")
@click.argument("role")
@click.argument("permission")
@click.option("--new", is_flag=True, help="Accept a permission that no view requires yet.")
def allow_permission(role: str, permission: str, new: bool) -> None:
    """Let ROLE grant PERMISSION to its holders (from their next request)."""
    _, users = _state_and_users()
    _check_permission_name(users, permission, new)
    changed = users.allow(users.find_or_create_role(role), permission)
    users.db.session.commit()
    if changed:
        record_event(events.PERMISSION_ALLOWED, role=role, permission=permission, via="cli")
    click.echo(
        f"{role} grants {permission}." if changed else f"{role} already granted {permission}."
    )


@roles_cli.command("deny")
@click.argument("role")
@click.argument("permission")
def deny_permission(role: str, permission: str) -> None:
    """Stop ROLE granting PERMISSION (its holders lose it at their next request)."""
    _, users = _state_and_users()
    found = users.find_role(role)
    if found is None:
        raise click.ClickException(f"No role is called {role}.")
    changed = users.deny(found, permission)
    users.db.session.commit()
    if changed:
        record_event(events.PERMISSION_DENIED, role=role, permission=permission, via="cli")
    click.echo(
        f"{role} no longer grants {permission}."
        if changed
        else f"{role} did not grant {permission}."
    )


@roles_cli.command("list")
def list_roles() -> None:
    """List every role with the permissions it grants."""
    _, users = _state_and_users()
    for role in users.list_roles():
        granted = ", ".join(sorted(p.name for p in role.permissions)) or "-"
        click.echo(f"{role.name}\t{granted}")


def _check_permission_name(users: UserStore, name: str, new: bool) -> None:
    """Refuse a malformed name, and (without ``--new``) one that neither a view nor the
    database knows: most likely a typo, which would grant nothing."""
    if len(name) > PERMISSION_NAME_MAX_LENGTH or not PERMISSION_NAME.fullmatch(name):
        raise click.ClickException(
            f"{name!r} is not a permission name: use lower-case words joined by colons, "
            "such as notes:read."
        )
    known = declared_permissions(current_app) | set(users.permission_names())
    if not new and name not in known:
        listed = ", ".join(sorted(known)) or "none yet"
        raise click.ClickException(
            f"No view requires the permission {name} and none is stored (known: {listed}). "
            "Check the spelling, or pass --new to add it anyway."
        )


def _state_and_users() -> tuple[Any, UserStore]:
    from flask_bastion.extension import state_for

    state = state_for(current_app)
    if state.users is None:
        raise click.ClickException("This app's Bastion has no database; pass db= to Bastion().")
    return state, state.users


def _existing_user(users: UserStore, email: str) -> Any:
    user = users.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    return user


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt="Repeat the password"
    )
    return password
