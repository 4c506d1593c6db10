"""The note queries the pages and the API share, so a list or a search cannot differ between
them: the newest first, and a search that matches its term literally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.orm import selectinload

from flask_bastion import LIKE_ESCAPE, escape_like
from reference_app.models import Note


def newest_first(query: Select[Any]) -> Select[Any]:
    """``query`` ordered for lists, the owners loaded in one go for the "shared by" marks."""
    return query.options(selectinload(Note.owner)).order_by(Note.updated_at.desc(), Note.id.desc())


def matching(term: str) -> ColumnElement[bool]:
    """Notes whose title or text contains ``term``, case-insensitively; ``%`` and ``_`` in it
    are plain characters, not wildcards."""
    pattern = f"%{escape_like(term)}%"
    return or_(
        Note.title.ilike(pattern, escape=LIKE_ESCAPE),
        Note.body.ilike(pattern, escape=LIKE_ESCAPE),
    )
