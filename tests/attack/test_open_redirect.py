"""Open redirect: the post-login ``next`` target never sends the user to another site.

A phishing link ``/login?next=https://evil.example`` would otherwise take a user who has just
typed their password on the real site to a look-alike one. Browsers also read ``//host``,
``/\\host`` and paths with tabs in them as other hosts, so each of those is tried too.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import ORIGIN, form_token

EMAIL = "victim@example.org"

OFF_SITE = [
    pytest.param("https://evil.example", id="absolute-https"),
    pytest.param("http://evil.example/login", id="absolute-http"),
    pytest.param("//evil.example", id="protocol-relative"),
    pytest.param("///evil.example", id="triple-slash"),
    pytest.param("/\\evil.example", id="slash-backslash"),
    pytest.param("\\/evil.example", id="backslash-slash"),
    pytest.param("/\t/evil.example", id="tab"),
    pytest.param("/\n/evil.example", id="newline"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("http:evil.example", id="scheme-without-slashes"),
    pytest.param(" //evil.example", id="leading-space"),
    pytest.param("https://localhost@evil.example", id="userinfo"),
]

#: Strings that look like another host but that a browser keeps as a path on this site.
ENCODED = [
    pytest.param("/%09/evil.example", id="encoded-tab"),
    pytest.param("/%2F%2Fevil.example", id="encoded-slashes"),
    pytest.param("/%5Cevil.example", id="encoded-backslash"),
]


def log_in_with_next(client, target: str):
    """Submit the login form of ``/login?next=<target>`` with the right password."""
    token = form_token(client, "/login")
    data = {"email": EMAIL, "password": GOOD_PASSWORD, "csrf_token": token}
    return client.post("/login", query_string={"next": target}, data=data)


def assert_stays_on_site(location: str) -> None:
    """The redirect target, resolved as a browser does, is this same https origin."""
    resolved = urlsplit(urljoin(ORIGIN + "/login", location))
    assert (resolved.scheme, resolved.netloc) == ("https", "localhost"), location
    assert "\\" not in location
    assert not location.startswith("//")


@pytest.fixture
def victim(app):
    """A registered user."""
    return create_user(app, EMAIL)


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_ignores_an_off_site_next(victim, client, target):
    """After login with an off-site ``next``, the user lands on the home page instead."""
    response = log_in_with_next(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE + ENCODED)
def test_login_redirect_never_leaves_the_site(victim, client, target):
    """Whatever ``next`` holds, the redirect after login resolves to this same site."""
    response = log_in_with_next(client, target)
    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"])


@pytest.mark.parametrize("target", OFF_SITE)
def test_logged_in_visit_to_login_ignores_an_off_site_next(victim, client, target):
    """A logged-in user opening ``/login?next=...`` is sent home, not off site."""
    assert login(client, EMAIL).status_code == 302
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target", ["/notes?page=2", "/notes/new", "/search?q=plans"], ids=["query", "path", "search"]
)
def test_login_honours_a_same_site_next(victim, client, target):
    """A same-site ``next`` path is where the user lands after login."""
    response = log_in_with_next(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_protected_page_returns_after_login(victim, client):
    """An anonymous visit to a page, then login, lands back on that page."""
    to_login = client.get("/notes", query_string={"page": "2"}).headers["Location"]
    token = form_token(client, to_login)
    data = {"email": EMAIL, "password": GOOD_PASSWORD, "csrf_token": token}
    response = client.post(to_login, data=data)
    assert response.headers["Location"] == "/notes?page=2"


def test_failed_login_does_not_redirect(victim, client):
    """A wrong password with an off-site ``next`` stays on the login page."""
    token = form_token(client, "/login")
    data = {"email": EMAIL, "password": "wrong password", "csrf_token": token}
    response = client.post("/login", query_string={"next": "//evil.example"}, data=data)
    assert response.status_code == 400
    assert "Location" not in response.headers
