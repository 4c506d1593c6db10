"""``flask bastion routes`` and ``flask bastion roles allow|deny|list``, on a real database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from flask_bastion import permission_required, state_for
from flask_bastion.audit.events import PERMISSION_ALLOWED, PERMISSION_DENIED
from reference_app.extensions import db


def _invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["bastion", *args])


def _granted(app: Flask, role: str) -> set[str]:
    with app.app_context():
        found = state_for(app).users.find_role(role)  # type: ignore[union-attr]
        return set() if found is None else {p.name for p in found.permissions}


def _events(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    table = state_for(app).users.db.metadata.tables["bastion_security_event"]  # type: ignore[union-attr]
    with app.app_context():
        rows = db.session.execute(table.select().order_by(table.c.id)).all()
        return [(row.event, row.details) for row in rows]


@pytest.fixture
def guarded_app(app_factory: Any) -> Flask:
    """The reference app with one view guarded by ``reports:read``."""
    app: Flask = app_factory()
    app.add_url_rule("/reports", "reports", permission_required("reports:read")(lambda: ""))
    return app


@pytest.mark.parametrize(
    ("rule", "methods", "access"),
    [
        pytest.param("/", "GET", "public", id="home"),
        pytest.param("/login", "GET, POST", "public", id="login"),
        pytest.param("/static/<path:filename>", "GET", "public", id="static"),
        pytest.param("/notes", "GET", "login", id="notes"),
        pytest.param("/account", "GET", "login", id="account"),
        pytest.param("/account/password", "GET, POST", "fresh login", id="fresh"),
        pytest.param("/admin/users", "GET", "roles: admin", id="admin"),
        pytest.param("/reports", "GET", "permissions: reports:read", id="permission"),
    ],
)
def test_routes_table_shows_each_guard(
    guarded_app: Flask, rule: str, methods: str, access: str
) -> None:
    """Each row gives the rule, its methods and what guards it, in aligned columns."""
    result = _invoke(guarded_app, "routes")
    assert result.exit_code == 0, result.output
    header, *lines = result.output.splitlines()
    assert header.split() == ["RULE", "METHODS", "ACCESS", "ENDPOINT"]
    line = next(row for row in lines if row.split()[0] == rule)
    assert f"  {methods} " in line
    assert f"  {access}  " in line


def test_routes_json_lists_every_endpoint(guarded_app: Flask) -> None:
    """``--json`` gives one object per endpoint, with the kind of access and the guards."""
    result = _invoke(guarded_app, "routes", "--json")
    routes = {route["endpoint"]: route for route in json.loads(result.output)}
    assert set(routes) == {rule.endpoint for rule in guarded_app.url_map.iter_rules()}
    assert routes["reports"] == {
        "endpoint": "reports",
        "rule": "/reports",
        "methods": ["GET"],
        "access": "permissions",
        "guards": ["permissions: reports:read"],
        "by_default": False,
    }
    assert routes["main.index"]["access"] == "public"
    assert (routes["bastion_admin.audit_log"]["access"], routes["admin.users"]["access"]) == (
        "roles",
        "roles",
    )


def test_routes_shows_views_guarded_by_the_default_alone(app_factory: Any) -> None:
    """An undecorated view reads ``login (by default)``, and ``NONE: anyone`` once opted out."""
    for deny, expected in ((True, "login (by default)"), (False, "NONE: anyone")):
        app = app_factory(BASTION_DENY_BY_DEFAULT=deny)
        app.add_url_rule("/forgotten", "forgotten", lambda: "")
        line = next(
            row for row in _invoke(app, "routes").output.splitlines() if "/forgotten" in row
        )
        assert expected in line


def test_allow_then_deny_a_permission(guarded_app: Flask) -> None:
    """``roles allow`` adds the permission to the role, ``roles deny`` removes it; both audited."""
    allowed = _invoke(guarded_app, "roles", "allow", "analyst", "reports:read")
    assert allowed.exit_code == 0, allowed.output
    assert _granted(guarded_app, "analyst") == {"reports:read"}
    assert "analyst\treports:read" in _invoke(guarded_app, "roles", "list").output
    denied = _invoke(guarded_app, "roles", "deny", "analyst", "reports:read")
    assert denied.exit_code == 0, denied.output
    assert _granted(guarded_app, "analyst") == set()
    details = {"role": "analyst", "permission": "reports:read", "via": "cli"}
    assert _events(guarded_app) == [(PERMISSION_ALLOWED, details), (PERMISSION_DENIED, details)]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("reports:reed", id="typo"),
        pytest.param("Reports:Read", id="upper-case"),
        pytest.param("reports read", id="space"),
    ],
)
def test_allow_refuses_an_unknown_permission(guarded_app: Flask, name: str) -> None:
    """A permission no view requires and none stored is refused (a typo would grant nothing)."""
    result = _invoke(guarded_app, "roles", "allow", "analyst", name)
    assert result.exit_code == 1
    assert _granted(guarded_app, "analyst") == set()


def test_allow_new_accepts_a_permission_no_view_names_yet(guarded_app: Flask) -> None:
    """``--new`` stores a permission that only a template checks, say."""
    result = _invoke(guarded_app, "roles", "allow", "analyst", "reports:export", "--new")
    assert result.exit_code == 0, result.output
    assert _granted(guarded_app, "analyst") == {"reports:export"}
    again = _invoke(guarded_app, "roles", "allow", "auditor", "reports:export")
    assert again.exit_code == 0, again.output


def test_deny_on_an_unknown_role_fails(guarded_app: Flask) -> None:
    """``roles deny`` on a role that does not exist says so and exits 1."""
    result = _invoke(guarded_app, "roles", "deny", "nobody", "reports:read")
    assert result.exit_code == 1
    assert "No role is called nobody" in result.output
