"""The app's own models: a Markdown note that belongs to one user, and its shares with others."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_bastion.models import utcnow
from reference_app.extensions import User, db

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000

#: What a share lets its user do: read the note, or read and edit it.
Access = Literal["read", "write"]
READ: Final = "read"
WRITE: Final = "write"
#: Each access level as the pages name it, in the order the share form offers them.
ACCESS_LABELS: Final[dict[str, str]] = {READ: "Read only", WRITE: "Read and edit"}


class Note(db.Model):  # type: ignore[name-defined,misc]
    """A note; who may read, change or find it is ``NotePolicy``'s decision alone."""

    __tablename__ = "note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("bastion_user.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    owner: Mapped[Any] = relationship(User, lazy="select")
    #: Deleted with the note by the ORM as well as by the database: SQLite enforces no foreign
    #: keys here, and it may give a deleted note's id to the next note written, which a
    #: leftover share would then open to its user.
    shares: Mapped[list[NoteShare]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="NoteShare.created_at"
    )

    def __repr__(self) -> str:
        return f"<Note {self.id}>"


class NoteShare(db.Model):  # type: ignore[name-defined,misc]
    """One user's access to another user's note: read only, or read and edit."""

    __tablename__ = "note_share"
    __table_args__ = (
        # One share per note and user; its index also serves "the shares of this note" and
        # the policy's "this user's share of this note" lookups.
        UniqueConstraint("note_id", "user_id", name="uq_note_share_note_id_user_id"),
        CheckConstraint(f"access IN ('{READ}', '{WRITE}')", name="ck_note_share_access"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    #: Indexed for "the notes shared with me" (lists and searches).
    user_id: Mapped[int] = mapped_column(
        ForeignKey("bastion_user.id", ondelete="CASCADE"), index=True
    )
    access: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[Note] = relationship(back_populates="shares")
    user: Mapped[Any] = relationship(User, lazy="select")

    @property
    def access_label(self) -> str:
        """The access level as the pages name it."""
        return ACCESS_LABELS[self.access]

    def __repr__(self) -> str:
        return f"<NoteShare note={self.note_id} user={self.user_id} {self.access}>"
