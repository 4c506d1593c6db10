"""Who may do what to a note: the one place the notes pages, the search and the API ask."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from flask_bastion import Policy, policy_for
from reference_app.models import WRITE, Note, NoteShare
from reference_app.notes.sharing import share_of


@policy_for(Note)
class NotePolicy(Policy):
    """The owner may do anything to a note. A share lets another user read it ("read") or
    read and edit it ("write"); deleting it and deciding who it is shared with stay the
    owner's alone. Everybody else does not know the note exists."""

    def can_view(self, user: Any, note: Note) -> bool:
        return _owns(user, note) or share_of(note, user.id) is not None

    def can_edit(self, user: Any, note: Note) -> bool:
        if _owns(user, note):
            return True
        share = share_of(note, user.id)
        return share is not None and share.access == WRITE

    def can_delete(self, user: Any, note: Note) -> bool:
        return _owns(user, note)

    def can_share(self, user: Any, note: Note) -> bool:
        return _owns(user, note)

    def visible(self, user: Any, query: Select[Any]) -> Select[Any]:
        """Owned or shared notes, in one query: the share test is a correlated EXISTS (served
        by the share table's unique index), so a list or search costs no query per note."""
        shared = (
            select(NoteShare.id)
            .where(NoteShare.note_id == Note.id, NoteShare.user_id == user.id)
            .exists()
        )
        return query.where(or_(Note.owner_id == user.id, shared))


def _owns(user: Any, note: Note) -> bool:
    return bool(note.owner_id == user.id)
