"""What the API accepts and answers: the pydantic models that validate requests, shape
answers and make up the OpenAPI document. Field limits are the database's and the forms'."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, cast

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from flask_bastion import can, render_markdown
from flask_bastion.api.fields import Timestamp, text
from flask_bastion.models import EMAIL_MAX_LENGTH
from reference_app.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Note, NoteShare
from reference_app.models import Access as ShareAccess
from reference_app.notes.forms import SEARCH_MAX_LENGTH

#: The most notes one page of a list holds.
MAX_PER_PAGE: Final = 100
#: The last page number accepted: it keeps the row offset far inside a 64-bit integer.
MAX_PAGE: Final = 100_000

Title = Annotated[str, text(TITLE_MAX_LENGTH, required=True)]
Body = Annotated[str, text(BODY_MAX_LENGTH)]
#: What the current user may do to a note, as its policy says: everything (the owner), read
#: and edit it, or only read it.
Access = Literal["owner", "write", "read"]


class Strict(BaseModel):
    """An unknown field is refused, never ignored: a client cannot set ``owner_id`` by adding
    it (mass assignment), and a misspelt field is an error rather than a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class NoteIn(Strict):
    """A new note."""

    title: Title
    body: Body = ""


class NoteChanges(Strict):
    """The fields of a note to change; a field left out (or null) keeps its value."""

    title: Title | None = None
    body: Body | None = None


class NoteOut(Strict):
    """A note as the current user sees it."""

    id: int
    title: str
    body: str
    body_html: str = Field(description="The Markdown body rendered and sanitised.")
    access: Access
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        return cls(
            id=note.id,
            title=note.title,
            body=note.body,
            body_html=str(render_markdown(note.body)),
            access=access_to(note),
            created_at=note.created_at,
            updated_at=note.updated_at,
        )


def access_to(note: Note) -> Access:
    """The current user's access to ``note``, asked of its policy."""
    if can("delete", note):
        return "owner"
    return "write" if can("edit", note) else "read"


class NotesQuery(BaseModel):
    """A page of the notes list, optionally only those whose title or text contains ``q``
    (matched literally, case-insensitively). Unknown parameters are ignored."""

    q: Annotated[str, text(SEARCH_MAX_LENGTH)] = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class NotePage(Strict):
    """One page of notes, newest first."""

    items: list[NoteOut]
    page: int
    per_page: int
    total: int


class Me(Strict):
    """The user the request is authenticated as."""

    id: int
    email: str
    roles: list[str]

    @classmethod
    def current(cls) -> Me:
        user: Any = current_user
        return cls(id=user.id, email=user.email, roles=sorted(role.name for role in user.roles))


class ShareIn(Strict):
    """Whom to share a note with, by their account's email address, and what they may do:
    read it, or read and edit it. The access must be sent, never a silent default, as on the
    share form."""

    email: Annotated[EmailStr, Field(max_length=EMAIL_MAX_LENGTH)]
    access: ShareAccess


class ShareOut(Strict):
    """One user a note is shared with, and what the share lets them do."""

    id: int
    email: str
    access: ShareAccess

    @classmethod
    def of(cls, share: NoteShare) -> ShareOut:
        return cls(id=share.id, email=share.user.email, access=cast(ShareAccess, share.access))


class ShareList(Strict):
    """The shares of a note, oldest first."""

    items: list[ShareOut]

    @classmethod
    def of(cls, note: Note) -> ShareList:
        return cls(items=[ShareOut.of(share) for share in note.shares])
