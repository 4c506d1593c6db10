"""The API's views: notes loaded through ``NotePolicy`` exactly as the pages load them.

Reads need a token with the ``read`` scope, changes one with ``write`` (or the session cookie,
with its CSRF token, for the app's own pages).

Another user's note answers 404, as a missing one does; a note shared read-only answers 403 to
a change. Lists and searches hold only what ``visible(Note)`` lets the user see.
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from flask_bastion import get_or_404, scope_required, visible
from flask_bastion.api.openapi import serve_openapi
from flask_bastion.api.operation import operation
from reference_app.api import bp
from reference_app.api.schemas import (
    MAX_PER_PAGE,
    Me,
    NoteChanges,
    NoteIn,
    NoteOut,
    NotePage,
    NotesQuery,
)
from reference_app.extensions import db
from reference_app.models import Note
from reference_app.notes.queries import matching, newest_first
from reference_app.notes.routes import NOTE_ID

serve_openapi(bp, title="Bastion Notes API", version="1")


@bp.get("/me")
@scope_required("read")
@operation("The user the request is authenticated as", response=Me)
def me() -> Me:
    return Me.current()


@bp.get("/notes")
@scope_required("read")
@operation(
    "List your notes and those shared with you, or search them", query=NotesQuery, response=NotePage
)
def list_notes(query: NotesQuery) -> NotePage:
    notes = visible(Note)
    if query.q:
        notes = notes.where(matching(query.q))
    page = db.paginate(
        newest_first(notes),
        page=query.page,
        per_page=query.per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )
    items = [NoteOut.of(note) for note in page.items]
    return NotePage(items=items, page=query.page, per_page=query.per_page, total=page.total or 0)


@bp.post("/notes")
@scope_required("write")
@operation("Write a note", body=NoteIn, response=NoteOut, status=201)
def create_note(body: NoteIn) -> tuple[NoteOut, dict[str, str]]:
    note = Note(owner_id=current_user.id, title=body.title, body=body.body)
    db.session.add(note)
    db.session.commit()
    return NoteOut.of(note), {"Location": url_for(".get_note", note_id=note.id)}


@bp.get(f"/notes/{NOTE_ID}")
@scope_required("read")
@operation("Read a note", response=NoteOut)
def get_note(note_id: int) -> NoteOut:
    return NoteOut.of(get_or_404(Note, note_id))


@bp.patch(f"/notes/{NOTE_ID}")
@scope_required("write")
@operation("Change a note's title or text", body=NoteChanges, response=NoteOut)
def update_note(note_id: int, body: NoteChanges) -> NoteOut:
    note = get_or_404(Note, note_id, "edit")
    for field, value in body.model_dump(exclude_none=True).items():
        setattr(note, field, value)
    db.session.commit()
    return NoteOut.of(note)


@bp.delete(f"/notes/{NOTE_ID}")
@scope_required("write")
@operation("Delete a note for good (its owner only)")
def delete_note(note_id: int) -> None:
    db.session.delete(get_or_404(Note, note_id, "delete"))
    db.session.commit()
