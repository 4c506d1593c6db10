"""Helpers for SQL built with SQLAlchemy's bound parameters, and for Flask-Bastion's own writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from flask import g, has_app_context
from sqlalchemy.engine import Connection, Engine

LIKE_ESCAPE: Final = "\\"


def escape_like(term: str) -> str:
    """Escape ``%``, ``_`` and the escape character so a search term matches literally.

    Bound parameters already stop SQL injection; this stops a different abuse, where a search
    for ``%`` matches everything or a pattern like ``%_%_%_%`` makes the database work hard.
    Use with ``column.ilike(f"%{escape_like(term)}%", escape=LIKE_ESCAPE)``.
    """
    return (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


#: Where the connection of an open :func:`one_commit` block is kept, in ``flask.g``.
_ONE_COMMIT = "_bastion_one_commit"


@contextmanager
def committed(engine: Engine) -> Iterator[Connection]:
    """A connection whose writes are committed when the block ends, whatever then becomes of
    the request's own ORM session (security records must stick even if the request fails).

    Within :func:`one_commit` on the same engine it is that block's connection, and the
    writes are committed with the others, at the end of that block.
    """
    shared = g.get(_ONE_COMMIT) if has_app_context() else None
    if shared is not None and shared.engine is engine:
        yield shared
        return
    with engine.begin() as connection:
        yield connection


@contextmanager
def one_commit(engine: Engine) -> Iterator[None]:
    """Commit the writes that :func:`committed` makes in this block together, in one
    transaction: a login's session record and its audit event cost one commit, not two, and
    neither is ever stored without the other."""
    with engine.begin() as connection:
        setattr(g, _ONE_COMMIT, connection)
        try:
            yield
        finally:
            g.pop(_ONE_COMMIT, None)
