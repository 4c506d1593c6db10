"""The app's own model: a Markdown note that belongs to one user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flask_bastion.models import utcnow
from reference_app.extensions import db

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000


class Note(db.Model):  # type: ignore[name-defined,misc]
    """A note; only its owner can read, change or find it."""

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

    def __repr__(self) -> str:
        return f"<Note {self.id}>"
