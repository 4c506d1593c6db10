"""The one place that reads and writes users and roles, with bound parameters only."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select

from flask_bastion.models import Models, utcnow


def normalize_email(email: str) -> str:
    """The form an email is stored and looked up in: trimmed and lower-cased.

    One account per mailbox whatever the capitalisation, so ``Alice@x`` cannot register beside
    ``alice@x`` and look like the same person to others.
    """
    return email.strip().lower()


class UserStore:
    """Users and roles in the app's database."""

    def __init__(self, db: SQLAlchemy, models: Models) -> None:
        self.db = db
        self.User = models.User
        self.Role = models.Role

    def get(self, user_id: int) -> Any | None:
        """The user with this id, or ``None``."""
        return self.db.session.get(self.User, user_id)

    def find_by_email(self, email: str) -> Any | None:
        """The user with this email (compared normalised), or ``None``."""
        query = select(self.User).where(self.User.email == normalize_email(email))
        return self.db.session.scalar(query)

    def create_user(
        self,
        email: str,
        password_hash: str,
        roles: tuple[str, ...] = (),
        *,
        confirmed: bool = True,
    ) -> Any:
        """Add a user with the given roles; the caller commits.

        ``confirmed=False`` leaves the address to be confirmed by a mailed link.
        """
        user = self.User(email=normalize_email(email), password_hash=password_hash)
        user.confirmed_at = utcnow() if confirmed else None
        user.roles = [self.find_or_create_role(name) for name in roles]
        self.db.session.add(user)
        return user

    def find_or_create_role(self, name: str) -> Any:
        """The role called ``name``, created if it does not exist yet."""
        role = self.db.session.scalar(select(self.Role).where(self.Role.name == name))
        if role is None:
            role = self.Role(name=name)
            self.db.session.add(role)
        return role

    def grant(self, user: Any, role_name: str) -> bool:
        """Give ``user`` the role; ``False`` when they already had it."""
        if user.has_role(role_name):
            return False
        user.roles.append(self.find_or_create_role(role_name))
        return True

    def revoke(self, user: Any, role_name: str) -> bool:
        """Take the role from ``user``; ``False`` when they did not have it."""
        kept = [role for role in user.roles if role.name != role_name]
        changed = len(kept) != len(user.roles)
        user.roles = kept
        return changed

    def list_users(self) -> list[Any]:
        """Every user, oldest first."""
        return list(self.db.session.scalars(select(self.User).order_by(self.User.id)))
