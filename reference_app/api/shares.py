"""The API's sharing views: the owner lists, makes, changes and removes the shares of a note.

They run the share form's own functions (:mod:`reference_app.notes.sharing`), so a share made
here is the same row with the same audit events. ``NotePolicy`` decides first, as for the form:
a stranger gets 404 (the note's existence never leaks), a user the note is shared with 403.

Sharing again with the other access level changes the one share; with the same level it changes
nothing. Either way the answer is 200 with the share as it now stands (``@operation`` documents
one success status, and a new share and a changed one are the same operation, as on the form).
A share the form would refuse (no account uses the address, or it is the owner's own) is a 422
whose ``error.fields.email`` gives the form's reason, as a field the schema refuses would be.
"""

from __future__ import annotations

from flask import abort
from flask.blueprints import BlueprintSetupState
from flask_login import current_user

from flask_bastion import get_or_404, scope_required
from flask_bastion.api.operation import operation
from flask_bastion.exceptions import InvalidFields
from reference_app.api import bp
from reference_app.api.schemas import ShareIn, ShareList, ShareOut
from reference_app.models import Note
from reference_app.notes.routes import NOTE_ID
from reference_app.notes.share_routes import SHARE_ID, limit_shares
from reference_app.notes.sharing import ShareRefused, share, share_in, unshare


@bp.get(f"/notes/{NOTE_ID}/shares")
@scope_required("read")
@operation("List who a note you own is shared with", response=ShareList)
def list_shares(note_id: int) -> ShareList:
    return ShareList.of(get_or_404(Note, note_id, "share"))


@bp.post(f"/notes/{NOTE_ID}/shares")
@scope_required("write")
@operation(
    "Share a note you own with another account, or change the access of its share",
    body=ShareIn,
    response=ShareOut,
    errors=(409,),  # two requests making the same share at once: the loser's answer
)
def share_note(note_id: int, body: ShareIn) -> ShareOut:
    note = get_or_404(Note, note_id, "share")
    try:
        made = share(note, body.email, body.access, by=current_user.id)
    except ShareRefused as refused:
        raise InvalidFields({"email": [refused.reason]}) from None
    return ShareOut.of(made)


@bp.delete(f"/notes/{NOTE_ID}/shares/{SHARE_ID}")
@scope_required("write")
@operation("Stop sharing a note you own with one user")
def unshare_note(note_id: int, share_id: int) -> None:
    removed = share_in(get_or_404(Note, note_id, "share"), share_id)
    if removed is None:
        abort(404)
    unshare(removed, by=current_user.id)


@bp.record_once
def limit_sharing(setup: BlueprintSetupState) -> None:
    """Sharing through the API counts against the share form's own per-user limit: a token
    tests addresses no faster than the form, nor the two together (see ``limit_shares``)."""
    limit_shares(setup, share_note.__name__)
