"""The sharing views: the owner shares a note with another account, changes or removes a share.

``NotePolicy`` decides: a stranger gets 404 (they do not know the note exists), a user the
note is shared with gets 403. Sharing again with the other access level changes the share.
"""

from __future__ import annotations

from typing import cast

from flask import abort, flash, redirect, url_for
from flask.blueprints import BlueprintSetupState
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_bastion import get_or_404, login_required
from reference_app.models import Access, Note
from reference_app.notes import bp
from reference_app.notes.forms import ShareForm
from reference_app.notes.routes import ID, NOTE_ID, render_note
from reference_app.notes.sharing import ShareRefused, share, share_in, unshare

SHARE_ID = f"<{ID}:share_id>"
#: Share requests one user may send: a person shares a few notes at a time.
SHARES_PER_MINUTE = 10
SHARE_LIMIT = f"{SHARES_PER_MINUTE} per minute; 100 per day"


@bp.post(f"/notes/{NOTE_ID}/shares")
@login_required
def share_note(note_id: int) -> Response | tuple[str, int]:
    """Share a note read only or read and edit, or change the access of its share."""
    note = get_or_404(Note, note_id, "share")
    form = ShareForm()
    if form.validate():
        try:
            made = share(
                note, form.email.data or "", cast(Access, form.access.data), by=current_user.id
            )
        except ShareRefused as refused:
            form.email.errors = [*form.email.errors, refused.reason]
        else:
            flash(f"Shared with {made.user.email}: {made.access_label.lower()}.", "success")
            return redirect(url_for("notes.show_note", note_id=note.id))
    return render_note(note, form, 400)


@bp.post(f"/notes/{NOTE_ID}/shares/{SHARE_ID}/delete")
@login_required
def unshare_note(note_id: int, share_id: int) -> Response:
    """Remove a share: its user no longer reaches the note, from their next request."""
    note = get_or_404(Note, note_id, "share")
    removed = share_in(note, share_id)
    if removed is None:
        abort(404)
    email = removed.user.email
    unshare(removed, by=current_user.id)
    flash(f"{email} no longer has access to this note.", "info")
    return redirect(url_for("notes.show_note", note_id=note.id))


def limit_shares(setup: BlueprintSetupState, view_name: str) -> None:
    """Count the shares made through the view ``view_name`` of the blueprint being registered
    against the one per-user share limit, on the limiter of the app it is registered on.

    A refused share says that no account uses the address, so without a limit any logged-in
    user could test thousands of addresses a minute and learn who has an account here. The
    count is per user, not per IP address, so neither many addresses nor many sessions raise
    it, and it is one count for every view that shares (the form and the JSON API), so using
    both does not double it; the app's default per-IP limit applies as well.
    """
    limiter = setup.app.extensions["bastion"].limiter
    endpoint = f"{setup.name}.{view_name}"
    setup.app.view_functions[endpoint] = limiter.shared_limit(
        SHARE_LIMIT, scope="note-share", key_func=_sharer, override_defaults=False
    )(setup.app.view_functions[endpoint])


@bp.record_once
def limit_sharing(setup: BlueprintSetupState) -> None:
    """The share form counts against the share limit (see :func:`limit_shares`)."""
    limit_shares(setup, share_note.__name__)


def _sharer() -> str:
    """The limit's key: the logged-in user (the IP address, should an anonymous request ever
    get this far)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()
