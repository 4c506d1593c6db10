"""Note sharing through the JSON API: the same owner-only rule, functions and limit as the form.

Alice's note is shared read-only with Bob and read-write with Carol; Mallory has an account and
no share. Only Alice lists, makes, changes or removes the note's shares: Mallory gets 404 as if
the note did not exist, Bob and Carol (who may see it) 403. Tokens act within their scopes; the
session cookie needs its CSRF token. A refused share writes nothing and says why, and probing
addresses is stopped by the share form's own per-user limit.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from reference_app.models import READ, WRITE
from reference_app.notes import sharing
from reference_app.notes.share_routes import SHARES_PER_MINUTE
from reference_app.notes.sharing import NOTE_SHARED, NOTE_UNSHARED, OWN_ADDRESS, UNKNOWN_ACCOUNT
from tests.support.accounts import as_user
from tests.support.api import (
    add_note,
    api_login,
    assert_json_error,
    bearer,
    issue_token,
    stored_note,
)
from tests.support.audit import stored_events
from tests.support.client import post_with_token
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

EVIL = "https://evil.example"


class ApiNote(SharedNote):
    """The scenario's note, as API clients see it."""

    @property
    def shares(self) -> str:
        return f"/api/v1/notes/{self.note_id}/shares"

    def url(self, template: str) -> str:
        """``template`` with ``{shares}``, ``{reader}`` and ``{writer}`` filled in."""
        return template.format(
            shares=self.shares, reader=self.reader_share, writer=self.writer_share
        )

    def token(self, email: str, scopes: tuple[str, ...] = ("read", "write")) -> dict[str, str]:
        """The header of a new personal access token of ``email``'s account."""
        return bearer(issue_token(self.app, self.users[email], scopes))

    def call(self, method: str, path: str, auth: dict[str, str], payload: Any = None) -> Any:
        """``method path`` with ``payload`` as JSON, from a client with no cookie."""
        return self.app.test_client().open(path, method=method, json=payload, headers=auth)

    def events(self) -> list[tuple[str, int, dict[str, Any]]]:
        """The sharing events stored so far: (event, acting user, details)."""
        stored = stored_events(self.app)
        return [(e["event"], e["user_id"], e["details"]) for e in stored if e["event"] in SHARING]


SHARING = {NOTE_SHARED, NOTE_UNSHARED}


@pytest.fixture
def shared(app: Flask) -> ApiNote:
    return share_scenario(app, ApiNote)


CHANGES = [
    pytest.param("POST", "{shares}", {"email": STRANGER, "access": WRITE}, id="share"),
    pytest.param("POST", "{shares}", {"email": READER, "access": WRITE}, id="raise-access"),
    pytest.param("DELETE", "{shares}/{reader}", None, id="remove-reader-share"),
    pytest.param("DELETE", "{shares}/{writer}", None, id="remove-writer-share"),
]
OWNER_ONLY = [pytest.param("GET", "{shares}", None, id="list"), *CHANGES]


@pytest.mark.parametrize(("method", "template", "payload"), OWNER_ONLY)
def test_stranger_gets_404_for_the_shares(shared, method, template, payload):
    """A user the note is not shared with gets 404 for its shares, learns nothing, changes
    nothing."""
    response = shared.call(method, shared.url(template), shared.token(STRANGER), payload)
    assert_json_error(response, 404)
    for secret in (TITLE, READER, WRITER):
        assert secret not in response.get_data(as_text=True)
    assert shared.share_state() == SHARES


@pytest.mark.parametrize("sharee", [READER, WRITER], ids=["reader", "writer"])
@pytest.mark.parametrize(("method", "template", "payload"), OWNER_ONLY)
def test_sharee_may_not_see_or_change_the_shares(shared, sharee, method, template, payload):
    """A read-only or read-write sharee gets 403 for listing, adding, changing or removing
    the note's shares; nothing changes."""
    response = shared.call(method, shared.url(template), shared.token(sharee), payload)
    assert_json_error(response, 403)
    assert shared.share_state() == SHARES


