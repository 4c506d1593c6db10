"""TOTP secrets at rest: a copy of the database gives no codes, and key rotation loses none.

The attacker here reads (or writes) the ``bastion_user`` table directly, as with a leaked
backup, a read-only replica or an SQL injection elsewhere. Rotations are redeployments: a
second app on the same database with other keys, on the same moving clock.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import text

from flask_bastion.two_factor.sealing import PREFIX, Sealer
from flask_bastion.two_factor.totp import grouped
from reference_app.extensions import db
from tests.support.accounts import create_user, login
from tests.support.two_factor import (
    SECOND_STEP,
    Clock,
    code_at,
    enable_two_factor,
    enrol,
    enrolment_page,
    send_code,
)

EMAIL = "owner@example.org"
BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
NEXT_STEP = timedelta(seconds=30)


@pytest.fixture
def clock(app: Flask) -> Clock:
    return Clock().drive(app)


@pytest.fixture
def owner_secret(app: Flask, clock: Clock) -> str:
    """The TOTP secret of a user with two-factor on."""
    secret, _ = enable_two_factor(app, create_user(app, EMAIL))
    return secret


def stored(app: Flask) -> str:
    """What the attacker reads: the raw ``totp_secret`` column of the user."""
    query = text("SELECT totp_secret FROM bastion_user WHERE email = :email")
    with app.app_context():
        return str(db.session.execute(query, {"email": EMAIL}).scalar_one())


def store(app: Flask, value: str) -> None:
    """Write the raw ``totp_secret`` column of the user."""
    query = text("UPDATE bastion_user SET totp_secret = :value WHERE email = :email")
    with app.app_context():
        db.session.execute(query, {"value": value, "email": EMAIL})
        db.session.commit()


def code_step(app: Flask, code: str) -> tuple[Any, Any]:
    """A browser that gave the right password and then ``code``, and the code's answer."""
    client = app.test_client()
    assert login(client, EMAIL).headers["Location"].startswith(SECOND_STEP)
    return client, send_code(client, code)


def logs_in(app: Flask, code: str) -> bool:
    """Whether the right password and then ``code`` log the browser in."""
    client, _ = code_step(app, code)
    return bool(client.get("/notes").status_code == 200)


def redeploy(app_factory: Any, clock: Clock, **keys: Any) -> Flask:
    """The same database served by an app with other keys, on the same clock."""
    app: Flask = app_factory(fresh_schema=False, **keys)
    clock.drive(app)
    return app


