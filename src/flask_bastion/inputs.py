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
#: Bodies whose fields Werkzeug parses into ``request.form``.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def init_inputs(app: Flask) -> None:
    """Refuse requests whose query or form values contain a NUL character (after the HTTPS
    check, before CSRF and rate limits)."""
    run_first(app, refuse_nul_characters)


def refuse_nul_characters() -> None:
    """Raise :class:`NulCharacterRefused` when the query string or any form value holds a NUL.

    The query string is searched as sent: a NUL can only reach a decoded name or value as
    ``%00`` (or as a raw NUL byte), so a request that only reads its path never pays for
    parsing a query it does not use.
    """
    query = request.query_string
    if b"%00" in query or b"\x00" in query:
        raise NulCharacterRefused()
    if request.mimetype in FORM_TYPES and any(NUL in value for value in request.form.values()):
        raise NulCharacterRefused()
