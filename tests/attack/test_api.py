"""Attacks on the notes through the JSON API: the same object-level policy as the pages.

Another user's note is not found (404) by id, by list or by search, and stays unchanged; a note
shared read-only can be read but not changed or deleted (403); a body cannot smuggle in an owner
(mass assignment); and a cross-site request riding on the session cookie is refused by the CSRF
check, while the same request from the app's own page, with its token header, goes through.
Personal access tokens reach only what their user may, within their scopes.
"""

from __future__ import annotations

import pytest

from tests.support.accounts import create_user
from tests.support.api import (
    add_note,
    api_login,
    assert_json_error,
    bearer,
    cookie_client,
    issue_token,
    note_count,
    share,
    stored_note,
)

SECRET_TITLE = "Alice secret plan"
SECRET_BODY = "launch codes"
EVIL = "https://evil.example"


@pytest.fixture
def alices_note(app):
    """Alice (user 1) owns one note; returns its id."""
    alice = create_user(app, "alice@example.org")
    return add_note(app, alice, SECRET_TITLE, SECRET_BODY)


@pytest.fixture
def mallory(app, alices_note):
    """Mallory, logged in with the session cookie: her client and CSRF header."""
    return cookie_client(app, "mallory@example.org")


def test_other_users_note_by_id_is_404(mallory, alices_note):
    """Reading another user's note by id answers 404, with nothing of the note."""
    client, _ = mallory
    response = client.get(f"/api/v1/notes/{alices_note}")
    assert_json_error(response, 404)
    assert SECRET_TITLE not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "payload"),
    [("PATCH", {"title": "pwned"}), ("DELETE", None)],
    ids=["edit", "delete"],
)
def test_other_users_note_cannot_be_changed(app, mallory, alices_note, method, payload):
    """Changing or deleting another user's note answers 404 and leaves it as it was."""
    client, csrf = mallory
    response = client.open(
        f"/api/v1/notes/{alices_note}", method=method, json=payload, headers=csrf
    )
    assert_json_error(response, 404)
    assert stored_note(app, alices_note) == (SECRET_TITLE, SECRET_BODY)


@pytest.mark.parametrize("term", ["secret", "launch", "%", "_", "'"])
def test_other_users_note_is_not_found_by_search(mallory, term):
    """Searching never returns another user's note, even for its exact words or wildcards."""
    client, _ = mallory
    page = client.get("/api/v1/notes", query_string={"q": term}).get_json()
    assert page["items"] == []
    assert page["total"] == 0


def test_other_users_note_is_not_listed(mallory):
    """The list holds only the user's own notes."""
    client, _ = mallory
    assert client.get("/api/v1/notes?per_page=100").get_json()["total"] == 0


def test_owner_reaches_the_note(app, alices_note):
    """Control: the owner reads, finds and lists the same note."""
    owner, _ = api_login(app, "alice@example.org")
    note = owner.get(f"/api/v1/notes/{alices_note}").get_json()
    assert (note["title"], note["access"]) == (SECRET_TITLE, "owner")
    assert owner.get("/api/v1/notes?q=launch").get_json()["total"] == 1


@pytest.fixture
def reader(app, alices_note):
    """Bob, to whom Alice's note is shared read-only, logged in with the session cookie."""
    share(app, alices_note, create_user(app, "bob@example.org"), "read")
    return api_login(app, "bob@example.org")


def test_read_only_share_can_read(reader, alices_note):
    """A read-only sharee reads, lists and finds the note, marked "read"."""
    client, _ = reader
    assert client.get(f"/api/v1/notes/{alices_note}").get_json()["access"] == "read"
    assert client.get("/api/v1/notes?q=secret").get_json()["total"] == 1


