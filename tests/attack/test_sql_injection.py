"""SQL injection: hostile strings in search and login are data, never SQL.

Every query uses bound parameters, and search escapes the LIKE wildcards, so an injection string
finds only the searcher's own notes that contain it as typed, the tables survive, and nothing
answers 500. Another user's note holds every injection string literally, so a leak would show.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from flask_bastion.auth.forms import INVALID_CREDENTIALS
from reference_app.extensions import User, db
from reference_app.models import Note
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import form_token

OWN_TITLES = [
    "100% sure",
    "1000 reasons",
    "snake_case",
    "snakeXcase",
    "back\\slash",
    "O'Brien's plan",
    "Crème brûlée",
    "plain",
]
#: The other user's note contains every attack string below, so any leak across users shows.
OTHER_TITLE = "intruder ' OR '1'='1 %' -- '; DROP TABLE note; -- \\ _ % brûlée"
_RESULT = re.compile(r'<li class="card"><a href="/notes/\d+"><strong>(.*?)</strong>')

INJECTIONS = [
    pytest.param("' OR '1'='1", [], id="or-true"),
    pytest.param("' OR 1=1 --", [], id="or-true-comment"),
    pytest.param("%' --", [], id="wildcard-comment"),
    pytest.param("'; DROP TABLE note; --", [], id="drop-table"),
    pytest.param("') UNION SELECT id, email FROM bastion_user --", [], id="union-select"),
    pytest.param('" OR ""="', [], id="double-quotes"),
    pytest.param("\\", ["back\\slash"], id="backslash"),
    pytest.param("\\'", [], id="escaped-quote"),
    pytest.param("'", ["O'Brien's plan"], id="single-quote"),
    pytest.param("brûlée", ["Crème brûlée"], id="unicode"),
    pytest.param("\uff07 OR \uff11=\uff11", [], id="fullwidth-quote"),
]

WILDCARDS = [
    pytest.param("%", ["100% sure"], id="percent-is-literal"),
    pytest.param("_", ["snake_case"], id="underscore-is-literal"),
    pytest.param("snake_case", ["snake_case"], id="underscore-in-word"),
    pytest.param("100%", ["100% sure"], id="percent-in-word"),
    pytest.param("%%", [], id="only-wildcards"),
]


def add_note(app, owner_id: int, title: str) -> None:
    """Store a note directly."""
    with app.app_context():
        db.session.add(Note(owner_id=owner_id, title=title, body=""))
        db.session.commit()


def row_counts(app) -> tuple[int, int]:
    """How many notes and users the database holds."""
    with app.app_context():
        notes = db.session.scalar(select(func.count()).select_from(Note))
        users = db.session.scalar(select(func.count()).select_from(User))
        return notes, users


def result_titles(html: str) -> list[str]:
    """The note titles a search page lists."""
    return sorted(unescape(title) for title in _RESULT.findall(html))


@pytest.fixture
def searcher(app, client):
    """A logged-in user with their own notes, beside another user's note."""
    owner = create_user(app, "owner@example.org")
    other = create_user(app, "other@example.org")
    for title in OWN_TITLES:
        add_note(app, owner, title)
    add_note(app, other, OTHER_TITLE)
    assert login(client, "owner@example.org").status_code == 302
    return client


@pytest.mark.parametrize(("term", "expected"), INJECTIONS + WILDCARDS)
def test_search_matches_the_term_literally_among_own_notes(app, searcher, term, expected):
    """An injection or wildcard string lists only the user's own notes that contain it."""
    before = row_counts(app)
    response = searcher.get("/search", query_string={"q": term})
    assert response.status_code == 200
    assert result_titles(response.get_data(as_text=True)) == sorted(expected)
    assert row_counts(app) == before == (len(OWN_TITLES) + 1, 2)


