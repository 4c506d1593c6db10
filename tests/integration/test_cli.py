"""``flask bastion users|roles``: accounts and roles from the command line, on a real database."""

from __future__ import annotations

from typing import Any

import argon2
import pytest
from flask import Flask

from flask_bastion import state_for
from flask_bastion.two_factor.factor import TwoFactor
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.audit import stored_events
from tests.support.two_factor import SECOND_STEP, enable_two_factor

EMAIL = "ada@example.org"


def _invoke(app: Flask, *args: str, stdin: str | None = None) -> Any:
    """Run ``flask bastion <args>`` against ``app``, with ``stdin`` as standard input."""
    return app.test_cli_runner().invoke(args=["bastion", *args], input=stdin)


def _stored(app: Flask, email: str = EMAIL) -> tuple[str, frozenset[str]] | None:
    """The stored hash and role names of the user with ``email``, or ``None``."""
    with app.app_context():
        user = state_for(app).users.find_by_email(email)  # type: ignore[union-attr]
        return None if user is None else (user.password_hash, user.role_names)


def _user_count(app: Flask) -> int:
    with app.app_context():
        return len(state_for(app).users.list_users())  # type: ignore[union-attr]


def test_create_admin_with_password_from_stdin(app: Flask) -> None:
    """``users create --password-stdin --role admin`` stores an Argon2id user with the role."""
    result = _invoke(
        app, "users", "create", EMAIL, "--password-stdin", "--role", "admin", stdin=GOOD_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "Created user ada@example.org" in result.output
    assert GOOD_PASSWORD not in result.output
    stored = _stored(app)
    assert stored is not None
    password_hash, roles = stored
    assert roles == {"admin"}
    assert password_hash.startswith("$argon2id$")
    argon2.PasswordHasher().verify(password_hash, GOOD_PASSWORD)
    assert login(app.test_client(), EMAIL).status_code == 302


def test_create_with_several_roles(app: Flask) -> None:
    """Repeating ``--role`` grants each role."""
    args = ("users", "create", EMAIL, "--password-stdin", "--role", "admin", "--role", "editor")
    assert _invoke(app, *args, stdin=GOOD_PASSWORD + "\n").exit_code == 0
    assert _stored(app)[1] == {"admin", "editor"}  # type: ignore[index]


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("password1234", id="common"),
        pytest.param("short", id="too-short"),
        pytest.param("ada@example.org", id="email"),
        pytest.param("", id="empty"),
    ],
)
def test_create_with_weak_password_is_refused(app: Flask, password: str) -> None:
    """A password the policy rejects exits non-zero with the reason and creates no user."""
    result = _invoke(app, "users", "create", EMAIL, "--password-stdin", stdin=password + "\n")
    assert result.exit_code != 0
    assert "Password rejected" in result.output
    assert _user_count(app) == 0


@pytest.mark.parametrize("variant", [EMAIL, "ADA@Example.org"])
def test_create_with_existing_email_is_refused(app: Flask, variant: str) -> None:
    """Creating a user whose email exists, in any case, exits non-zero and adds no row."""
    create_user(app, EMAIL)
    result = _invoke(app, "users", "create", variant, "--password-stdin", stdin=GOOD_PASSWORD)
    assert result.exit_code != 0
    assert "exists" in result.output
    assert _user_count(app) == 1


@pytest.mark.parametrize("email", ["not-an-email", "a@b@c", "<script>@x.org"])
def test_create_with_invalid_email_is_refused(app: Flask, email: str) -> None:
    """An address the registration form would refuse is refused on the command line too."""
    result = _invoke(app, "users", "create", email, "--password-stdin", stdin=GOOD_PASSWORD)
    assert result.exit_code != 0
    assert "not a valid email address" in result.output
    assert _user_count(app) == 0


