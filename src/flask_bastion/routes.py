"""``flask bastion routes``: every endpoint, its rule and methods, and what guards it.

A team reviews its attack surface at a glance: which pages anyone may open (``public``), which
need a login (explicitly, or by deny-by-default), a role or a permission, and which, in an app
that opted out of deny-by-default, nothing guards at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from flask_bastion.authz import Guard, denies_by_default, guards_of, is_public
from flask_bastion.check.wiring import decorated_with_login

Access = Literal["public", "login", "roles", "permissions", "none"]
#: Methods every GET route answers implicitly: not worth a column of their own.
IMPLICIT_METHODS: Final = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Route:
    """One endpoint of the app, with what a visitor needs to reach it."""

    endpoint: str
    rule: str
    methods: tuple[str, ...]
    access: Access
    guards: tuple[Guard, ...] = ()
    #: Guarded by deny-by-default alone (no decorator of its own).
    by_default: bool = False

    @property
    def summary(self) -> str:
        """The access in words, such as ``roles: admin`` or ``login (by default)``."""
        if self.guards:
            return "; ".join(str(guard) for guard in self.guards)
        if self.access == "login":
            return "login (by default)" if self.by_default else "login"
        return "NONE: anyone" if self.access == "none" else self.access

    def as_dict(self) -> dict[str, Any]:
        """The route as JSON data."""
        return {
            "endpoint": self.endpoint,
            "rule": self.rule,
            "methods": list(self.methods),
            "access": self.access,
            "guards": [str(guard) for guard in self.guards],
            "by_default": self.by_default,
        }


def list_routes(app: Flask) -> list[Route]:
    """Every route of ``app``, sorted by rule."""
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
    return [
        describe(
            app,
            rule.endpoint,
            tuple(sorted((rule.methods or set()) - IMPLICIT_METHODS)),
            rule.rule,
        )
        for rule in rules
    ]


def describe(app: Flask, endpoint: str, methods: tuple[str, ...], rule: str = "") -> Route:
    """What guards ``endpoint``: its decorators first, then its public mark, then the default."""
    view = app.view_functions.get(endpoint)
    guards = guards_of(view)
    if guards:
        return Route(endpoint, rule, methods, _strongest(guards), guards)
    if is_public(app, endpoint):
        return Route(endpoint, rule, methods, "public")
    if view is not None and decorated_with_login(app, endpoint, view):
        return Route(endpoint, rule, methods, "login")
    if denies_by_default(app):
        return Route(endpoint, rule, methods, "login", by_default=True)
    return Route(endpoint, rule, methods, "none")


def declared_permissions(app: Flask) -> set[str]:
    """The permission names that the guards of ``app``'s views require."""
    return {
        name
        for view in app.view_functions.values()
        for guard in guards_of(view)
        if guard.kind == "permissions"
        for name in guard.names
    }


def format_table(routes: list[Route]) -> str:
    """The routes as an aligned text table."""
    rows = [("RULE", "METHODS", "ACCESS", "ENDPOINT")]
    rows += [(r.rule, ", ".join(r.methods), r.summary, r.endpoint) for r in routes]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]])
        for row in rows
    )


@click.command("routes")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def routes_command(as_json: bool) -> None:
    """List every endpoint with its rule, methods and what guards it."""
    routes = list_routes(current_app)
    if as_json:
        click.echo(json.dumps([route.as_dict() for route in routes], indent=2))
    else:
        click.echo(format_table(routes))


def _strongest(guards: tuple[Guard, ...]) -> Access:
    kinds = {guard.kind for guard in guards}
    if "permissions" in kinds:
        return "permissions"
    return "roles" if "roles" in kinds else "login"
