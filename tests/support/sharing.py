"""The note-sharing scenario of the sharing tests, through pages and through the API.

Alice's note is shared read-only with Bob and read-write with Carol; Mallory has an account
and no share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from flask import Flask
from sqlalchemy import select

from reference_app.extensions import db
from reference_app.models import READ, WRITE, Note, NoteShare
from tests.support.accounts import create_user

OWNER = "alice@example.org"
READER = "bob@example.org"
WRITER = "carol@example.org"
STRANGER = "mallory@example.org"
TITLE = "Alice secret plan"
BODY = "launch codes"
#: The note's shares as the scenario makes them: (email, access), sorted.
SHARES = [(READER, READ), (WRITER, WRITE)]


@dataclass(frozen=True)
class SharedNote:
    """The note of the scenario, its two shares and the users' ids."""

    app: Flask
    note_id: int
    reader_share: int
    writer_share: int
    users: dict[str, int]

    def share_state(self) -> list[tuple[str, str]]:
        """The note's shares as the database holds them now: (email, access), sorted."""
        with self.app.app_context():
            rows = db.session.scalars(select(NoteShare).where(NoteShare.note_id == self.note_id))
            return sorted((share.user.email, share.access) for share in rows)


Scenario = TypeVar("Scenario", bound=SharedNote)


def share_scenario(app: Flask, kind: type[Scenario]) -> Scenario:
    """Store the scenario's users, note and shares; returns it as a ``kind``."""
    users = {email: create_user(app, email) for email in (OWNER, READER, WRITER, STRANGER)}
    with app.app_context():
        note = Note(owner_id=users[OWNER], title=TITLE, body=BODY)
        reader = NoteShare(note=note, user_id=users[READER], access=READ)
        writer = NoteShare(note=note, user_id=users[WRITER], access=WRITE)
        db.session.add_all([note, reader, writer])
        db.session.commit()
        return kind(app, note.id, reader.id, writer.id, users)