def test_owner_lists_the_shares(shared):
    """Control: the owner gets every share, with its id, the other user's email and access."""
    response = shared.call("GET", shared.shares, shared.token(OWNER))
    assert response.status_code == 200
    assert sorted(response.get_json()["items"], key=lambda item: item["id"]) == [
        {"id": shared.reader_share, "email": READER, "access": READ},
        {"id": shared.writer_share, "email": WRITER, "access": WRITE},
    ]


def test_read_share_lets_the_sharee_read_but_not_write(shared):
    """Once the owner shares read-only, the other user reads the note through the API and
    their change is refused (403)."""
    mallory = shared.token(STRANGER)
    note = f"/api/v1/notes/{shared.note_id}"
    assert_json_error(shared.call("GET", note, mallory), 404)
    payload = {"email": "Mallory@Example.org", "access": READ}
    response = shared.call("POST", shared.shares, shared.token(OWNER), payload)
    assert response.status_code == 200
    made = response.get_json()
    assert (made["email"], made["access"]) == (STRANGER, READ)
    assert shared.call("GET", note, mallory).get_json()["access"] == READ
    assert_json_error(shared.call("PATCH", note, mallory, {"body": "pwned"}), 403)
    assert stored_note(shared.app, shared.note_id) == (TITLE, BODY)


def test_sharing_again_changes_the_access_of_the_one_share(shared):
    """Sharing with Bob read-write raises his share (same id, 200): he may now edit."""
    payload = {"email": READER, "access": WRITE}
    response = shared.call("POST", shared.shares, shared.token(OWNER), payload)
    assert response.status_code == 200
    assert response.get_json() == {"id": shared.reader_share, "email": READER, "access": WRITE}
    assert shared.share_state() == [(READER, WRITE), (WRITER, WRITE)]
    edit = shared.call(
        "PATCH", f"/api/v1/notes/{shared.note_id}", shared.token(READER), {"body": "Bob's"}
    )
    assert edit.get_json()["access"] == WRITE
    assert stored_note(shared.app, shared.note_id) == (TITLE, "Bob's")


def test_removed_share_is_404_on_the_next_request(shared):
    """Once the owner removes a share (204), its user's next request for the note is 404."""
    bob = shared.token(READER)
    note = f"/api/v1/notes/{shared.note_id}"
    assert shared.call("GET", note, bob).status_code == 200
    removed = shared.call("DELETE", f"{shared.shares}/{shared.reader_share}", shared.token(OWNER))
    assert removed.status_code == 204
    assert removed.get_data() == b""
    assert_json_error(shared.call("GET", note, bob), 404)
    assert shared.share_state() == [(WRITER, WRITE)]


@pytest.mark.parametrize(("method", "template", "payload"), CHANGES)
def test_read_only_token_lists_but_cannot_change_the_shares(shared, method, template, payload):
    """The owner's read-only token lists the shares (a read) but cannot share, change or
    remove one (403); nothing changes."""
    token = shared.token(OWNER, ("read",))
    assert len(shared.call("GET", shared.shares, token).get_json()["items"]) == 2
    assert_json_error(shared.call(method, shared.url(template), token, payload), 403)
    assert shared.share_state() == SHARES


@pytest.mark.parametrize(
    ("method", "template", "payload"),
    [
        pytest.param("POST", "{shares}", {"email": STRANGER, "access": WRITE}, id="share"),
        pytest.param("DELETE", "{shares}/{reader}", None, id="remove"),
    ],
)
def test_cookie_request_without_csrf_token_is_refused(shared, method, template, payload):
    """A request riding on the owner's session cookie without the CSRF token header (as a
    cross-site form or script sends it) is refused (400); with the header it goes through."""
    client, csrf = api_login(shared.app, OWNER)
    path = shared.url(template)
    for headers in ({}, {"Origin": EVIL, "Referer": EVIL + "/"}):
        assert_json_error(client.open(path, method=method, json=payload, headers=headers), 400)
    assert shared.share_state() == SHARES
    response = client.open(path, method=method, json=payload, headers=csrf)
    assert response.status_code in {200, 204}
    assert shared.share_state() != SHARES


