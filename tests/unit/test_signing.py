"""Reused signers sign exactly as Flask and Flask-WTF do, and never compress."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask, Response, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from flask_bastion.csrf import TOKEN_SALT
from flask_bastion.signing import CookieSessionInterface, init_signing, serializer_for


def _app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update({"SECRET_KEY": secrets.token_hex(32), **config})
    return app


def test_csrf_tokens_are_flask_wtfs_byte_for_byte() -> None:
    """A token signed here equals Flask-WTF's for the same value, and each reads the other's."""
    key = secrets.token_hex(32)
    theirs = URLSafeTimedSerializer(key, salt=TOKEN_SALT)
    ours = serializer_for((key,), TOKEN_SALT)
    raw = secrets.token_hex(20)
    assert ours.dumps(raw) == theirs.dumps(raw)
    assert theirs.loads(ours.dumps(raw)) == ours.loads(theirs.dumps(raw)) == raw


def test_session_cookies_are_read_both_ways() -> None:
    """Flask's own session serializer and the reused one read each other's cookies."""
    app = _app()
    theirs = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = CookieSessionInterface().get_signing_serializer(app)
    assert theirs is not None and ours is not None
    value = {"csrf_token": secrets.token_hex(20), "_flashes": [("info", "Saved.")]}
    assert ours.loads(theirs.dumps(value)) == theirs.loads(ours.dumps(value)) == value


def test_payloads_are_never_compressed_but_compressed_ones_are_read() -> None:
    """A long repetitive value is signed uncompressed; Flask's compressed form still loads."""
    app = _app()
    theirs = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = CookieSessionInterface().get_signing_serializer(app)
    assert theirs is not None and ours is not None
    value = {"note": "the same words " * 50}
    assert theirs.dumps(value).startswith(".")
    assert not ours.dumps(value).startswith(".")
    assert ours.loads(theirs.dumps(value)) == value


def test_the_serializer_is_built_once_per_key_and_follows_a_rotation() -> None:
    """The same keys give the same serializer; after a rotation cookies signed with the old
    key still load (SECRET_KEY_FALLBACKS), and new ones are signed with the new key."""
    app = _app()
    interface = CookieSessionInterface()
    before = interface.get_signing_serializer(app)
    assert before is interface.get_signing_serializer(app)
    old_cookie = before.dumps({"a": 1}) if before else ""
    old_key = app.secret_key
    app.config.update(SECRET_KEY=secrets.token_hex(32), SECRET_KEY_FALLBACKS=[old_key])
    after = interface.get_signing_serializer(app)
    assert after is not None and after is not before
    assert after.loads(old_cookie) == {"a": 1}
    new_cookie = after.dumps({"a": 2})
    assert _flask_serializer(app.secret_key).loads(new_cookie) == {"a": 2}
    with pytest.raises(BadSignature):
        _flask_serializer(old_key).loads(new_cookie)


def _flask_serializer(key: object) -> URLSafeTimedSerializer:
    """Flask's own session serializer for an app with ``key`` only."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(_app(SECRET_KEY=key))
    assert serializer is not None
    return serializer


def test_an_app_with_its_own_session_interface_keeps_it() -> None:
    """Only Flask's default cookie session is replaced; a custom interface stays."""

    class Custom(SecureCookieSessionInterface):
        pass

    app = _app()
    app.session_interface = Custom()
    init_signing(app)
    assert type(app.session_interface) is Custom
    plain = _app()
    init_signing(plain)
    assert type(plain.session_interface) is CookieSessionInterface


def _session_app(interface: SecureCookieSessionInterface, key: str, raw: str) -> Flask:
    app = _app(SECRET_KEY=key, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=True)
    app.session_interface = interface

    @app.get("/<action>")
    def act(action: str) -> Response:
        response = Response("", headers={"Vary": "Accept"} if action == "vary" else {})
        if action == "read":
            session.get("a")
        elif action in ("write", "vary"):
            session["a"] = raw
        elif action == "clear":
            session.clear()
        elif action == "permanent":
            session.permanent = True
            session["a"] = raw
        return response

    return app


@pytest.mark.parametrize("action", ["nothing", "read", "write", "vary", "clear", "permanent"])
def test_saving_answers_exactly_as_flask_does(action: str) -> None:
    """Whatever the view did with the session, the cookie and Vary headers are Flask's own."""
    key, raw = secrets.token_hex(32), secrets.token_hex(20)
    answers = []
    for interface in (SecureCookieSessionInterface(), CookieSessionInterface()):
        client = _session_app(interface, key, raw).test_client()
        client.set_cookie("session", _flask_serializer(key).dumps({"b": "1"}))
        response = client.get(f"/{action}", base_url="https://localhost")
        cookies = [_readable(header, key) for header in response.headers.getlist("Set-Cookie")]
        answers.append((cookies, response.headers.getlist("Vary")))
    assert answers[0] == answers[1]


def _readable(set_cookie: str, key: str) -> tuple[object, ...]:
    """A ``Set-Cookie`` header with its value loaded (so signing times do not matter) and
    its expiry date reduced to whether it has one."""
    pair, *attributes = set_cookie.split("; ")
    name, value = pair.split("=", 1)
    loaded = _flask_serializer(key).loads(value) if value else None
    kept = [a if not a.startswith("Expires=") else "Expires" for a in attributes]
    return name, loaded, kept
