"""Attacks on password reset: replayed, expired, forged and poisoned links, and account probing.

Mail goes through a real SMTP server on loopback; each test reads the link from the message
that server received, as the user would from their mailbox.
"""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from flask_bastion import state_for
from flask_bastion.recovery.tokens import CONFIRM_SALT, RESET_SALT, password_fingerprint
from flask_bastion.signals import security_event
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import form_token
from tests.support.mailbox import Mailbox

EMAIL = "ada@example.org"
UNKNOWN = "nobody@example.org"
EXTERNAL_URL = "https://notes.example.org"
NEW_PASSWORD = "copper-lantern-meadow-83-sail"
SESSION_COOKIE = "__Host-session"
REMEMBER_COOKIE = "__Host-remember_token"
GENEROUS_LIMITS = {
    "BASTION_RESET_LIMIT": "1000 per minute",
    "BASTION_RESET_ACCOUNT_LIMIT": "1000 per minute",
}


@pytest.fixture
def mail_app(app_factory: Any, smtp_server: Mailbox) -> Flask:
    """The reference app sending mail through the loopback SMTP server, with one user."""
    app: Flask = app_factory(BASTION_EXTERNAL_URL=EXTERNAL_URL, **smtp_server.settings)
    create_user(app, EMAIL)
    return app


def request_reset(client: Any, email: str, **headers: str) -> Any:
    """Ask for a reset link through the form, as a browser (or an attacker) would."""
    token = form_token_with(client, "/reset", headers)
    return client.post("/reset", data={"email": email, "csrf_token": token}, headers=headers)


def form_token_with(client: Any, path: str, headers: dict[str, str]) -> str:
    if not headers:
        return form_token(client, path)
    page = client.get(path, headers=headers).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def reset_path(mailbox: Mailbox, email: str = EMAIL) -> str:
    """The path of the reset link mailed to ``email``."""
    link = mailbox.link_to(email)
    assert link.startswith(EXTERNAL_URL + "/reset/"), link
    return link.removeprefix(EXTERNAL_URL)


def set_password(client: Any, path: str, password: str = NEW_PASSWORD) -> Any:
    """Open the reset link and submit a new password."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = form_token(client, path)
    data = {"password": password, "confirm": password, "csrf_token": token}
    return client.post(path, data=data)


def can_log_in(app: Flask, password: str, email: str = EMAIL) -> bool:
    return bool(login(app.test_client(), email, password).status_code == 302)


def is_logged_in(client: Any) -> bool:
    return bool(client.get("/notes").status_code == 200)


def move_clock(app: Flask, by: timedelta) -> None:
    """Move the account system's clock (sessions and link ages) forward instead of sleeping."""
    manager = state_for(app).sessions
    assert manager is not None
    start = manager.clock()
    manager.clock = lambda: start + by


def without_token(body: str) -> str:
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:value|content)=")[^"]+', r"\1-", body)


def test_reset_link_sets_a_new_password(mail_app: Flask, smtp_server: Mailbox) -> None:
    """Following the mailed link sets the new password; the old one stops working."""
    client = mail_app.test_client()
    assert request_reset(client, EMAIL).status_code == 200
    response = set_password(client, reset_path(smtp_server))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not is_logged_in(client)
    assert can_log_in(mail_app, NEW_PASSWORD)
    assert not can_log_in(mail_app, GOOD_PASSWORD)


def test_link_works_only_once(mail_app: Flask, smtp_server: Mailbox) -> None:
    """A used link is refused, for the form and for a second new password."""
    client = mail_app.test_client()
    request_reset(client, EMAIL)
    path = reset_path(smtp_server)
    token = form_token(client, path)
    assert set_password(client, path).status_code == 302
    assert client.get(path).status_code == 400
    second = "amber-quarry-violin-27-dusk"
    replay = client.post(path, data={"password": second, "confirm": second, "csrf_token": token})
    assert replay.status_code == 400
    assert can_log_in(mail_app, NEW_PASSWORD)
    assert not can_log_in(mail_app, second)


@pytest.mark.parametrize(
    ("age", "works"),
    [
        pytest.param(timedelta(minutes=29), True, id="29-minutes-works"),
        pytest.param(timedelta(minutes=31), False, id="31-minutes-expired"),
        pytest.param(timedelta(days=3), False, id="3-days-expired"),
    ],
)
def test_link_expires_after_30_minutes(
    mail_app: Flask, smtp_server: Mailbox, age: timedelta, works: bool
) -> None:
    """A link older than BASTION_RESET_TOKEN_MAX_AGE is refused and changes nothing."""
    client = mail_app.test_client()
    request_reset(client, EMAIL)
    move_clock(mail_app, age)
    response = set_password(client, reset_path(smtp_server))
    assert response.status_code == (302 if works else 400)
    assert can_log_in(mail_app, NEW_PASSWORD) is works


