"""Templates reach ``current_user`` through Flask-Login's proxy, loaded only when read."""

from __future__ import annotations

from flask import Flask, g, render_template_string


def test_the_user_is_loaded_only_by_a_template_that_reads_it(app: Flask) -> None:
    """A page that never shows the user costs no user lookup; one that does still sees it."""
    with app.test_request_context("/"):
        assert render_template_string("<p>{{ 1 + 1 }}</p>") == "<p>2</p>"
        assert "_login_user" not in g
        assert render_template_string("{{ current_user.is_authenticated }}") == "False"
        assert "_login_user" in g