def test_database_reader_cannot_compute_codes(app: Flask, clock: Clock) -> None:
    """After enrolment the column holds no trace of the secret and no code made from it
    passes, while the app still accepts the real one."""
    create_user(app, EMAIL)
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    secret, _ = enrol(client, clock)
    raw = stored(app)
    assert raw.startswith(PREFIX)
    assert secret.lower() not in raw.lower()
    clock.advance(NEXT_STEP)
    letters = "".join(c for c in raw.upper() if c in BASE32)
    best_reading = letters[: len(letters) // 8 * 8]  # whole base32 blocks: a valid key
    assert not logs_in(app, pyotp.TOTP(best_reading).at(clock()))
    assert logs_in(app, code_at(secret, clock()))


def test_secret_stored_in_clear_still_works_and_is_sealed_at_use(
    app: Flask, clock: Clock, owner_secret: str
) -> None:
    """A secret written in clear before sealing existed passes, and is sealed once used."""
    store(app, owner_secret)
    assert not logs_in(app, "000000")
    assert stored(app) == owner_secret  # a failed attempt writes nothing
    assert logs_in(app, code_at(owner_secret, clock()))
    raw = stored(app)
    assert raw.startswith(PREFIX) and owner_secret not in raw


def test_candidate_stored_in_clear_is_sealed_at_enrolment(app: Flask, clock: Clock) -> None:
    """The enrolment page offers the same candidate as before, now sealed, and it enrols."""
    candidate = pyotp.random_base32()
    create_user(app, EMAIL)
    store(app, candidate)
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    assert grouped(candidate) in enrolment_page(client)
    raw = stored(app)
    assert raw.startswith(PREFIX) and candidate not in raw
    secret, codes = enrol(client, clock)
    assert secret == candidate and len(codes) == 10


def test_rotated_key_with_the_old_one_as_fallback_keeps_codes_and_reseals(
    app: Flask, app_factory: Any, clock: Clock, owner_secret: str
) -> None:
    """With the old key in SECRET_KEY_FALLBACKS codes pass, and the secret is sealed again
    under the new key, so that the old key can then be dropped."""
    old_key, new_key = app.config["SECRET_KEY"], secrets.token_hex(32)
    before = stored(app)
    rotated = redeploy(app_factory, clock, SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[old_key])
    assert logs_in(rotated, code_at(owner_secret, clock()))
    after = stored(app)
    assert after.startswith(PREFIX) and after != before
    clock.advance(NEXT_STEP)
    dropped = redeploy(app_factory, clock, SECRET_KEY=new_key)
    assert logs_in(dropped, code_at(owner_secret, clock()))


def test_rotated_key_without_fallback_refuses_codes_cleanly(
    app: Flask,
    app_factory: Any,
    clock: Clock,
    owner_secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without the old key a right code answers 400, not 500; the security log says why, and
    the sealed secret is kept, so putting the old key back as a fallback restores it."""
    old_key, new_key = app.config["SECRET_KEY"], secrets.token_hex(32)
    before = stored(app)
    rotated = redeploy(app_factory, clock, SECRET_KEY=new_key)
    with caplog.at_level(logging.WARNING, logger="flask_bastion.security"):
        client, response = code_step(rotated, code_at(owner_secret, clock()))
    assert response.status_code == 400
    assert "That code is not valid" in response.get_data(as_text=True)
    assert client.get("/notes").status_code == 302
    assert "SECRET_KEY_FALLBACKS" in caplog.text and owner_secret not in caplog.text
    assert stored(app) == before
    restored = redeploy(app_factory, clock, SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[old_key])
    assert logs_in(restored, code_at(owner_secret, clock()))


@pytest.mark.parametrize(
    "value",
    ["sealed-under-a-lost-key", PREFIX + "altered", "not a base32 secret"],
    ids=str,
)
def test_unreadable_candidate_is_replaced_at_enrolment(
    app: Flask, clock: Clock, value: str
) -> None:
    """A candidate no key opens does not break the enrolment page: a new one is offered."""
    create_user(app, EMAIL)
    if value == "sealed-under-a-lost-key":
        value = Sealer([secrets.token_hex(32)]).seal(pyotp.random_base32())
    store(app, value)
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    _, codes = enrol(client, clock)
    assert len(codes) == 10
    raw = stored(app)
    assert raw != value and raw.startswith(PREFIX)


def reseal(app: Flask) -> Any:
    """``flask bastion users reseal-two-factor`` on ``app``."""
    return app.test_cli_runner().invoke(args=["bastion", "users", "reseal-two-factor"])


def test_reseal_command_lets_the_old_key_go_at_once(
    app: Flask, app_factory: Any, clock: Clock, owner_secret: str
) -> None:
    """After a rotation, the command seals every key under the new SECRET_KEY, so a deploy
    without the old key accepts codes before the user has logged in again."""
    old_key, new_key = app.config["SECRET_KEY"], secrets.token_hex(32)
    rotated = redeploy(app_factory, clock, SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[old_key])
    result = reseal(rotated)
    assert result.exit_code == 0, result.output
    assert "Sealed 1 TOTP key(s)" in result.output
    assert "Sealed 0 TOTP key(s)" in reseal(rotated).output  # nothing left to do
    dropped = redeploy(app_factory, clock, SECRET_KEY=new_key)
    assert logs_in(dropped, code_at(owner_secret, clock()))


def test_reseal_command_seals_keys_stored_in_clear(
    app: Flask, clock: Clock, owner_secret: str
) -> None:
    """A key stored in clear by an earlier version is sealed now, not at its next use."""
    store(app, owner_secret)
    assert reseal(app).exit_code == 0
    raw = stored(app)
    assert raw.startswith(PREFIX) and owner_secret not in raw
    assert logs_in(app, code_at(owner_secret, clock()))


def test_reseal_command_names_keys_it_cannot_open(
    app: Flask, app_factory: Any, clock: Clock, owner_secret: str
) -> None:
    """Without the old key the command fails, names the user, and changes nothing."""
    before = stored(app)
    rotated = redeploy(app_factory, clock, SECRET_KEY=secrets.token_hex(32))
    result = reseal(rotated)
    assert result.exit_code == 1
    assert EMAIL in result.output and "SECRET_KEY_FALLBACKS" in result.output
    assert stored(app) == before


@pytest.mark.parametrize("keep_old_key", [True, False], ids=["fallback", "no-fallback"])
def test_recovery_codes_after_a_key_rotation(
    app: Flask, app_factory: Any, clock: Clock, keep_old_key: bool
) -> None:
    """Recovery codes keep working while the old key stays in SECRET_KEY_FALLBACKS, and stop
    when it goes (a keyed hash cannot be moved to the new key)."""
    _, codes = enable_two_factor(app, create_user(app, EMAIL))
    old_key = app.config["SECRET_KEY"]
    fallbacks = [old_key] if keep_old_key else []
    rotated = redeploy(
        app_factory, clock, SECRET_KEY=secrets.token_hex(32), SECRET_KEY_FALLBACKS=fallbacks
    )
    assert logs_in(rotated, codes[0]) is keep_old_key