def test_link_dies_when_the_password_changes(mail_app: Flask, smtp_server: Mailbox) -> None:
    """A password changed on the account page kills every reset link sent before."""
    request_reset(mail_app.test_client(), EMAIL)
    path = reset_path(smtp_server)
    owner = mail_app.test_client()
    assert login(owner, EMAIL).status_code == 302
    changed = "amber-quarry-violin-27-dusk"
    token = form_token(owner, "/account/password")
    data = {"password": changed, "confirm": changed, "csrf_token": token}
    assert owner.post("/account/password", data=data).status_code == 302
    assert set_password(mail_app.test_client(), path).status_code == 400
    assert can_log_in(mail_app, changed)


def test_link_ignores_a_forged_host_header(mail_app: Flask, smtp_server: Mailbox) -> None:
    """A reset asked for with ``Host: evil.example`` still mails a link to the configured URL."""
    attacker = mail_app.test_client()
    forged = {"Host": "evil.example", "Origin": "https://evil.example"}
    response = request_reset(attacker, EMAIL, **forged, Referer="https://evil.example/reset")
    assert response.status_code == 200
    message = smtp_server.last_to(EMAIL)
    assert "evil.example" not in message.as_string()
    assert smtp_server.link_to(EMAIL).startswith(EXTERNAL_URL + "/reset/")