def test_token_shares_without_csrf_from_any_origin(shared):
    """Control: a bearer request needs no CSRF token (there is no cookie to ride on)."""
    payload = {"email": STRANGER, "access": READ}
    response = shared.call("POST", shared.shares, {**shared.token(OWNER), "Origin": EVIL}, payload)
    assert response.status_code == 200
    assert shared.share_state() == sorted([*SHARES, (STRANGER, READ)])


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        pytest.param("nobody@example.org", UNKNOWN_ACCOUNT, id="unknown"),
        pytest.param(OWNER, OWN_ADDRESS, id="self"),
        pytest.param("ALICE@example.org", OWN_ADDRESS, id="self-capitalised"),
    ],
)
def test_refused_share_is_422_with_the_reason(shared, email, reason):
    """A share with an address no account uses, or with the owner's own, answers 422 with the
    form's reason for the email field; nothing is shared or recorded."""
    payload = {"email": email, "access": WRITE}
    response = shared.call("POST", shared.shares, shared.token(OWNER), payload)
    assert assert_json_error(response, 422)["fields"] == {"email": [reason]}
    assert shared.share_state() == SHARES
    assert shared.events() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"email": STRANGER, "access": "admin"}, "access", id="unknown-access"),
        pytest.param({"email": STRANGER, "access": "owner"}, "access", id="owner-access"),
        pytest.param({"email": STRANGER}, "access", id="no-access"),
        pytest.param({"email": STRANGER, "access": None}, "access", id="null-access"),
        pytest.param({"access": READ}, "email", id="no-email"),
        pytest.param({"email": "not-an-address", "access": READ}, "email", id="malformed"),
        pytest.param({"email": "", "access": READ}, "email", id="empty"),
        pytest.param({"email": ["a@b.org"], "access": READ}, "email", id="email-list"),
        pytest.param({"email": "a" * 250 + "@example.org", "access": READ}, "email", id="too-long"),
        pytest.param(
            {"email": f"{READER}\r\nBcc: {STRANGER}", "access": READ},
            "email",
            id="header-injection",
        ),
        pytest.param({"email": "a\u0000@example.org", "access": READ}, "email", id="nul"),
        pytest.param(
            {"email": STRANGER, "access": READ, "user_id": 1}, "user_id", id="extra-user-id"
        ),
        pytest.param(
            {"email": STRANGER, "access": READ, "note_id": 99}, "note_id", id="extra-note-id"
        ),
    ],
)
def test_malformed_share_is_422_and_writes_nothing(shared, payload, field):
    """A body with a bad or missing access level or address, or an extra field, answers 422
    naming the field; nothing is shared or recorded."""
    response = shared.call("POST", shared.shares, shared.token(OWNER), payload)
    assert field in assert_json_error(response, 422)["fields"]
    assert shared.share_state() == SHARES
    assert shared.events() == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param('{"email": ', "application/json", 400, id="broken-json"),
        pytest.param(
            f"email={STRANGER}&access=write",
            "application/x-www-form-urlencoded",
            415,
            id="form-post",
        ),
        pytest.param("[]", "application/json", 422, id="array"),
    ],
)
def test_body_that_is_not_a_share_is_refused(shared, body, content_type, status):
    """A body that is not a JSON object is refused (400, 415 or 422) and shares nothing."""
    response = shared.app.test_client().post(
        shared.shares, data=body, content_type=content_type, headers=shared.token(OWNER)
    )
    assert_json_error(response, status)
    assert shared.share_state() == SHARES


def test_share_of_another_note_cannot_be_removed_through_ones_own(shared):
    """Naming Bob's share under another note, Mallory's or another of Alice's, is 404 and
    removes nothing."""
    mallorys = add_note(shared.app, shared.users[STRANGER], "Mine")
    alices_other = add_note(shared.app, shared.users[OWNER], "Other")
    for owner, note_id in ((STRANGER, mallorys), (OWNER, alices_other)):
        path = f"/api/v1/notes/{note_id}/shares/{shared.reader_share}"
        assert_json_error(shared.call("DELETE", path, shared.token(owner)), 404)
    assert shared.share_state() == SHARES


