"""Permissions: a role grants named permissions, read from the database on every request.

A user reaches a ``permission_required`` view only while one of their roles grants the
permission: taking it from the role, or the role from the user, denies the very next request
of a live session. A permission name that nothing grants, or a malformed one, never opens a
view.
"""

from __future__ import annotations

import pytest
from flask import render_template_string

from flask_bastion import permission_required, state_for
from flask_bastion.exceptions import ConfigurationError
from reference_app.extensions import db
from tests.support.accounts import create_user, login
from tests.support.two_factor import login_admin

REPORT = "quarterly figures"


@pytest.fixture
def reports_app(app_factory):
    """The reference app with a report guarded by ``reports:read`` and a page using the helper."""
    app = app_factory()
    app.add_url_rule("/reports", "reports", permission_required("reports:read")(lambda: REPORT))
    app.add_url_rule(
        "/reports/menu",
        "menu",
        lambda: render_template_string("{{ has_permission('reports:read') }}"),
    )
    app.add_url_rule("/purge", "purge", permission_required("data:purge")(lambda: "purged"))
    return app


def allow(app, role: str, permission: str) -> None:
    """Let ``role`` grant ``permission``, as an admin would."""
    users = state_for(app).users
    with app.app_context():
        users.allow(users.find_or_create_role(role), permission)
        db.session.commit()


def deny(app, role: str, permission: str) -> None:
    """Stop ``role`` granting ``permission``."""
    users = state_for(app).users
    with app.app_context():
        users.deny(users.find_role(role), permission)
        db.session.commit()


@pytest.fixture
def analyst(reports_app):
    """A client logged in as a user whose ``analyst`` role grants ``reports:read``."""
    allow(reports_app, "analyst", "reports:read")
    create_user(reports_app, "ana@example.org", roles=("analyst",))
    client = reports_app.test_client()
    assert login(client, "ana@example.org").status_code == 302
    return client


def test_role_granting_the_permission_reaches_the_view(analyst):
    """A user whose role grants the permission gets the page, and the helper says so."""
    assert analyst.get("/reports").get_data(as_text=True) == REPORT
    assert analyst.get("/reports/menu").get_data(as_text=True) == "True"


def test_user_without_the_permission_is_forbidden(reports_app):
    """A logged-in user whose roles grant nothing gets 403, and the helper says False."""
    create_user(reports_app, "bob@example.org", roles=("staff",))
    client = reports_app.test_client()
    login(client, "bob@example.org")
    response = client.get("/reports")
    assert response.status_code == 403
    assert REPORT not in response.get_data(as_text=True)
    assert client.get("/reports/menu").get_data(as_text=True) == "False"


def test_permission_removed_from_the_role_is_gone_on_the_next_request(reports_app, analyst):
    """Taking the permission from the role mid-session denies the very next request."""
    assert analyst.get("/reports").status_code == 200
    deny(reports_app, "analyst", "reports:read")
    assert analyst.get("/reports").status_code == 403
    assert analyst.get("/reports/menu").get_data(as_text=True) == "False"


def test_role_removed_from_the_user_takes_its_permissions_with_it(reports_app, analyst):
    """Taking the role from the user mid-session denies the very next request."""
    users = state_for(reports_app).users
    with reports_app.app_context():
        users.revoke(users.find_by_email("ana@example.org"), "analyst")
        db.session.commit()
    assert analyst.get("/reports").status_code == 403


def test_permission_granted_mid_session_works_on_the_next_request(reports_app, analyst):
    """A permission added to the role is held from the next request, with no new login."""
    assert analyst.get("/purge").status_code == 403
    allow(reports_app, "analyst", "data:purge")
    assert analyst.get("/purge").get_data(as_text=True) == "purged"


def test_permission_nobody_grants_is_refused_even_to_admins(reports_app):
    """No role is a wildcard: an admin without ``data:purge`` gets 403 on the view needing it."""
    allow(reports_app, "admin", "reports:read")
    client = reports_app.test_client()
    login_admin(reports_app, client, "root@example.org")
    assert client.get("/reports").status_code == 200
    assert client.get("/purge").status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(reports_app):
    """An anonymous visitor of a permission-guarded view is sent to the login page."""
    response = reports_app.test_client().get("/reports")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("Reports:Read", id="upper-case"),
        pytest.param("reports read", id="space"),
        pytest.param("reports:", id="trailing-colon"),
        pytest.param("*", id="wildcard"),
        pytest.param("a" * 81, id="too-long"),
    ],
)
def test_malformed_permission_name_is_refused_at_import(name):
    """A malformed permission name stops the decorator rather than guarding with nothing."""
    with pytest.raises(ConfigurationError, match="permission name"):
        permission_required(name)


def test_guard_without_a_name_is_refused():
    """permission_required() with nothing to require would admit every user: it raises."""
    with pytest.raises(ConfigurationError, match="at least one"):
        permission_required()