@pytest.mark.parametrize(
    ("method", "payload"),
    [("PATCH", {"title": "pwned"}), ("PATCH", {"body": "pwned"}), ("DELETE", None)],
    ids=["edit-title", "edit-body", "delete"],
)
def test_read_only_share_cannot_change(app, reader, alices_note, method, payload):
    """A read-only sharee's change or delete answers 403 and leaves the note as it was."""
    client, csrf = reader
    response = client.open(
        f"/api/v1/notes/{alices_note}", method=method, json=payload, headers=csrf
    )
    assert_json_error(response, 403)
    assert stored_note(app, alices_note) == (SECRET_TITLE, SECRET_BODY)


def test_write_share_edits_but_cannot_delete(app, alices_note):
    """A read-write sharee may change the note but deleting it stays the owner's (403)."""
    share(app, alices_note, create_user(app, "carol@example.org"), "write")
    client, csrf = api_login(app, "carol@example.org")
    response = client.patch(f"/api/v1/notes/{alices_note}", json={"body": "edited"}, headers=csrf)
    assert response.get_json()["access"] == "write"
    assert stored_note(app, alices_note) == (SECRET_TITLE, "edited")
    assert_json_error(client.delete(f"/api/v1/notes/{alices_note}", headers=csrf), 403)


def test_owner_cannot_be_chosen_by_the_body(app, mallory, alices_note):
    """A body naming another owner is refused (422); no note is written for anyone."""
    client, csrf = mallory
    response = client.post("/api/v1/notes", json={"title": "planted", "owner_id": 1}, headers=csrf)
    assert "owner_id" in assert_json_error(response, 422)["fields"]
    assert note_count(app) == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": EVIL, "Referer": EVIL + "/"}, id="foreign-origin"),
        pytest.param({"Origin": None, "Referer": None}, id="no-origin"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="sec-fetch-site"),
    ],
)
def test_cross_site_request_with_the_cookie_is_refused(app, mallory, headers):
    """A request another site makes the browser send, with the session cookie and no CSRF
    token header, is refused (400) and writes nothing."""
    client, _ = mallory
    response = client.post("/api/v1/notes", json={"title": "forged"}, headers=headers)
    assert_json_error(response, 400)
    assert note_count(app) == 1


def test_cross_site_request_with_a_stolen_token_is_refused(app, mallory):
    """Even with a valid CSRF token, a request from another origin is refused (Origin check)."""
    client, csrf = mallory
    headers = {**csrf, "Origin": EVIL, "Referer": EVIL + "/"}
    response = client.post("/api/v1/notes", json={"title": "forged"}, headers=headers)
    assert_json_error(response, 400)
    assert note_count(app) == 1


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_cross_site_change_of_own_note_is_refused(app, alices_note, method):
    """The owner's own note cannot be changed or deleted by a forged cross-site request."""
    client, _ = api_login(app, "alice@example.org")
    response = client.open(
        f"/api/v1/notes/{alices_note}",
        method=method,
        json={"title": "forged"},
        headers={"Origin": EVIL},
    )
    assert_json_error(response, 400)
    assert stored_note(app, alices_note) == (SECRET_TITLE, SECRET_BODY)


def test_same_origin_request_with_the_token_header_is_accepted(app, mallory):
    """Control: the app's own page script, sending X-CSRFToken, writes a note (201)."""
    client, csrf = mallory
    response = client.post("/api/v1/notes", json={"title": "mine", "body": "*hi*"}, headers=csrf)
    assert response.status_code == 201
    note = response.get_json()
    assert response.headers["Location"] == f"/api/v1/notes/{note['id']}"
    assert (note["title"], note["body_html"], note["access"]) == (
        "mine",
        "<p><em>hi</em></p>\n",
        "owner",
    )
    assert client.get(response.headers["Location"]).get_json() == note


def test_cross_site_read_is_not_readable_by_the_other_site(mallory):
    """A cross-site read with the cookie gets no CORS header, so the browser hides the answer."""
    client, _ = mallory
    response = client.get("/api/v1/notes", headers={"Origin": EVIL})
    assert not [name for name, _ in response.headers if name.startswith("Access-Control-")]