def test_search_control_finds_own_notes(searcher):
    """A plain term lists every own note containing it (the matcher works at all)."""
    response = searcher.get("/search", query_string={"q": "snake"})
    assert result_titles(response.get_data(as_text=True)) == ["snakeXcase", "snake_case"]


@pytest.mark.parametrize(
    "length", [pytest.param(201, id="201-chars"), pytest.param(5000, id="5000-chars")]
)
def test_overlong_search_is_a_clear_400(searcher, length):
    """A search term over 200 characters is refused with 400 and a message, not a 500."""
    response = searcher.get("/search", query_string={"q": "%_" * (length // 2) + "x"[: length % 2]})
    assert response.status_code == 400
    assert "cannot be longer than 200 characters" in response.get_data(as_text=True)


def test_search_of_200_characters_is_accepted(searcher):
    """The longest allowed search term still works."""
    assert searcher.get("/search", query_string={"q": "x" * 200}).status_code == 200


@pytest.mark.parametrize("term", ["\x00", "plain\x00' OR '1'='1"], ids=["nul", "nul-in-injection"])
def test_nul_byte_in_search_is_a_clear_400(searcher, term):
    """A NUL byte, which PostgreSQL cannot hold in text, is refused with 400, not a 500."""
    response = searcher.get("/search", query_string={"q": term})
    assert response.status_code == 400
    assert "null character" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["title", "body"])
def test_nul_byte_in_a_note_is_a_clear_400(app, searcher, field):
    """A note with a NUL byte is refused with 400 and stored nowhere, on every database."""
    before = row_counts(app)
    token = form_token(searcher, "/notes/new")
    data = {"title": "title", "body": "body", "csrf_token": token, field: "a\x00b"}
    response = searcher.post("/notes/new", data=data)
    assert response.status_code == 400
    assert "null character" in response.get_data(as_text=True)
    assert row_counts(app) == before


LOGIN_INJECTIONS = [
    pytest.param("' OR '1'='1", "' OR '1'='1", id="or-true-both"),
    pytest.param("victim@example.org' --", "anything", id="comment-out-password"),
    pytest.param("victim@example.org", "' OR '1'='1", id="or-true-password"),
    pytest.param('" OR ""="', '" OR ""="', id="double-quotes"),
    pytest.param("' UNION SELECT 1, 'x' --", "x", id="union-select"),
    pytest.param("%", GOOD_PASSWORD, id="percent-email"),
    pytest.param("_ictim@example.org", GOOD_PASSWORD, id="underscore-email"),
    pytest.param("victim@example.org'; DROP TABLE bastion_user; --", "x", id="drop-table"),
    pytest.param("victim@example.org\\", GOOD_PASSWORD, id="backslash"),
]


@pytest.mark.parametrize(("email", "password"), LOGIN_INJECTIONS)
def test_injection_in_login_fails_to_log_in(app, client, email, password):
    """An injection string as email or password is refused like any wrong credential."""
    create_user(app, "victim@example.org")
    response = login(client, email, password)
    assert response.status_code == 400
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert client.get("/notes").status_code == 302
    assert row_counts(app) == (0, 1)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("victim@example.org\x00", GOOD_PASSWORD, id="nul-in-email"),
        pytest.param("victim@example.org", GOOD_PASSWORD + "\x00", id="nul-in-password"),
    ],
)
def test_nul_byte_in_login_fails_to_log_in(app, client, email, password):
    """A NUL byte in the login form is refused with a clear 400, never a 500 or a login."""
    create_user(app, "victim@example.org")
    response = login(client, email, password)
    assert response.status_code == 400
    assert "null character" in response.get_data(as_text=True)
    assert client.get("/notes").status_code == 302


def test_nul_byte_in_a_query_parameter_name_is_a_clear_400(searcher):
    """A NUL in a parameter's name is refused like one in its value."""
    response = searcher.get("/search?q=x&a%00b=1")
    assert response.status_code == 400
    assert "null character" in response.get_data(as_text=True)
