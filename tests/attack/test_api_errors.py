"""Every failure of the JSON API is JSON in one shape, never an HTML page or a traceback.

Each test provokes one status (400, 401, 403, 404, 405, 413, 415, 422, 429, 500), asking for
HTML where it can, and checks the answer against the error schema of the OpenAPI document.
Bad input never reaches the database: nothing is half-written.
"""

from __future__ import annotations

import json

import pytest
from flask import Blueprint

from flask_bastion import login_required
from flask_bastion.api import json_api
from tests.support.accounts import create_user
from tests.support.api import (
    add_note,
    assert_json_error,
    cookie_client,
    note_count,
    share,
    stored_note,
)

HTML = {"Accept": "text/html"}


@pytest.fixture
def alice(app):
    """Alice, logged in with the session cookie; her client and CSRF header."""
    return cookie_client(app, "alice@example.org")


def test_400_malformed_json(app, alice):
    """A body labelled JSON that does not parse answers 400 and stores nothing."""
    client, csrf = alice
    response = client.post(
        "/api/v1/notes",
        data='{"title": "x",',
        content_type="application/json",
        headers={**csrf, **HTML},
    )
    assert "not valid JSON" in assert_json_error(response, 400)["message"]
    assert note_count(app) == 0


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xfe{}", b'{"title": "\\ud800"}', b"", b"{'title': 'x'}"],
    ids=["not-utf8", "lone-surrogate", "empty", "single-quotes"],
)
def test_400_undecodable_json(app, alice, payload):
    """Bytes that are not JSON text answer 400, never a 500 from the database."""
    client, csrf = alice
    response = client.post(
        "/api/v1/notes", data=payload, content_type="application/json", headers=csrf
    )
    assert_json_error(response, 400)
    assert note_count(app) == 0


def test_400_nul_in_query(alice):
    """A NUL in a query parameter answers 400 (the database could not search for it)."""
    client, _ = alice
    assert_json_error(client.get("/api/v1/notes?q=a%00b", headers=HTML), 400)


def test_401_anonymous(client):
    """An anonymous client gets a JSON 401, not the login page, even when it asks for HTML."""
    assert_json_error(client.get("/api/v1/notes", headers=HTML), 401)


def test_403_https_required(alice):
    """A change sent over plain HTTP is refused with a JSON 403."""
    client, csrf = alice
    response = client.post(
        "/api/v1/notes", json={"title": "x"}, base_url="http://localhost", headers=csrf
    )
    assert_json_error(response, 403)


def test_403_read_only_share(app, alice):
    """A change to a note shared read-only answers a JSON 403."""
    client, csrf = alice
    bob = create_user(app, "bob@example.org")
    note = add_note(app, bob, "Bob's")
    share(app, note, 1, "read")
    response = client.patch(f"/api/v1/notes/{note}", json={"title": "x"}, headers=csrf)
    assert_json_error(response, 403)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/notes/999", "/api/v1/notes/abc", "/api/v1/no-such-thing", "/api/v1", "/api/v1/"],
    ids=["missing-note", "bad-id", "unknown-path", "prefix", "prefix-slash"],
)
def test_404(alice, path):
    """A URL under the API that serves nothing answers a JSON 404, asked for HTML or not."""
    client, _ = alice
    assert_json_error(client.get(path, headers=HTML), 404)


def test_404_anonymous_unknown_path(client):
    """An unknown API path answers 404 to anonymous clients too (no login wall on nothing)."""
    assert_json_error(client.get("/api/v1/no-such-thing", headers=HTML), 404)


