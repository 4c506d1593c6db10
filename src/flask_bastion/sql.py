"""Helpers for SQL built with SQLAlchemy's bound parameters."""

from __future__ import annotations

from typing import Final

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
