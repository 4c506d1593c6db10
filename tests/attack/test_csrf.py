"""Cross-site request forgery: forged, foreign or token-less state changes are refused.

Each attack posts to one of the app's state-changing endpoints (log in, write a note, log out,
delete a note) and then checks, in the database or the session, that nothing happened.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from reference_app.extensions import db
from reference_app.models import Note
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import csrf_token_in, form_token

VICTIM = "victim@example.org"
FORGED_TITLE = "written by another site"


@dataclass
class World:
    """The victim's app, browser and note, plus the attacker's own browser."""

    app: Flask
    client: Any
    note_id: int


@dataclass(frozen=True)
class Action:
    """One state-changing POST and how to tell whether it took effect."""

    logged_in: bool
    path: Callable[[World], str]
    fields: dict[str, str]
    happened: Callable[[World], bool]


def _logged_in(world: World) -> bool:
    return bool(world.client.get("/notes").status_code == 200)


def _forged_note_stored(world: World) -> bool:
    with world.app.app_context():
        query = select(func.count()).select_from(Note).where(Note.title == FORGED_TITLE)
        return bool(db.session.scalar(query))


def _note_gone(world: World) -> bool:
    with world.app.app_context():
        return db.session.get(Note, world.note_id) is None


ACTIONS = {
    "login": Action(
        False,
        lambda w: "/login",
        {"email": VICTIM, "password": GOOD_PASSWORD},
        _logged_in,
    ),
    "new-note": Action(
        True, lambda w: "/notes/new", {"title": FORGED_TITLE, "body": "x"}, _forged_note_stored
    ),
    "logout": Action(True, lambda w: "/logout", {}, lambda w: not _logged_in(w)),
    "delete-note": Action(True, lambda w: f"/notes/{w.note_id}/delete", {}, _note_gone),
}
BAD_TOKENS = {
    "missing": None,
    "empty": "",
    "garbage": "forged-token",
    "unsigned": "ImFhYWFhIg.ZZZZZZ.ZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
}
FOREIGN_ORIGINS = {
    "other-site": "https://evil.example",
    "lookalike-host": "https://localhost.evil.example",
    "plain-http": "http://localhost",
    "other-port": "https://localhost:8443",
    "opaque-null": "null",
}
FOREIGN_REFERERS = {
    "other-site": "https://evil.example/form.html",
    "lookalike-host": "https://localhost.evil.example/",
    "plain-http": "http://localhost/notes",
}


#: What a browser sends with a form that another site auto-submits.
CROSS_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def make_world(app: Flask, logged_in: bool) -> World:
    """A user with one note; logged in (holding a CSRF session token) when asked."""
    user_id = create_user(app, VICTIM)
    with app.app_context():
        note = Note(owner_id=user_id, title="keep me", body="")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    client = app.test_client()
    if logged_in:
        assert login(client, VICTIM).status_code == 302
    client.get("/notes" if logged_in else "/login")
    return World(app, client, note_id)


def valid_token(world: World) -> str:
    """A token of the victim's own session, as a page of the app would embed it."""
    return form_token(world.client, "/notes/new" if _logged_in(world) else "/login")


def attempt(world: World, action: Action, token: str | None, **headers: Any) -> Any:
    """Post ``action`` with ``token`` (left out when ``None``) and the given headers."""
    data = dict(action.fields)
    if token is not None:
        data["csrf_token"] = token
    return world.client.post(action.path(world), data=data, headers=headers or None)


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
@pytest.mark.parametrize("name", ACTIONS)
def test_post_without_valid_token_is_refused(app, name, token):
    """A POST without a valid CSRF token answers 400 and changes nothing."""
    action = ACTIONS[name]
    world = make_world(app, action.logged_in)
    response = attempt(world, action, token)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert not action.happened(world)


@pytest.mark.parametrize("path", ["/notes/new", "/logout", "/account/password"])
def test_cross_site_post_sets_and_clears_no_cookie(app, path):
    """A cross-site form reaches the app without the user's ``SameSite`` cookies; its refusal
    must neither set a session cookie nor clear the remember cookie, either of which would
    replace or delete the user's own in the browser and log them out from any site."""
    create_user(app, VICTIM)
    stranger = app.test_client()  # the victim's browser, its Lax cookies left out
    response = stranger.post(path, data={"title": "forged"}, headers=CROSS_SITE)
    assert response.status_code == 400
    assert response.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("name", ACTIONS)
def test_token_of_another_session_is_refused(app, name):
    """A token taken from the attacker's own session answers 400 and changes nothing."""
    action = ACTIONS[name]
    world = make_world(app, action.logged_in)
    attacker = app.test_client()
    create_user(app, "attacker@example.org")
    login(attacker, "attacker@example.org")
    stolen = csrf_token_in(attacker.get("/notes/new").get_data(as_text=True))
    response = attempt(world, action, stolen)
    assert response.status_code == 400
    assert not action.happened(world)


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS.values(), ids=FOREIGN_ORIGINS.keys())
@pytest.mark.parametrize("name", ["new-note", "logout"])
def test_valid_token_from_foreign_origin_is_refused(app, name, origin):
    """A valid token sent from another origin (or an opaque ``null`` one) answers 400."""
    action = ACTIONS[name]
    world = make_world(app, action.logged_in)
    response = attempt(world, action, valid_token(world), Origin=origin)
    assert response.status_code == 400
    assert not action.happened(world)