@pytest.mark.parametrize("share_id", ["999", "0", "99999999999999999999", "abc", "-1"])
def test_unknown_share_id_is_404(shared, share_id):
    """Removing a share that does not exist answers 404, never 500, and removes nothing."""
    path = f"{shared.shares}/{share_id}"
    assert_json_error(shared.call("DELETE", path, shared.token(OWNER)), 404)
    assert shared.share_state() == SHARES


def test_simultaneous_duplicate_share_is_409_and_one_row(shared, monkeypatch):
    """The request that loses a race to make the same share gets a JSON 409, never a 500 or a
    second share."""
    monkeypatch.setattr(sharing, "share_of", lambda note, user_id: None)  # the winner's row unseen
    payload = {"email": READER, "access": WRITE}
    error = assert_json_error(shared.call("POST", shared.shares, shared.token(OWNER), payload), 409)
    assert error["title"] == "Conflict"
    assert shared.share_state() == SHARES
    document = shared.app.test_client().get("/api/v1/openapi.json").get_json()
    post = next(path["post"] for url, path in document["paths"].items() if url.endswith("/shares"))
    assert "409" in post["responses"]


def test_sharing_is_audited_as_on_the_form(shared):
    """Sharing, changing and removing a share through the API record the form's events, with
    ids and access levels only; sharing again at the same level changes and records nothing."""
    alice = shared.token(OWNER)
    for access in (READ, WRITE, WRITE):
        payload = {"email": STRANGER, "access": access}
        assert shared.call("POST", shared.shares, alice, payload).status_code == 200
    items = shared.call("GET", shared.shares, alice).get_json()["items"]
    mallorys_share = next(item["id"] for item in items if item["email"] == STRANGER)
    assert shared.call("DELETE", f"{shared.shares}/{mallorys_share}", alice).status_code == 204
    who, note, mallory = shared.users[OWNER], shared.note_id, shared.users[STRANGER]
    shared_with = {"note_id": note, "shared_with": mallory}
    assert shared.events() == [
        (NOTE_SHARED, who, {**shared_with, "access": READ, "previous": None}),
        (NOTE_SHARED, who, {**shared_with, "access": WRITE, "previous": READ}),
        (NOTE_UNSHARED, who, {**shared_with, "access": WRITE}),
    ]
    assert TITLE not in repr(shared.events())
    assert BODY not in repr(shared.events())


def test_sharing_is_rate_limited_per_user(shared):
    """Probing addresses through the API is stopped with a JSON 429 after the share form's
    limit, counted per user: a new token does not reset it, another user is not slowed."""
    alice = shared.token(OWNER)
    for number in range(SHARES_PER_MINUTE):
        probe = {"email": f"probe{number}@example.org", "access": READ}
        assert shared.call("POST", shared.shares, alice, probe).status_code == 422
    real = {"email": STRANGER, "access": READ}
    refused = shared.call("POST", shared.shares, alice, real)
    assert_json_error(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert_json_error(shared.call("POST", shared.shares, shared.token(OWNER), real), 429)
    assert shared.share_state() == SHARES
    assert_json_error(shared.call("POST", shared.shares, shared.token(WRITER), real), 403)


def test_form_and_api_share_one_limit(shared):
    """Probing through the share form and the API at once gets no more tries than either."""
    alice = shared.token(OWNER)
    browser = as_user(shared.app, OWNER)
    form = f"/notes/{shared.note_id}/shares"
    for number in range(SHARES_PER_MINUTE):
        probe = {"email": f"probe{number}@example.org", "access": READ}
        if number % 2:
            assert shared.call("POST", shared.shares, alice, probe).status_code == 422
        else:
            assert post_with_token(browser, form, probe).status_code == 400
    real = {"email": STRANGER, "access": READ}
    assert_json_error(shared.call("POST", shared.shares, alice, real), 429)
    assert post_with_token(browser, form, real).status_code == 429
    assert shared.share_state() == SHARES
