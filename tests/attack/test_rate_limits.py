"""Attacks by volume: password guessing per IP and per account, floods, and split counters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.client import csrf_token_in, form_token
from tests.support.services import REDIS_URL, require_redis

READABLE_MESSAGE = "You are going too fast. Wait a little and try again."


def _login_attempt(client: Any, email: str, ip: str = "127.0.0.1", **headers: str) -> Any:
    """One wrong-password login POST from ``ip``, with a valid form token."""
    environ = {"REMOTE_ADDR": ip}
    token = _form_token_from(client, ip)
    data = {"email": email, "password": "wrong-password-guess", "csrf_token": token}
    return client.post("/login", data=data, environ_base=environ, headers=headers)


def _form_token_from(client: Any, ip: str) -> str:
    """A login form token fetched from ``ip`` (the login limits count POSTs only)."""
    response = client.get("/login", environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 200
    return csrf_token_in(response.get_data(as_text=True))


def _assert_retry_after(response: Any) -> None:
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit(), f"Retry-After is {retry_after!r}"
    assert int(retry_after) > 0


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        pytest.param("text/html", "html", id="browser"),
        pytest.param("application/json", "json", id="api-client"),
    ],
)
def test_login_guesses_from_one_ip_get_429(app_factory: Any, accept: str, kind: str) -> None:
    """Login POSTs beyond BASTION_LOGIN_LIMIT from one IP are refused with 429 and Retry-After."""
    app = app_factory(BASTION_LOGIN_LIMIT="3 per minute")
    client = app.test_client()
    for number in range(3):
        assert _login_attempt(client, f"user{number}@example.org").status_code == 400
    response = _login_attempt(client, "user9@example.org", Accept=accept)
    assert response.status_code == 429
    _assert_retry_after(response)
    if kind == "json":
        assert response.get_json()["error"]["status"] == 429
        assert response.get_json()["error"]["message"] == READABLE_MESSAGE
    else:
        assert response.mimetype == "text/html"
        assert READABLE_MESSAGE in response.get_data(as_text=True)


def test_login_limit_is_per_ip(app_factory: Any) -> None:
    """One IP over the login limit does not lock out a different IP."""
    app = app_factory(BASTION_LOGIN_LIMIT="2 per minute")
    client = app.test_client()
    for number in range(3):
        last = _login_attempt(client, f"user{number}@example.org", ip="198.51.100.1")
    assert last.status_code == 429
    assert _login_attempt(client, "other@example.org", ip="198.51.100.2").status_code == 400


def test_password_spray_on_one_account_from_many_ips_gets_429(app_factory: Any) -> None:
    """Attempts on one email from ever-new IPs are stopped at BASTION_LOGIN_ACCOUNT_LIMIT."""
    app = app_factory(BASTION_LOGIN_ACCOUNT_LIMIT="3 per minute")
    client = app.test_client()
    for number in range(3):
        response = _login_attempt(client, "ada@example.org", ip=f"203.0.113.{number + 1}")
        assert response.status_code == 400
    response = _login_attempt(client, "ADA@example.org", ip="203.0.113.99")
    assert response.status_code == 429
    _assert_retry_after(response)
    assert _login_attempt(client, "grace@example.org", ip="203.0.113.100").status_code == 400


def test_registration_flood_gets_429(app_factory: Any) -> None:
    """Registration POSTs beyond BASTION_REGISTER_LIMIT from one IP are refused with 429."""
    app = app_factory(BASTION_REGISTER_LIMIT="2 per minute")
    client = app.test_client()

    def attempt(number: int) -> Any:
        token = form_token(client, "/register")
        data = {"email": f"bot{number}@example.org", "password": "short", "confirm": "short"}
        return client.post("/register", data={**data, "csrf_token": token})

    assert [attempt(n).status_code for n in range(3)] == [400, 400, 429]


def test_default_limit_applies_to_every_page(app_factory: Any) -> None:
    """A page without its own limit answers 429 once RATELIMIT_DEFAULT is used up."""
    app = app_factory(RATELIMIT_DEFAULT="5 per minute")
    client = app.test_client()
    statuses = [client.get("/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    _assert_retry_after(client.get("/"))


def test_static_files_are_exempt_from_the_default_limit(app_factory: Any) -> None:
    """Static files stay reachable after the default limit of pages is used up."""
    app = app_factory(RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    for _ in range(5):
        with client.get("/static/style.css") as response:
            assert response.status_code == 200
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


def _redis_settings(prefix: str, **limits: str) -> dict[str, str]:
    return {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        **limits,
    }


def test_two_app_instances_share_one_redis_counter(app_factory: Any) -> None:
    """Page requests split between two workers on one Redis hit 429 at the configured limit."""
    require_redis()
    settings = _redis_settings(f"bastion-test-{uuid.uuid4().hex}", RATELIMIT_DEFAULT="4 per minute")
    clients = [app_factory(**settings).test_client() for _ in range(2)]
    statuses = [clients[n % 2].get("/").status_code for n in range(5)]
    assert statuses == [200] * 4 + [429]
    assert clients[0].get("/").status_code == clients[1].get("/").status_code == 429


def test_a_limit_counted_in_blocks_still_holds_across_app_instances(app_factory: Any) -> None:
    """A client spreading requests over two workers gets no more than a generous limit, which
    each worker counts in blocks of hits reserved in Redis."""
    require_redis()
    prefix = f"bastion-test-{uuid.uuid4().hex}"
    settings = _redis_settings(prefix, RATELIMIT_DEFAULT="40 per minute")
    clients = [app_factory(BASTION_RATELIMIT_BLOCK=0.1, **settings).test_client() for _ in range(2)]
    statuses = [clients[n % 2].get("/").status_code for n in range(50)]
    admitted = statuses.count(200)
    assert 40 - 3 <= admitted <= 40  # blocks of 4: the other worker holds at most 3 unused
    assert statuses == [200] * admitted + [429] * (50 - admitted)


def test_login_guesses_split_between_app_instances_share_one_limit(app_factory: Any) -> None:
    """Login guesses alternated between two workers on one Redis are stopped at the limit."""
    require_redis()
    settings = _redis_settings(
        f"bastion-test-{uuid.uuid4().hex}", BASTION_LOGIN_ACCOUNT_LIMIT="3 per minute"
    )
    clients = [app_factory(**settings).test_client() for _ in range(2)]
    statuses = [
        _login_attempt(clients[n % 2], "ada@example.org", ip=f"192.0.2.{n + 1}").status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param("GET", "/", id="page"), pytest.param("POST", "/login", id="login-guess")],
)
def test_unreachable_limit_store_refuses_instead_of_admitting(
    app_factory: Any, method: str, path: str
) -> None:
    """With the shared store down, requests are refused, never let through uncounted."""
    # CSRF off so that the guess reaches the limiter: a token cannot be had with the store down.
    app = app_factory(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", WTF_CSRF_ENABLED=False)
    data = {"email": "ada@example.org", "password": "guess"}
    response = app.test_client().open(path, method=method, data=data)
    assert response.status_code == 500
    assert "Something went wrong on our side." in response.get_data(as_text=True)
