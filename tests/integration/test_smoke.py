"""The reference app's main path works end to end through the test client."""

from __future__ import annotations

from tests.support.accounts import register
from tests.support.client import csrf_token_in


def test_register_write_and_read_a_note(client):
    """A new user registers, writes a Markdown note and reads it back rendered."""
    assert register(client, "ada@example.org").status_code == 302
    token = csrf_token_in(client.get("/notes/new").get_data(as_text=True))
    response = client.post(
        "/notes/new", data={"title": "First", "body": "**bold**", "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>bold</strong>" in page