def test_body_html_is_sanitised(app, mallory):
    """Markdown with a script comes back as sanitised HTML; the raw body is kept as written."""
    client, csrf = mallory
    body = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    note = client.post("/api/v1/notes", json={"title": "x", "body": body}, headers=csrf).get_json()
    assert note["body"] == body
    for danger in ("<script", 'href="javascript:', "<img"):
        assert danger not in note["body_html"]


def test_other_users_token_does_not_reach_the_note(app, alices_note):
    """A token of another user reads, finds and changes nothing of the note (404, absent)."""
    secret = issue_token(app, create_user(app, "eve@example.org"))
    assert_json_error(client_get(app, f"/api/v1/notes/{alices_note}", secret), 404)
    assert client_get(app, "/api/v1/notes?q=secret", secret).get_json()["total"] == 0
    response = app.test_client().patch(
        f"/api/v1/notes/{alices_note}", json={"title": "pwned"}, headers=bearer(secret)
    )
    assert_json_error(response, 404)
    assert stored_note(app, alices_note) == (SECRET_TITLE, SECRET_BODY)


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/v1/notes", {"title": "planted"}),
        ("PATCH", "/api/v1/notes/{note}", {"title": "pwned"}),
        ("DELETE", "/api/v1/notes/{note}", None),
    ],
    ids=["create", "edit", "delete"],
)
def test_read_only_token_cannot_write(app, alices_note, method, path, payload):
    """The owner's own read-only token cannot create, change or delete: 403, nothing written."""
    secret = issue_token(app, 1, ("read",))
    assert client_get(app, f"/api/v1/notes/{alices_note}", secret).status_code == 200
    response = app.test_client().open(
        path.format(note=alices_note), method=method, json=payload, headers=bearer(secret)
    )
    assert_json_error(response, 403)
    assert stored_note(app, alices_note) == (SECRET_TITLE, SECRET_BODY)
    assert note_count(app) == 1


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_read_only_sharee_token_cannot_change(app, alices_note, method):
    """A read-write token of a read-only sharee still cannot change the note (403)."""
    bob = create_user(app, "bob@example.org")
    share(app, alices_note, bob, "read")
    response = app.test_client().open(
        f"/api/v1/notes/{alices_note}",
        method=method,
        json={"body": "x"},
        headers=bearer(issue_token(app, bob)),
    )
    assert_json_error(response, 403)
    assert stored_note(app, alices_note) == (SECRET_TITLE, SECRET_BODY)


def test_token_writes_without_csrf(app, alices_note):
    """Control: a bearer request needs no CSRF token, from any origin (no cookie to ride on)."""
    response = app.test_client().post(
        "/api/v1/notes",
        json={"title": "scripted"},
        headers={**bearer(issue_token(app, 1)), "Origin": EVIL},
    )
    assert response.status_code == 201
    assert response.get_json()["access"] == "owner"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic YWxpY2U6cHc=", "bearer"],
    ids=["unknown", "empty", "basic", "no-token"],
)
def test_bad_token_is_401_even_with_a_session(app, alices_note, authorization):
    """A bad Authorization header answers 401 with WWW-Authenticate, never the cookie's user."""
    client, _ = api_login(app, "alice@example.org")
    response = client.get(f"/api/v1/notes/{alices_note}", headers={"Authorization": authorization})
    assert_json_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert SECRET_TITLE not in response.get_data(as_text=True)


def test_token_rate_limit_is_a_json_429(app_factory):
    """Past its per-token limit a token gets a JSON 429 with Retry-After."""
    app = app_factory(BASTION_TOKEN_RATE_LIMIT="2 per minute")
    secret = issue_token(app, create_user(app, "alice@example.org"))
    answers = [client_get(app, "/api/v1/me", secret) for _ in range(3)]
    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert_json_error(answers[2], 429)
    assert int(answers[2].headers["Retry-After"]) >= 1


def client_get(app, path: str, secret: str):
    """GET ``path`` with the token ``secret`` and no cookie."""
    return app.test_client().get(path, headers=bearer(secret))
