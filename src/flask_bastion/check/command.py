"""``flask bastion check`` and ``python -m flask_bastion.check``: the audit's command line.

Exit status: 0 when no finding reaches ``--fail-on`` (``high`` by default), 1 when one does,
2 for a usage error. Silenced findings never fail a build but are counted in the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from flask_bastion.check.registry import Severity
from flask_bastion.check.runner import Report, Target, audit

FORMATS = ("text", "json", "sarif")
MODES = ("config", "source", "url")


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path)),
        click.option("--url", help="Also check this live URL (safe requests only)."),
        click.option(
            "--http-url",
            help="Plain-HTTP URL to test the redirect (default: --url with http:// on port 80).",
        ),
        click.option(
            "--cafile",
            type=click.Path(exists=True, dir_okay=False),
            help="CA bundle to trust for --url (a private or test certificate).",
        ),
        click.option(
            "--only",
            "only",
            multiple=True,
            type=click.Choice(MODES),
            help="Run only this mode; repeat for several (default: all available).",
        ),
        click.option(
            "--format", "output", type=click.Choice(FORMATS), default="text", show_default=True
        ),
        click.option(
            "--fail-on",
            type=click.Choice(["high", "medium", "low"]),
            default="high",
            show_default=True,
            help="Exit 1 when a finding is at least this severe.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="ID[:GLOB]",
            help="Silence a check id (in files matching GLOB); repeatable.",
        ),
        click.option("--no-bandit", is_flag=True, help="Skip bandit's generic Python checks."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@click.command("check")
@_options
@with_appcontext
def check_command(**options: Any) -> None:
    """Audit this app: settings and wiring, source code (the app's folder and PATHS), and
    --url. Exits 1 when a finding reaches --fail-on."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _run(app, [Path(app.root_path), *options.pop("paths")], **options)


@click.command("check")
@_options
def main(**options: Any) -> None:
    """Audit the source code under PATHS (and a live --url), without importing an app."""
    paths = options.pop("paths") or (() if options["url"] else (Path.cwd(),))
    _run(None, list(paths), **options)


def _run(
    app: Flask | None,
    paths: list[Path],
    *,
    only: tuple[str, ...],
    output: str,
    fail_on: str,
    no_bandit: bool,
    **options: Any,
) -> None:
    wanted = set(only or MODES)
    target = Target(
        app=app if "config" in wanted else None,
        paths=paths if "source" in wanted else (),
        url=options["url"] if "url" in wanted else None,
        http_url=options["http_url"],
        cafile=options["cafile"],
        bandit=not no_bandit,
        ignore=options["ignore"],
    )
    report = audit(target)
    click.echo(render(report, output), nl=False)
    if report.fails(Severity(fail_on)):
        raise SystemExit(1)


def render(report: Report, output: str) -> str:
    """The report in ``output`` format: ``text``, ``json`` or ``sarif``."""
    from flask_bastion.check import report as formats
    from flask_bastion.check import sarif

    if output == "json":
        return formats.as_json(report)
    if output == "sarif":
        return sarif.as_sarif(report)
    return formats.as_text(report)
