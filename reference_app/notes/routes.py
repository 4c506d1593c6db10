"""The notes views. Every note is loaded and every list is queried through ``NotePolicy``.

A note the user may not see answers 404, exactly like a note that does not exist, so its id,
title or existence never leaks (a 403 would confirm that the note is there).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_
from werkzeug.wrappers import Response

from flask_bastion import LIKE_ESCAPE, escape_like, get_or_404, login_required, visible
from reference_app.extensions import db
from reference_app.models import Note
from reference_app.notes import bp, policy  # noqa: F401  - registers NotePolicy
from reference_app.notes.forms import NoteForm, SearchForm

PAGE_SIZE = 20
#: Note ids fit a 32-bit integer column; a larger number in the URL is simply not found.
NOTE_ID = "<int(max=2147483647):note_id>"


@bp.get("/notes")
@login_required
def list_notes() -> str:
    """The user's notes, newest first, a page at a time."""
    query = visible(Note).order_by(Note.updated_at.desc())
    page = db.paginate(query, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template("notes/list.html", page=page)


@bp.route("/notes/new", methods=["GET", "POST"])
@login_required
def new_note() -> Response | tuple[str, int]:
    """Write a note."""
    form = NoteForm()
    if form.validate_on_submit():
        note = Note(owner_id=current_user.id, title=form.title.data, body=form.body.data or "")
        db.session.add(note)
        db.session.commit()
        flash("Note saved.", "success")
        return redirect(url_for("notes.show_note", note_id=note.id))
    return render_template("notes/form.html", form=form, note=None), _form_status()


@bp.get(f"/notes/{NOTE_ID}")
@login_required
def show_note(note_id: int) -> str:
    """One note, its Markdown rendered and sanitised."""
    return render_template("notes/show.html", note=get_or_404(Note, note_id))


@bp.route(f"/notes/{NOTE_ID}/edit", methods=["GET", "POST"])
@login_required
def edit_note(note_id: int) -> Response | tuple[str, int]:
    """Change a note's title and text."""
    note = get_or_404(Note, note_id, "edit")
    form = NoteForm(obj=note)
    if form.validate_on_submit():
        note.title = form.title.data or ""
        note.body = form.body.data or ""
        db.session.commit()
        flash("Note updated.", "success")
        return redirect(url_for("notes.show_note", note_id=note.id))
    return render_template("notes/form.html", form=form, note=note), _form_status()


@bp.post(f"/notes/{NOTE_ID}/delete")
@login_required
def delete_note(note_id: int) -> Response:
    """Delete a note for good."""
    db.session.delete(get_or_404(Note, note_id, "delete"))
    db.session.commit()
    flash("Note deleted.", "info")
    return redirect(url_for("notes.list_notes"))


@bp.get("/search")
@login_required
def search() -> tuple[str, int]:
    """Notes whose title or text contains the search term, matched literally."""
    form = SearchForm(request.args)
    if "q" not in request.args:
        return render_template("notes/search.html", form=form, notes=None), 200
    if not form.validate():
        return render_template("notes/search.html", form=form, notes=None), 400
    pattern = f"%{escape_like(form.q.data or '')}%"
    query = (
        visible(Note)
        .where(
            or_(
                Note.title.ilike(pattern, escape=LIKE_ESCAPE),
                Note.body.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
        .order_by(Note.updated_at.desc())
        .limit(PAGE_SIZE)
    )
    notes = db.session.scalars(query).all()
    return render_template("notes/search.html", form=form, notes=notes), 200


def _form_status() -> int:
    """400 when a submitted form was refused, so the refusal is visible to any client."""
    return 400 if request.method == "POST" else 200