def test_known_and_unknown_addresses_answer_identically(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """The page and status are the same whether the address has an account or not."""
    client = mail_app.test_client()
    known = request_reset(client, EMAIL)
    unknown = request_reset(client, UNKNOWN)
    assert known.status_code == unknown.status_code == 200
    known_page = without_token(known.get_data(as_text=True)).replace(EMAIL, "X")
    assert known_page == without_token(unknown.get_data(as_text=True)).replace(UNKNOWN, "X")
    assert len(smtp_server.to(EMAIL)) == len(smtp_server.to(UNKNOWN)) == 1
    assert "/reset/" not in smtp_server.last_to(UNKNOWN).get_content()


def test_known_and_unknown_addresses_take_comparable_time(
    app_factory: Any, smtp_server: Mailbox
) -> None:
    """Asking for a known address costs as much time as for an unknown one (one mail each)."""
    app = app_factory(BASTION_EXTERNAL_URL=EXTERNAL_URL, **smtp_server.settings, **GENEROUS_LIMITS)
    create_user(app, EMAIL)
    client = app.test_client()
    token = form_token(client, "/reset")

    def attempt(email: str) -> float:
        start = time.perf_counter()
        assert client.post("/reset", data={"email": email, "csrf_token": token}).status_code == 200
        return time.perf_counter() - start

    attempt("warm-up@example.org")
    known, unknown = [], []
    for _ in range(7):
        known.append(attempt(EMAIL))
        unknown.append(attempt(UNKNOWN))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 <= ratio <= 2, f"unknown/known median time ratio {ratio:.2f}"


def test_reset_ends_every_session_and_remember_cookie(
    mail_app: Flask, smtp_server: Mailbox
) -> None:
    """After a reset, every browser of the user, and a copied remember cookie, is anonymous."""
    laptop, phone = mail_app.test_client(), mail_app.test_client()
    assert login(laptop, EMAIL).status_code == 302
    assert login(phone, EMAIL, remember="y").status_code == 302
    remember = phone.get_cookie(REMEMBER_COOKIE)
    assert remember is not None
    request_reset(mail_app.test_client(), EMAIL)
    assert set_password(mail_app.test_client(), reset_path(smtp_server)).status_code == 302
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    thief = mail_app.test_client()
    thief.set_cookie(REMEMBER_COOKIE, remember.value, domain="localhost", secure=True)
    assert not is_logged_in(thief)


def test_reset_does_not_log_in(mail_app: Flask, smtp_server: Mailbox) -> None:
    """The browser that resets stays anonymous: it logs in through the login form."""
    client = mail_app.test_client()
    request_reset(client, EMAIL)
    assert set_password(client, reset_path(smtp_server)).status_code == 302
    assert not is_logged_in(client)
    assert client.get_cookie(REMEMBER_COOKIE) is None


def _tampered(app: Flask, genuine: str, kind: str) -> str:
    """A reset token an attacker could make without the app's key."""
    with app.test_request_context():
        user = state_for(app).users.find_by_email(EMAIL)  # type: ignore[union-attr]
        payload = [user.id, password_fingerprint(user.password_hash)]
    if kind == "flipped-signature":
        return genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    if kind == "truncated":
        return genuine[: len(genuine) // 2]
    if kind == "other-key":
        return URLSafeTimedSerializer("x" * 64, salt=RESET_SALT).dumps(payload)
    if kind == "confirmation-token":
        secret = app.config["SECRET_KEY"]
        return URLSafeTimedSerializer(secret, salt=CONFIRM_SALT).dumps(payload)
    if kind == "unsigned-payload":
        return genuine.split(".")[0]
    raise AssertionError(kind)


TAMPERINGS = [
    "flipped-signature",
    "truncated",
    "other-key",
    "confirmation-token",
    "unsigned-payload",
]


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_tampered_token_is_refused(mail_app: Flask, smtp_server: Mailbox, kind: str) -> None:
    """A token not signed by this app for password reset opens no form and changes nothing."""
    request_reset(mail_app.test_client(), EMAIL)
    genuine = reset_path(smtp_server).removeprefix("/reset/")
    forged = _tampered(mail_app, genuine, kind)
    assert set_password(mail_app.test_client(), f"/reset/{forged}").status_code == 400
    assert can_log_in(mail_app, GOOD_PASSWORD)


def test_token_of_another_user_resets_only_that_user(mail_app: Flask, smtp_server: Mailbox) -> None:
    """Mallory's own reset link changes her password only; the victim's is untouched."""
    create_user(mail_app, "mallory@example.org")
    victim = mail_app.test_client()
    assert login(victim, EMAIL).status_code == 302
    request_reset(mail_app.test_client(), "mallory@example.org")
    path = reset_path(smtp_server, "mallory@example.org")
    assert set_password(mail_app.test_client(), path).status_code == 302
    assert can_log_in(mail_app, NEW_PASSWORD, "mallory@example.org")
    assert can_log_in(mail_app, GOOD_PASSWORD)
    assert is_logged_in(victim)


@pytest.mark.parametrize("email", [EMAIL, UNKNOWN], ids=["known", "unknown"])
def test_requests_for_one_address_are_limited_across_ips(
    app_factory: Any, smtp_server: Mailbox, email: str
) -> None:
    """Mail bombing one address from many IPs stops at the per-address limit, known or not."""
    app = app_factory(
        BASTION_EXTERNAL_URL=EXTERNAL_URL,
        BASTION_RESET_ACCOUNT_LIMIT="3 per hour",
        **smtp_server.settings,
    )
    create_user(app, EMAIL)
    statuses = []
    for n in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        statuses.append(request_reset(client, email).status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert len(smtp_server.to(email)) == 3


def test_without_mail_reset_says_it_is_unavailable(app: Flask) -> None:
    """With no mail backend every reset route answers a clean page saying so, and sends nothing."""
    client = app.test_client()
    page = client.get("/reset")
    assert page.status_code == 200
    assert "Password reset is not available" in page.get_data(as_text=True)
    token = form_token(client, "/reset")
    posted = client.post("/reset", data={"email": EMAIL, "csrf_token": token})
    assert posted.status_code == 200
    assert "not available" in posted.get_data(as_text=True)
    assert client.get("/reset/anything").status_code == 200


def test_reset_can_be_switched_off(app_factory: Any, smtp_server: Mailbox) -> None:
    """With BASTION_PASSWORD_RESET off, /reset does not exist and the login page has no link."""
    app = app_factory(
        BASTION_EXTERNAL_URL=EXTERNAL_URL, BASTION_PASSWORD_RESET=False, **smtp_server.settings
    )
    client = app.test_client()
    assert client.get("/reset").status_code == 404
    assert 'href="/reset"' not in client.get("/login").get_data(as_text=True)


def test_request_and_reset_are_recorded(mail_app: Flask, smtp_server: Mailbox) -> None:
    """The audit log gets the request (known and unknown) and the reset, with no token."""
    recorded: list[Any] = []

    def keep(sender: Flask, event: Any, **extra: Any) -> None:
        recorded.append(event)

    with security_event.connected_to(keep, mail_app):
        request_reset(mail_app.test_client(), UNKNOWN)
        request_reset(mail_app.test_client(), EMAIL)
        path = reset_path(smtp_server)
        assert set_password(mail_app.test_client(), path).status_code == 302
    names = [e.event for e in recorded if e.event.startswith("password.")]
    assert names == ["password.reset_requested"] * 2 + ["password.reset"]
    assert path.removeprefix("/reset/") not in str(recorded)