def test_pages_keep_html_errors(client):
    """Outside the API the error pages stay HTML: the JSON rule is scoped to the API."""
    response = client.get("/api/v10/notes", headers=HTML)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/v1/notes/1"), ("DELETE", "/api/v1/notes"), ("POST", "/api/v1/me")],
)
def test_405(alice, method, path):
    """A method the route does not serve answers a JSON 405 with the Allow header."""
    client, csrf = alice
    response = client.open(path, method=method, headers={**csrf, **HTML})
    assert_json_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_413_body_too_large(app_factory):
    """A body over MAX_CONTENT_LENGTH answers a JSON 413 and stores nothing."""
    app = app_factory(MAX_CONTENT_LENGTH=4096)
    client, csrf = cookie_client(app, "alice@example.org")
    big = json.dumps({"title": "x", "body": "y" * 8192})
    response = client.post("/api/v1/notes", data=big, content_type="application/json", headers=csrf)
    assert_json_error(response, 413)
    assert note_count(app) == 0


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ({"title": "x"}, None),
        ('{"title": "x"}', "text/plain"),
        ('{"title": "x"}', None),
    ],
    ids=["form", "text-plain", "no-type"],
)
def test_415_not_json(app, alice, data, content_type):
    """A body not labelled JSON answers a JSON 415 and stores nothing."""
    client, csrf = alice
    response = client.post("/api/v1/notes", data=data, content_type=content_type, headers=csrf)
    assert_json_error(response, 415)
    assert note_count(app) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": " \t"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"title": None}, "title"),
        ({"title": "a\u0000b"}, "title"),
        ({"title": "x", "body": "y" * 20_001}, "body"),
        ({"title": "x", "body": "\u0000"}, "body"),
        ({"title": "x", "owner_id": 2}, "owner_id"),
        ({"title": "x", "id": 7}, "id"),
    ],
    ids=[
        "missing-title",
        "empty-title",
        "blank-title",
        "long-title",
        "number-title",
        "null-title",
        "nul-title",
        "long-body",
        "nul-body",
        "owner-id",
        "id",
    ],
)
def test_422_invalid_fields(app, alice, payload, field):
    """A body that breaks the schema answers a JSON 422 naming the field, and stores nothing."""
    client, csrf = alice
    response = client.post("/api/v1/notes", json=payload, headers=csrf)
    error = assert_json_error(response, 422)
    assert field in error["fields"]
    assert note_count(app) == 0


def test_422_body_not_an_object(alice):
    """A JSON body that is not an object answers a 422 that says so."""
    client, csrf = alice
    response = client.post("/api/v1/notes", json=["title"], headers=csrf)
    assert "JSON object" in assert_json_error(response, 422)["message"]


def test_422_leaves_the_note_unchanged(app, alice):
    """A change with one valid and one invalid field changes nothing at all."""
    client, csrf = alice
    note = add_note(app, 1, "Kept", "kept")
    response = client.patch(
        f"/api/v1/notes/{note}", json={"title": "new", "body": "\u0000"}, headers=csrf
    )
    assert_json_error(response, 422)
    assert stored_note(app, note) == ("Kept", "kept")


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=100001",
        "per_page=0",
        "per_page=101",
        "page=99999999999999999999999",
        f"q={'x' * 201}",
    ],
)
def test_422_invalid_query(alice, query):
    """A query parameter out of its range answers a JSON 422, never a 500 from the database."""
    client, _ = alice
    error = assert_json_error(client.get(f"/api/v1/notes?{query}"), 422)
    assert query.split("=")[0] in error["fields"]


def test_last_page_is_served(alice):
    """The largest page number accepted is an empty page, not a database overflow."""
    client, _ = alice
    response = client.get("/api/v1/notes?page=100000&per_page=100")
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_429_rate_limited(app_factory):
    """Past the rate limit the API answers a JSON 429 with Retry-After."""
    app = app_factory(RATELIMIT_DEFAULT="3 per minute")
    client = app.test_client()
    answers = [client.get("/api/v1/openapi.json", headers=HTML) for _ in range(4)]
    assert [answer.status_code for answer in answers[:3]] == [200] * 3
    assert_json_error(answers[3], 429)
    assert int(answers[3].headers["Retry-After"]) >= 1


def test_500_hides_the_exception(app_factory, caplog):
    """An exception in an API view answers a JSON 500 with an incident id, no internals."""
    app = app_factory()
    failing = json_api(Blueprint("failing", __name__, url_prefix="/api/failing"))

    @failing.get("/boom")
    @login_required
    def boom():
        raise RuntimeError("db password=hunter2")

    app.register_blueprint(failing)
    client, _ = cookie_client(app, "alice@example.org")
    error = assert_json_error(client.get("/api/failing/boom", headers=HTML), 500)
    assert "hunter2" not in json.dumps(error)
    assert len(error["incident"]) == 12
    assert error["incident"] in caplog.text
