"""Request input that no database can store is refused up front with a clear 400.

PostgreSQL cannot hold a NUL character in text: a NUL in any form field or query parameter
would otherwise travel into a query and come back as a 500, on whichever form its author
forgot to guard. Refusing it once, for every request, keeps each form's code free of the check.
"""

from __future__ import annotations

from flask import Flask, request

from flask_bastion.exceptions import NulCharacterRefused
from flask_bastion.transport import run_first

NUL = "\x00"


def init_inputs(app: Flask) -> None:
    """Refuse requests whose query or form values contain a NUL character (after the HTTPS
    check, before CSRF and rate limits)."""
    run_first(app, refuse_nul_characters)


def refuse_nul_characters() -> None:
    """Raise :class:`NulCharacterRefused` when any query or form value holds a NUL."""
    values = list(request.args.values())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values.extend(request.form.values())
    if any(NUL in value for value in values):
        raise NulCharacterRefused()
