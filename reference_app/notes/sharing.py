"""Shares of a note with other accounts: made, changed and removed, each one audited.

Nothing here decides who may share: the views ask ``NotePolicy`` first (only the owner may),
then call these functions. A share made twice keeps one row, its access set to the newest
choice; an audit event records each change (ids and the access level, never a note's words).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flask_bastion.audit import record_event
from reference_app.extensions import db
from reference_app.models import Access, Note, NoteShare

#: Details ``note_id``, ``shared_with`` (a user id), ``access`` and ``previous`` (the access
#: before, or none for a new share).
NOTE_SHARED: Final = "note.shared"
#: Details ``note_id``, ``shared_with`` and ``access``: that user no longer reaches the note.
NOTE_UNSHARED: Final = "note.unshared"

UNKNOWN_ACCOUNT: Final = (
    "No account uses this email address. Check it, or ask them to register first."
)
OWN_ADDRESS: Final = "That is your own address: share the note with another account."


class ShareRefused(ValueError):
    """A share that cannot be made; ``reason`` says why, for the share form."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def share_of(note: Note, user_id: int) -> NoteShare | None:
    """The share that gives ``user_id`` access to ``note``, if any."""
    query = select(NoteShare).where(NoteShare.note_id == note.id, NoteShare.user_id == user_id)
    share: NoteShare | None = db.session.scalar(query)
    return share


def share_in(note: Note, share_id: int) -> NoteShare | None:
    """The share ``share_id`` of ``note``; a share of any other note is not found."""
    query = select(NoteShare).where(NoteShare.id == share_id, NoteShare.note_id == note.id)
    share: NoteShare | None = db.session.scalar(query)
    return share


def shares_for(user_id: int, notes: Iterable[Note]) -> dict[int, NoteShare]:
    """The shares that give ``user_id`` access to some of ``notes``, by note id: the notes of
    other users in a list, which the page marks with their owner and access level."""
    ids = [note.id for note in notes]
    if not ids:
        return {}
    query = select(NoteShare).where(NoteShare.user_id == user_id, NoteShare.note_id.in_(ids))
    return {share.note_id: share for share in db.session.scalars(query)}


def share(note: Note, email: str, access: Access, *, by: int) -> NoteShare:
    """Share ``note`` with the account of ``email``, or set the access of its existing share.

    Raises :class:`ShareRefused` when no account uses the address or it is the owner's own.
    Two simultaneous requests for the same share answer 409 to the one that loses, rather than
    a 500 or a second row.
    """
    user = _account(email)
    if user is None:
        raise ShareRefused(UNKNOWN_ACCOUNT)
    if user.id == note.owner_id:
        raise ShareRefused(OWN_ADDRESS)
    existing = share_of(note, user.id)
    if existing is not None and existing.access == access:
        return existing
    previous = existing.access if existing is not None else None
    made = existing or NoteShare(note=note, user=user)
    made.access = access
    db.session.add(made)
    _commit_or_409()
    record_event(
        NOTE_SHARED,
        user_id=by,
        note_id=note.id,
        shared_with=user.id,
        access=access,
        previous=previous,
    )
    return made


def unshare(removed: NoteShare, *, by: int) -> None:
    """Remove a share: its user no longer reaches the note, from their very next request."""
    details: dict[str, Any] = {
        "note_id": removed.note_id,
        "shared_with": removed.user_id,
        "access": removed.access,
    }
    db.session.delete(removed)
    db.session.commit()
    record_event(NOTE_UNSHARED, user_id=by, **details)


def _account(email: str) -> Any | None:
    """The account of ``email`` (compared as the extension stores addresses), or ``None``."""
    return current_app.extensions["bastion"].users.find_by_email(email)


def _commit_or_409() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409)
