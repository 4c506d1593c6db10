"""Note sharing: a share opens a note to one more user, read only or read and edit, and no more.

Alice's note is shared read-only with Bob and read-write with Carol; Mallory has an account and
no share. Mallory gets 404 for everything about the note, exactly as if it did not exist; Bob and
Carol may see it, so what they may not do answers 403. Only Alice deletes the note or decides who
it is shared with, and a removed share stops working on the very next request.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from reference_app.extensions import db
from reference_app.models import READ, WRITE, Note, NoteShare
from reference_app.notes import sharing
from reference_app.notes.share_routes import SHARES_PER_MINUTE
from reference_app.notes.sharing import NOTE_SHARED, NOTE_UNSHARED, OWN_ADDRESS, UNKNOWN_ACCOUNT
from tests.support.accounts import as_user
from tests.support.audit import stored_events
from tests.support.client import form_token, post_with_token
from tests.support.sharing import (
    BODY,
    OWNER,
    READER,
    SHARES,
    STRANGER,
    TITLE,
    WRITER,
    SharedNote,
    share_scenario,
)


class NotePages(SharedNote):
    """The scenario's note, as its pages see it."""

    @property
    def path(self) -> str:
        return f"/notes/{self.note_id}"

    def url(self, template: str) -> str:
        """``template`` with ``{note}``, ``{reader}`` and ``{writer}`` filled in."""
        return template.format(note=self.path, reader=self.reader_share, writer=self.writer_share)

    def state(self) -> tuple[str, str, list[tuple[str, str]]] | None:
        """The note's title, body and shares as the database holds them now (``None`` if gone)."""
        with self.app.app_context():
            note = db.session.get(Note, self.note_id)
            if note is None:
                return None
            shares = sorted((share.user.email, share.access) for share in note.shares)
            return note.title, note.body, shares


UNTOUCHED = (TITLE, BODY, SHARES)


@pytest.fixture
def shared(app: Flask) -> NotePages:
    return share_scenario(app, NotePages)


def send(client: Any, shared: NotePages, method: str, template: str, data: dict[str, str]) -> Any:
    path = shared.url(template)
    return client.get(path) if method == "GET" else post_with_token(client, path, data)


EDITS = [
    pytest.param("GET", "{note}/edit", {}, id="edit-form"),
    pytest.param("POST", "{note}/edit", {"title": "pwned", "body": "pwned"}, id="edit"),
]
OWNER_ONLY = [
    pytest.param("POST", "{note}/delete", {}, id="delete"),
    pytest.param("POST", "{note}/shares", {"email": STRANGER, "access": WRITE}, id="share"),
    pytest.param("POST", "{note}/shares", {"email": READER, "access": WRITE}, id="raise-access"),
    pytest.param("POST", "{note}/shares/{reader}/delete", {}, id="remove-reader-share"),
    pytest.param("POST", "{note}/shares/{writer}/delete", {}, id="remove-writer-share"),
]


@pytest.mark.parametrize(
    ("method", "template", "data"),
    [pytest.param("GET", "{note}", {}, id="show"), *EDITS, *OWNER_ONLY],
)
def test_stranger_gets_404_for_everything_about_the_note(shared, method, template, data):
    """A user the note is not shared with gets 404 by id, sees nothing of it, changes nothing."""
    response = send(as_user(shared.app, STRANGER), shared, method, template, data)
    assert response.status_code == 404
    assert TITLE not in response.get_data(as_text=True)
    assert shared.state() == UNTOUCHED


@pytest.mark.parametrize("term", ["secret", "launch", "%", "_"])
def test_stranger_never_finds_the_note(shared, term):
    """Searching and listing never show a note to a user it is not shared with."""
    mallory = as_user(shared.app, STRANGER)
    found = mallory.get("/search", query_string={"q": term}).get_data(as_text=True)
    assert shared.path not in found
    assert "No note matches." in found
    assert shared.path not in mallory.get("/notes").get_data(as_text=True)