def test_cross_site_fetch_metadata_is_refused(app):
    """``Sec-Fetch-Site: cross-site`` answers 400 even with a valid token and same Origin."""
    world = make_world(app, logged_in=True)
    action = ACTIONS["new-note"]
    response = attempt(world, action, valid_token(world), **{"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 400
    assert not action.happened(world)


def test_https_post_without_origin_or_referer_is_refused(app):
    """On HTTPS a POST that names no source at all (no Origin, no Referer) answers 400."""
    world = make_world(app, logged_in=True)
    action = ACTIONS["new-note"]
    response = attempt(world, action, valid_token(world), Origin=None, Referer=None)
    assert response.status_code == 400
    assert not action.happened(world)


@pytest.mark.parametrize("referer", FOREIGN_REFERERS.values(), ids=FOREIGN_REFERERS.keys())
def test_https_referer_from_another_host_is_refused(app, referer):
    """On HTTPS, without an Origin, a Referer from another host answers 400."""
    world = make_world(app, logged_in=True)
    action = ACTIONS["new-note"]
    response = attempt(world, action, valid_token(world), Origin=None, Referer=referer)
    assert response.status_code == 400
    assert not action.happened(world)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example"}, {"Origin": None, "Referer": None}],
    ids=["no-token", "foreign-origin", "no-referer"],
)
def test_refusal_page_says_reload_and_hides_internals(app, headers):
    """The 400 page asks the user to reload and shows no traceback or library detail."""
    world = make_world(app, logged_in=True)
    token = None if not headers else valid_token(world)
    response = attempt(world, ACTIONS["new-note"], token, **headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "expired" in page
    assert "Reload" in page
    for internal in ("Traceback", "CSRFError", "flask_wtf", "token is missing", "referrer"):
        assert internal not in page


def test_json_client_gets_json_error(app):
    """An API client (``Accept: application/json``) gets the refusal as a JSON body."""
    world = make_world(app, logged_in=True)
    response = attempt(world, ACTIONS["new-note"], None, Accept="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert "expired" in error["message"]
    assert not _forged_note_stored(world)


@pytest.mark.parametrize("name", ["delete-note", "logout"])
def test_token_in_header_works_for_same_origin_script(app, name):
    """A same-origin script that sends the page's meta token in ``X-CSRFToken`` succeeds."""
    action = ACTIONS[name]
    world = make_world(app, logged_in=True)
    page = world.client.get("/notes").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert meta is not None
    response = attempt(world, action, None, **{"X-CSRFToken": meta.group(1)})
    assert response.status_code == 302
    assert action.happened(world)


@pytest.mark.parametrize("name", ACTIONS)
def test_same_origin_post_with_token_succeeds(app, name):
    """Control: the app's own form, with its token, from its own origin, takes effect."""
    action = ACTIONS[name]
    world = make_world(app, action.logged_in)
    response = attempt(world, action, valid_token(world))
    assert response.status_code == 302
    assert action.happened(world)


TRUSTED = "https://forms.example.org"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": TRUSTED, "Referer": TRUSTED + "/embed"}, {"Origin": None, "Referer": TRUSTED}],
    ids=["origin-and-referer", "referer-only"],
)
def test_trusted_origin_is_allowed(app_factory, headers):
    """An origin listed in ``BASTION_TRUSTED_ORIGINS`` may post with a valid token."""
    world = make_world(app_factory(BASTION_TRUSTED_ORIGINS=[TRUSTED]), logged_in=True)
    response = attempt(world, ACTIONS["new-note"], valid_token(world), **headers)
    assert response.status_code == 302
    assert _forged_note_stored(world)


def test_trusted_origins_do_not_admit_others(app_factory):
    """With trusted origins configured, an unlisted origin is still refused with 400."""
    world = make_world(app_factory(BASTION_TRUSTED_ORIGINS=[TRUSTED]), logged_in=True)
    response = attempt(
        world,
        ACTIONS["new-note"],
        valid_token(world),
        Origin="https://evil.example",
        Referer="https://evil.example/",
    )
    assert response.status_code == 400
    assert not _forged_note_stored(world)


def test_exempt_view_marked_at_import_time_takes_tokenless_posts(app_factory: Any) -> None:
    """A view marked with csrf_exempt before any app exists accepts a POST without a token,
    while an unmarked twin keeps refusing it."""
    from flask_bastion import csrf_exempt, public

    @csrf_exempt
    def webhook() -> str:
        return "accepted"

    def unmarked() -> str:
        return "accepted"

    app = app_factory()
    app.add_url_rule("/hook", view_func=public(webhook), methods=["POST"])
    app.add_url_rule("/unmarked", view_func=public(unmarked), methods=["POST"])
    client = app.test_client()
    assert client.post("/hook").status_code == 200
    assert client.post("/unmarked").status_code == 400
