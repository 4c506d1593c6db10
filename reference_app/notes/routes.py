"""The notes views. Every note is loaded and every list is queried through ``NotePolicy``.

A note the user may not see answers 404, exactly like a note that does not exist, so its id,
title or existence never leaks (a 403 would confirm that the note is there). A user it is
shared with may see it, so a refused action answers them 403.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_bastion import get_or_404, login_required, visible
from reference_app.extensions import db
from reference_app.models import Note
from reference_app.notes import bp, policy  # noqa: F401  - registers NotePolicy
from reference_app.notes.forms import NoteForm, SearchForm, ShareForm
from reference_app.notes.queries import matching, newest_first
from reference_app.notes.sharing import share_of, shares_for

PAGE_SIZE = 20
#: Ids fit a 32-bit integer column; a larger number in the URL is simply not found.
ID = "int(max=2147483647)"
NOTE_ID = f"<{ID}:note_id>"


@bp.get("/notes")
@login_required
def list_notes() -> str:
    """The user's notes and those shared with them, newest first, a page at a time."""
    query = newest_first(visible(Note))
    page = db.paginate(query, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    shares = shares_for(current_user.id, page.items)
    return render_template("notes/list.html", page=page, shares=shares)


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
def show_note(note_id: int) -> tuple[str, int]:
    """One note, its Markdown rendered and sanitised."""
    return render_note(get_or_404(Note, note_id))


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
    query = newest_first(visible(Note).where(matching(form.q.data or "")))
    notes = db.session.scalars(query.limit(PAGE_SIZE)).all()
    shares = shares_for(current_user.id, notes)
    return render_template("notes/search.html", form=form, notes=notes, shares=shares), 200


def render_note(
    note: Note, share_form: ShareForm | None = None, status: int = 200
) -> tuple[str, int]:
    """A note's page. Its owner also gets the sharing section (``share_form`` refilled after a
    refused share); a user it is shared with sees whose it is and what they may do."""
    return render_template(
        "notes/show.html",
        note=note,
        share_form=share_form or ShareForm(formdata=None),
        my_share=share_of(note, current_user.id),
    ), status


def _form_status() -> int:
    """400 when a submitted form was refused, so the refusal is visible to any client."""
    return 400 if request.method == "POST" else 200