def test_prompted_password_is_not_echoed(app: Flask) -> None:
    """The interactive path asks twice and never shows the password in the output."""
    result = _invoke(app, "users", "create", EMAIL, stdin=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "Repeat the password" in result.output
    assert GOOD_PASSWORD not in result.output
    assert login(app.test_client(), EMAIL).status_code == 302


def test_prompted_passwords_that_differ_are_asked_again(app: Flask) -> None:
    """A confirmation that differs is not accepted; the password stored is the agreed one."""
    typed = f"{GOOD_PASSWORD}\ntypo-{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n"
    result = _invoke(app, "users", "create", EMAIL, stdin=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert GOOD_PASSWORD not in result.output
    assert login(app.test_client(), EMAIL).status_code == 302


def test_grant_and_revoke_a_role(app: Flask) -> None:
    """``roles grant`` adds the role to the stored user and ``roles revoke`` removes it."""
    create_user(app, EMAIL, roles=("editor",))
    granted = _invoke(app, "roles", "grant", EMAIL, "admin")
    assert granted.exit_code == 0, granted.output
    assert "Granted admin to ada@example.org." in granted.output
    assert _stored(app)[1] == {"editor", "admin"}  # type: ignore[index]
    revoked = _invoke(app, "roles", "revoke", "ADA@example.org", "admin")
    assert revoked.exit_code == 0, revoked.output
    assert "Removed admin from ada@example.org." in revoked.output
    assert _stored(app)[1] == {"editor"}  # type: ignore[index]


def test_grant_and_revoke_are_idempotent(app: Flask) -> None:
    """Granting a held role or revoking a missing one changes nothing and says so."""
    create_user(app, EMAIL, roles=("admin",))
    assert "had admin" in _invoke(app, "roles", "grant", EMAIL, "admin").output
    assert "lacked editor" in _invoke(app, "roles", "revoke", EMAIL, "editor").output
    assert _stored(app)[1] == {"admin"}  # type: ignore[index]


@pytest.mark.parametrize("command", ["grant", "revoke"])
def test_role_change_for_unknown_user_fails(app: Flask, command: str) -> None:
    """A role change for an email with no account exits non-zero and creates nobody."""
    result = _invoke(app, "roles", command, "nobody@example.org", "admin")
    assert result.exit_code != 0
    assert "No user has the email nobody@example.org" in result.output
    assert _user_count(app) == 0


def test_users_list_shows_each_user_with_roles(app: Flask) -> None:
    """``users list`` prints one line per user with its status and roles, and no hashes."""
    first = create_user(app, EMAIL, roles=("admin", "editor"))
    second = create_user(app, "grace@example.org")
    result = _invoke(app, "users", "list")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{first}\tada@example.org\tactive\tadmin, editor",
        f"{second}\tgrace@example.org\tactive\t-",
    ]
    assert "argon2" not in result.output


def test_reset_two_factor_lets_the_user_in_with_the_password_alone(app: Flask) -> None:
    """``users reset-two-factor``: the second login step and the recovery codes are gone
    (a lost phone), and the reset is audited."""
    user_id = int(create_user(app, EMAIL))
    enable_two_factor(app, user_id)
    assert login(app.test_client(), EMAIL).headers["Location"].startswith(SECOND_STEP)

    result = _invoke(app, "users", "reset-two-factor", EMAIL)
    assert result.exit_code == 0, result.output
    assert "Two-factor is off for ada@example.org" in result.output
    assert not login(app.test_client(), EMAIL).headers["Location"].startswith(SECOND_STEP)
    with app.app_context():
        user = state_for(app).users.get(user_id)  # type: ignore[union-attr]
        assert user.totp_secret is None
        assert TwoFactor.of(app).recovery_codes_left(user) == 0
    events = stored_events(app, "two_factor.disabled")
    assert [(e["user_id"], e["details"].get("via")) for e in events] == [(user_id, "cli")]


def test_reset_two_factor_of_a_user_without_it_changes_nothing(app: Flask) -> None:
    """Nothing to reset is said as such; an unknown email is an error."""
    create_user(app, EMAIL)
    result = _invoke(app, "users", "reset-two-factor", EMAIL)
    assert result.exit_code == 0 and "nothing to reset" in result.output
    missing = _invoke(app, "users", "reset-two-factor", "nobody@example.org")
    assert missing.exit_code != 0 and "No user has the email" in missing.output
