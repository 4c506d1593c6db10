"""Access control: a user reaches only their own notes; anonymous users and non-admins are kept out.

Another user's note answers 404 exactly like a missing one (a 403 would confirm it exists), and
it is left unchanged. Roles are read from the database on every request, so a revoked role stops
working at once. Logging out ends the session. Shared notes are attacked in
``test_note_sharing.py``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from flask_bastion import state_for
from reference_app.extensions import db
from reference_app.models import Note
from tests.support.accounts import create_user, login
from tests.support.client import form_token, post_with_token
from tests.support.two_factor import login_admin

SECRET_TITLE = "Alice secret plan"
SECRET_BODY = "launch codes"


def alices_note(app) -> tuple[str, str] | None:
    """Title and body of Alice's note as the database holds it now, or ``None``."""
    with app.app_context():
        note = db.session.get(Note, 1)
        return None if note is None else (note.title, note.body)


@pytest.fixture
def mallory(app, client):
    """Alice owns note 1; the returned client is logged in as another user, Mallory."""
    alice = create_user(app, "alice@example.org")
    create_user(app, "mallory@example.org")
    with app.app_context():
        db.session.add(Note(id=1, owner_id=alice, title=SECRET_TITLE, body=SECRET_BODY))
        db.session.commit()
    assert login(client, "mallory@example.org").status_code == 302
    return client


@pytest.mark.parametrize("path", ["/notes/1", "/notes/1/edit"], ids=["show", "edit-form"])
def test_other_users_note_cannot_be_read(mallory, path):
    """Reading another user's note answers 404, with nothing of the note in the page."""
    response = mallory.get(path)
    assert response.status_code == 404
    assert SECRET_TITLE not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param("/notes/1/edit", {"title": "pwned", "body": "pwned"}, id="edit"),
        pytest.param("/notes/1/delete", {}, id="delete"),
    ],
)
def test_other_users_note_cannot_be_changed(app, mallory, path, data):
    """Editing or deleting another user's note answers 404 and leaves it unchanged."""
    response = post_with_token(mallory, path, data)
    assert response.status_code == 404
    assert alices_note(app) == (SECRET_TITLE, SECRET_BODY)


@pytest.mark.parametrize("term", ["secret", "launch", "%", "_"])
def test_other_users_note_cannot_be_found_by_search(mallory, term):
    """Searching never lists another user's note, even for its exact words."""
    response = mallory.get("/search", query_string={"q": term})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/notes/1" not in html
    assert "No note matches." in html


def test_other_users_note_is_not_listed(mallory):
    """The notes list never shows another user's note that is not shared with them."""
    html = mallory.get("/notes").get_data(as_text=True)
    assert "/notes/1" not in html
    assert "No notes yet." in html


def test_owner_still_reaches_the_note(app, client, mallory):
    """Control: the owner reads the same note with 200."""
    other = app.test_client()
    login(other, "alice@example.org")
    response = other.get("/notes/1")
    assert response.status_code == 200
    assert SECRET_BODY in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "note_id",
    [
        pytest.param("2", id="missing"),
        pytest.param("0", id="zero"),
        pytest.param("2147483647", id="largest-int"),
        pytest.param("2147483648", id="past-int32"),
        pytest.param("99999999999999999999", id="huge"),
        pytest.param("-1", id="negative"),
        pytest.param("abc", id="non-numeric"),
        pytest.param("1.0", id="decimal"),
        pytest.param("1%20OR%201=1", id="injection"),
    ],
)
@pytest.mark.parametrize("action", ["", "/edit"], ids=["show", "edit"])
def test_invalid_note_id_is_404(mallory, note_id, action):
    """A note id that does not exist or is not a number answers 404, never 500."""
    assert mallory.get(f"/notes/{note_id}{action}").status_code == 404


@pytest.mark.parametrize("note_id", ["2", "99999999999999999999", "abc"])
def test_invalid_note_id_is_404_on_delete(mallory, note_id):
    """Deleting a note that does not exist answers 404, never 500."""
    assert post_with_token(mallory, f"/notes/{note_id}/delete").status_code == 404


@pytest.mark.parametrize(
    "path", ["/notes", "/notes/new", "/notes/1", "/notes/1/edit", "/search?q=x", "/admin/users"]
)
def test_anonymous_get_is_sent_to_login_with_next(app, client, path):
    """An anonymous visitor of a protected page is sent to log in, then back to the page."""
    create_user(app, "alice@example.org")
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path) == ("", "/login")
    assert parse_qs(location.query) == {"next": [path]}


@pytest.mark.parametrize("path", ["/notes/new", "/notes/1/edit", "/notes/1/delete"])
def test_anonymous_post_is_sent_to_login(client, path):
    """An anonymous POST with a valid token still does nothing and goes to the login page."""
    token = form_token(client, "/login")
    response = client.post(path, data={"csrf_token": token, "title": "t"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("path", ["/notes", "/notes/1", "/search?q=x", "/admin/users"])
def test_anonymous_json_client_gets_401_json(client, path):
    """An anonymous API client gets a 401 JSON error instead of a redirect."""
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_non_admin_is_forbidden_from_admin_pages(mallory):
    """A logged-in user without the admin role gets 403 on the users page."""
    response = mallory.get("/admin/users")
    assert response.status_code == 403
    assert "alice@example.org" not in response.get_data(as_text=True)


def test_admin_lists_users(app, client):
    """An admin sees every account on the users page."""
    create_user(app, "alice@example.org")
    login_admin(app, client, "root@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert "alice@example.org" in response.get_data(as_text=True)


def test_revoked_admin_role_takes_effect_on_next_request(app, client):
    """Removing the admin role in the database denies the very next request (no stale right)."""
    admin_id = login_admin(app, client, "root@example.org")
    assert client.get("/admin/users").status_code == 200
    users = state_for(app).users
    assert users is not None
    with app.app_context():
        assert users.revoke(users.get(admin_id), "admin")
        db.session.commit()
    assert client.get("/admin/users").status_code == 403


def test_logout_ends_the_session(app, client):
    """After POST /logout, a protected page sends the visitor back to log in."""
    create_user(app, "alice@example.org")
    login(client, "alice@example.org")
    assert client.get("/notes").status_code == 200
    response = post_with_token(client, "/logout")
    assert response.status_code == 302
    assert client.get("/notes").status_code == 302


def test_logout_by_get_is_refused(app, client):
    """GET /logout is 405, so a link or image on another site cannot log the user out."""
    create_user(app, "alice@example.org")
    login(client, "alice@example.org")
    assert client.get("/logout").status_code == 405
    assert client.get("/notes").status_code == 200