@pytest.mark.parametrize(("method", "template", "data"), [*EDITS, *OWNER_ONLY])
def test_reader_may_not_change_anything(shared, method, template, data):
    """A read-only sharee gets 403 for editing, deleting and sharing; nothing changes."""
    response = send(as_user(shared.app, READER), shared, method, template, data)
    assert response.status_code == 403
    assert shared.state() == UNTOUCHED


@pytest.mark.parametrize(("method", "template", "data"), OWNER_ONLY)
def test_writer_may_not_delete_or_share(shared, method, template, data):
    """A read-write sharee gets 403 for deleting the note or changing its shares."""
    response = send(as_user(shared.app, WRITER), shared, method, template, data)
    assert response.status_code == 403
    assert shared.state() == UNTOUCHED


def test_writer_can_edit(shared):
    """A read-write sharee changes the title and text, and nothing else."""
    carol = as_user(shared.app, WRITER)
    assert carol.get(f"{shared.path}/edit").status_code == 200
    data = {"title": "Carol's version", "body": "new text"}
    response = post_with_token(carol, f"{shared.path}/edit", data)
    assert response.status_code == 302
    assert shared.state() == ("Carol's version", "new text", UNTOUCHED[2])


def test_reader_sees_the_note_and_no_controls(shared):
    """A read-only sharee reads the note, whose and how shared, without edit, delete or sharing."""
    response = as_user(shared.app, READER).get(shared.path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert BODY in html
    assert f"Shared with you by {OWNER} · Read only" in html
    for control in (f"{shared.path}/edit", f"{shared.path}/delete", f"{shared.path}/shares"):
        assert control not in html
    assert WRITER not in html


def test_writer_sees_edit_only(shared):
    """A read-write sharee gets the Edit link, never the Delete button or the sharing section."""
    html = as_user(shared.app, WRITER).get(shared.path).get_data(as_text=True)
    assert f"{shared.path}/edit" in html
    assert f"{shared.path}/delete" not in html
    assert f"{shared.path}/shares" not in html


def test_owner_sees_every_control_and_share(shared):
    """Control: the owner gets Edit, Delete, the share form and a Remove button per share."""
    html = as_user(shared.app, OWNER).get(shared.path).get_data(as_text=True)
    for control in ("/edit", "/delete", "/shares"):
        assert f'{shared.path}{control}"' in html
    for share in (shared.reader_share, shared.writer_share):
        assert f'{shared.path}/shares/{share}/delete"' in html
    assert READER in html
    assert WRITER in html


def test_sharees_list_and_search_show_the_note_marked(shared):
    """A shared note is listed and found for its sharees, with its owner and their access."""
    for email, label in ((READER, "Read only"), (WRITER, "Read and edit")):
        client = as_user(shared.app, email)
        listed = client.get("/notes").get_data(as_text=True)
        assert shared.path in listed
        assert f"Shared by {OWNER} · {label}" in listed
        found = client.get("/search", query_string={"q": "launch"}).get_data(as_text=True)
        assert shared.path in found
        assert f"Shared by {OWNER} · {label}" in found


def test_owners_list_does_not_mark_own_note(shared):
    """Control: the owner's list shows the note without a "shared by" mark."""
    listed = as_user(shared.app, OWNER).get("/notes").get_data(as_text=True)
    assert shared.path in listed
    assert "Shared by" not in listed


def test_removed_share_is_404_on_the_next_request(shared):
    """Once the owner removes a share, its user's very next request for the note is 404."""
    bob = as_user(shared.app, READER)
    assert bob.get(shared.path).status_code == 200
    alice = as_user(shared.app, OWNER)
    response = post_with_token(alice, f"{shared.path}/shares/{shared.reader_share}/delete")
    assert response.status_code == 302
    assert bob.get(shared.path).status_code == 404
    found = bob.get("/search", query_string={"q": "launch"}).get_data(as_text=True)
    assert shared.path not in found
    assert shared.path not in bob.get("/notes").get_data(as_text=True)


def test_sharing_again_changes_the_access(shared):
    """Sharing again with the other level changes the one share: Bob may now edit, Carol not."""
    alice = as_user(shared.app, OWNER)
    for email, access in ((READER, WRITE), (WRITER, READ)):
        data = {"email": email, "access": access}
        assert post_with_token(alice, f"{shared.path}/shares", data).status_code == 302
    assert shared.state() == (TITLE, BODY, [(READER, WRITE), (WRITER, READ)])
    edit = {"title": "Bob's", "body": "edit"}
    carol = as_user(shared.app, WRITER)
    assert post_with_token(carol, f"{shared.path}/edit", edit).status_code == 403
    bob = as_user(shared.app, READER)
    assert post_with_token(bob, f"{shared.path}/edit", edit).status_code == 302


def test_owner_shares_with_another_account(shared):
    """Control: the owner shares with Mallory, who reads the note on her next request."""
    alice = as_user(shared.app, OWNER)
    data = {"email": "Mallory@Example.org", "access": READ}
    response = post_with_token(alice, f"{shared.path}/shares", data)
    assert response.status_code == 302
    assert (STRANGER, READ) in shared.state()[2]
    assert as_user(shared.app, STRANGER).get(shared.path).status_code == 200


@pytest.mark.parametrize(
    "headers_and_token",
    [
        pytest.param("none", id="no-token"),
        pytest.param("other-session", id="token-of-another-session"),
    ],
)
def test_share_without_valid_csrf_token_is_refused(shared, headers_and_token):
    """A share POST without its session's CSRF token answers 400 and shares nothing."""
    alice = as_user(shared.app, OWNER)
    data = {"email": STRANGER, "access": WRITE}
    if headers_and_token == "other-session":
        data["csrf_token"] = form_token(as_user(shared.app, STRANGER), "/notes")
    response = alice.post(f"{shared.path}/shares", data=data)
    assert response.status_code == 400
    assert shared.state() == UNTOUCHED


@pytest.mark.parametrize(
    ("email", "access", "message"),
    [
        pytest.param(OWNER, READ, OWN_ADDRESS, id="self"),
        pytest.param("ALICE@example.org", WRITE, OWN_ADDRESS, id="self-capitalised"),
        pytest.param("nobody@example.org", READ, UNKNOWN_ACCOUNT, id="unknown"),
        pytest.param("not-an-address", READ, "Enter a valid email address.", id="malformed"),
        pytest.param("", READ, "This field is required.", id="empty"),
        pytest.param("a" * 250 + "@example.org", READ, "longer than 254", id="too-long"),
        pytest.param(f"{READER}\r\nBcc: {STRANGER}", READ, "valid email", id="header-injection"),
        pytest.param(STRANGER, "admin", "Not a valid choice.", id="unknown-access"),
        pytest.param(STRANGER, None, "This field is required.", id="no-access"),
    ],
)
def test_bad_share_is_400_with_a_reason(shared, email, access, message):
    """A share with oneself, an unknown or malformed address or a bad access level answers 400,
    the form shown again with the reason, and nothing is shared."""
    data = {"email": email} if access is None else {"email": email, "access": access}
    response = post_with_token(as_user(shared.app, OWNER), f"{shared.path}/shares", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in unescape(html)
    assert 'id="sharing-heading"' in html
    assert shared.state() == UNTOUCHED


@pytest.mark.parametrize("share_id", ["999", "0", "99999999999999999999", "abc", "-1"])
def test_unknown_share_id_is_404(shared, share_id):
    """Removing a share that does not exist answers 404, never 500, and removes nothing."""
    alice = as_user(shared.app, OWNER)
    response = post_with_token(alice, f"{shared.path}/shares/{share_id}/delete")
    assert response.status_code == 404
    assert shared.state() == UNTOUCHED


def test_share_of_another_note_cannot_be_removed_through_ones_own(shared):
    """Mallory owns a note of her own; naming Bob's share of Alice's note under it is 404."""
    with shared.app.app_context():
        own = Note(owner_id=shared.users[STRANGER], title="Mine", body="")
        db.session.add(own)
        db.session.commit()
        own_id = own.id
    mallory = as_user(shared.app, STRANGER)
    path = f"/notes/{own_id}/shares/{shared.reader_share}/delete"
    assert post_with_token(mallory, path).status_code == 404
    assert shared.state() == UNTOUCHED


def test_deleted_notes_shares_open_no_later_note(shared):
    """Deleting a note deletes its shares, so a note written later, even one given the same id
    (SQLite reuses the highest), is not opened to the old note's sharees."""
    alice = as_user(shared.app, OWNER)
    assert post_with_token(alice, f"{shared.path}/delete").status_code == 302
    with shared.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoteShare)) == 0
    mallory = as_user(shared.app, STRANGER)
    written = post_with_token(mallory, "/notes/new", {"title": "Mallory's diary", "body": "x"})
    assert written.status_code == 302
    assert as_user(shared.app, READER).get(written.headers["Location"]).status_code == 404


