"""The one place that reads and writes users and roles, with bound parameters only."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import bindparam, func, select, update

from flask_bastion.models import Models, utcnow
from flask_bastion.sql import LIKE_ESCAPE, escape_like


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
        self.Permission = models.Permission
        self._user_roles = models.user_roles
        self._role_permissions = models.role_permissions
        # Built once: every login looks a user up by email, and with sessions in Redis every
        # request by id. ``Session.get`` builds its query anew on each call, which costs more
        # than running it (about 60 us a request).
        self._by_email = select(self.User).where(self.User.email == bindparam("email"))
        self._by_id = select(self.User).where(self.User.id == bindparam("user_id"))

    def get(self, user_id: int) -> Any | None:
        """The user with this id, or ``None``."""
        return self.db.session.scalar(self._by_id, {"user_id": user_id})

    def find_by_email(self, email: str) -> Any | None:
        """The user with this email (compared normalised), or ``None``."""
        return self.db.session.scalar(self._by_email, {"email": normalize_email(email)})

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

    def find_role(self, name: str) -> Any | None:
        """The role called ``name``, or ``None``."""
        return self.db.session.scalar(select(self.Role).where(self.Role.name == name))

    def find_or_create_permission(self, name: str) -> Any:
        """The permission called ``name``, created if it does not exist yet."""
        query = select(self.Permission).where(self.Permission.name == name)
        permission = self.db.session.scalar(query)
        if permission is None:
            permission = self.Permission(name=name)
            self.db.session.add(permission)
        return permission

    def permission_names(self) -> list[str]:
        """The name of every permission stored, sorted."""
        return list(
            self.db.session.scalars(select(self.Permission.name).order_by(self.Permission.name))
        )

    def allow(self, role: Any, permission_name: str) -> bool:
        """Let ``role`` grant the permission; ``False`` when it already did."""
        if any(p.name == permission_name for p in role.permissions):
            return False
        role.permissions.append(self.find_or_create_permission(permission_name))
        return True

    def deny(self, role: Any, permission_name: str) -> bool:
        """Stop ``role`` granting the permission; ``False`` when it did not."""
        kept = [p for p in role.permissions if p.name != permission_name]
        changed = len(kept) != len(role.permissions)
        role.permissions = kept
        return changed

    def permissions_of(self, user_id: int) -> frozenset[str]:
        """The names of the permissions ``user_id`` holds through their roles, read now."""
        links, grants = self._user_roles, self._role_permissions
        query = (
            select(self.Permission.name)
            .join(grants, grants.c.permission_id == self.Permission.id)
            .join(links, links.c.role_id == grants.c.role_id)
            .where(links.c.user_id == user_id)
        )
        return frozenset(self.db.session.scalars(query))

    def list_roles(self) -> list[Any]:
        """Every role, by name."""
        return list(self.db.session.scalars(select(self.Role).order_by(self.Role.name)))

    def list_users(self) -> list[Any]:
        """Every user, oldest first."""
        return list(self.db.session.scalars(select(self.User).order_by(self.User.id)))

    def search_users(self, email_part: str, *, offset: int, limit: int) -> list[Any]:
        """Users whose email contains ``email_part`` (any, if empty), oldest first: at most
        ``limit`` of them, after the first ``offset``."""
        query = select(self.User).order_by(self.User.id).offset(offset).limit(limit)
        if email_part:
            pattern = f"%{escape_like(normalize_email(email_part))}%"
            query = query.where(self.User.email.like(pattern, escape=LIKE_ESCAPE))
        return list(self.db.session.scalars(query))

    def count_active_holders(self, role_name: str) -> int:
        """How many active users hold the role (the admins left to run the site).

        The role's row is locked first, until the transaction ends: two admins demoting each
        other at the same instant would otherwise both count two admins and leave none. The
        second one waits for the first to commit, then counts again. The lock is a no-op write
        rather than ``SELECT ... FOR UPDATE``, which SQLite ignores: a write serialises on
        every database.
        """
        role = self.Role.__table__
        self.db.session.execute(
            update(role).where(role.c.name == role_name).values(name=role.c.name)
        )
        query = (
            select(func.count())
            .select_from(self.User)
            .join(self._user_roles, self._user_roles.c.user_id == self.User.id)
            .join(self.Role, self.Role.id == self._user_roles.c.role_id)
            .where(self.Role.name == role_name, self.User.active.is_(True))
        )
        return int(self.db.session.scalar(query) or 0)
