"""Who may do what to a note: the one place the notes pages and the API ask."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from flask_bastion import Policy, policy_for
from reference_app.models import Note


@policy_for(Note)
class NotePolicy(Policy):
    """A note belongs to its owner: only they can see, change or delete it."""

    def can_view(self, user: Any, note: Note) -> bool:
        return bool(note.owner_id == user.id)

    def can_edit(self, user: Any, note: Note) -> bool:
        return bool(note.owner_id == user.id)

    def can_delete(self, user: Any, note: Note) -> bool:
        return bool(note.owner_id == user.id)

    def visible(self, user: Any, query: Select[Any]) -> Select[Any]:
        return query.where(Note.owner_id == user.id)