def test_simultaneous_duplicate_share_is_409_and_one_row(shared, monkeypatch):
    """Two requests sharing with the same user at once: the one that loses the race gets 409,
    never a 500 or a second share."""
    monkeypatch.setattr(sharing, "share_of", lambda note, user_id: None)  # the winner's row unseen
    alice = as_user(shared.app, OWNER)
    response = post_with_token(alice, f"{shared.path}/shares", {"email": READER, "access": WRITE})
    assert response.status_code == 409
    assert shared.state() == UNTOUCHED


def test_share_form_is_rate_limited_per_user(shared):
    """Probing addresses through the share form is stopped with 429 after a few tries a minute,
    counted per user: a new session does not reset it, another user is not slowed down."""
    alice = as_user(shared.app, OWNER)
    for number in range(SHARES_PER_MINUTE):
        probe = {"email": f"probe{number}@example.org", "access": READ}
        assert post_with_token(alice, f"{shared.path}/shares", probe).status_code == 400
    real = {"email": STRANGER, "access": READ}
    refused = post_with_token(alice, f"{shared.path}/shares", real)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert (
        post_with_token(as_user(shared.app, OWNER), f"{shared.path}/shares", real).status_code
        == 429
    )
    assert shared.state() == UNTOUCHED
    carol = as_user(shared.app, WRITER)
    assert post_with_token(carol, f"{shared.path}/shares", real).status_code == 403


def test_sharing_is_audited_without_the_notes_words(shared):
    """Sharing, changing and removing a share are recorded with ids and access levels only."""
    alice = as_user(shared.app, OWNER)
    shares = f"{shared.path}/shares"
    post_with_token(alice, shares, {"email": STRANGER, "access": READ})
    post_with_token(alice, shares, {"email": STRANGER, "access": WRITE})
    with shared.app.app_context():
        query = select(NoteShare.id).where(NoteShare.user_id == shared.users[STRANGER])
        mallorys_share = db.session.scalar(query)
    post_with_token(alice, f"{shares}/{mallorys_share}/delete")
    events = [e for e in stored_events(shared.app) if e["event"].startswith("note.")]
    note, mallory = shared.note_id, shared.users[STRANGER]
    assert [(e["event"], e["user_id"], e["details"]) for e in events] == [
        (
            NOTE_SHARED,
            shared.users[OWNER],
            {"note_id": note, "shared_with": mallory, "access": READ, "previous": None},
        ),
        (
            NOTE_SHARED,
            shared.users[OWNER],
            {"note_id": note, "shared_with": mallory, "access": WRITE, "previous": READ},
        ),
        (
            NOTE_UNSHARED,
            shared.users[OWNER],
            {"note_id": note, "shared_with": mallory, "access": WRITE},
        ),
    ]
    assert TITLE not in repr(events)
    assert BODY not in repr(events)
