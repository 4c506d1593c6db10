"""The user and role tables Flask-Bastion keeps in the app's own database.

They are defined on the app's Flask-SQLAlchemy instance, so they live in its metadata,
migrations and sessions like the app's own models. Table names carry a ``bastion_`` prefix to
stay clear of an existing ``users`` table; an app's models point at ``bastion_user.id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_bastion.audit.table import define_table as define_audit_table
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.two_factor.table import define_table as define_recovery_code_table

#: Key under which the models are kept in the database metadata's ``info``, so one database
#: object gets one set of models however many times the extension is created.
MODELS_KEY = "flask_bastion_models"
EMAIL_MAX_LENGTH = 254
ACCESS_TOKEN_NAME_MAX_LENGTH = 100
TokenStatus = Literal["active", "expired", "revoked"]


@dataclass(frozen=True)
class Models:
    """The model classes Flask-Bastion defined on one database."""

    User: Any
    Role: Any
    Permission: Any
    user_roles: Table
    role_permissions: Table
    sessions: Table
    security_events: Table
    recovery_codes: Table
    AccessToken: Any


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware datetime: SQLite returns naive ones, which are UTC here."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def define_models(db: SQLAlchemy) -> Models:
    """Define (once per database) the ``bastion_user``, ``bastion_role`` and related tables."""
    existing: Models | None = db.metadata.info.get(MODELS_KEY)
    if existing is None:
        existing = db.metadata.info[MODELS_KEY] = _build(db)
    return existing


def _build(db: SQLAlchemy) -> Models:
    user_roles = Table(
        "bastion_user_role",
        db.metadata,
        Column("user_id", ForeignKey("bastion_user.id", ondelete="CASCADE"), primary_key=True),
        Column("role_id", ForeignKey("bastion_role.id", ondelete="CASCADE"), primary_key=True),
    )

    role_permissions = Table(
        "bastion_role_permission",
        db.metadata,
        Column("role_id", ForeignKey("bastion_role.id", ondelete="CASCADE"), primary_key=True),
        Column(
            "permission_id",
            ForeignKey("bastion_permission.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )

    class Permission(db.Model):  # type: ignore[name-defined]
        """A named right that roles grant, such as ``notes:read`` or ``users:manage``."""

        __tablename__ = "bastion_permission"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(80), unique=True)
        description: Mapped[str] = mapped_column(String(255), default="")

        def __repr__(self) -> str:
            return f"<Permission {self.name}>"

    class Role(db.Model):  # type: ignore[name-defined]
        """A named set of rights, such as ``admin``: the permissions it grants its holders."""

        __tablename__ = "bastion_role"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(80), unique=True)
        description: Mapped[str] = mapped_column(String(255), default="")
        permissions: Mapped[list[Permission]] = relationship(
            secondary=role_permissions, lazy="select"
        )

        def __repr__(self) -> str:
            return f"<Role {self.name}>"

    class User(UserMixin, db.Model):  # type: ignore[name-defined]
        """An account: a normalised email, an Argon2id hash and roles."""

        __tablename__ = "bastion_user"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
        password_hash: Mapped[str] = mapped_column(String(255))
        active: Mapped[bool] = mapped_column(Boolean, default=True)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
        #: When the owner proved they read mail at ``email`` (confirmation link or password
        #: reset); None while unconfirmed. Users created by the CLI or an admin count as
        #: confirmed from the start.
        confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
        # Loaded when first used (a permission check, a template), not with every request's user.
        roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="select")
        #: The TOTP secret, set at enrolment; never logged. It must be read back to check codes,
        #: so it cannot be hashed: it is sealed (``fernet:`` and a Fernet token, 147 characters
        #: for a 32-character secret) under a key derived from SECRET_KEY (``two_factor.sealing``).
        totp_secret: Mapped[str | None] = mapped_column(String(255), default=None)
        #: When two-factor was turned on (the secret confirmed by a code); None while it is off.
        totp_enabled_at: Mapped[datetime | None] = mapped_column(
            DateTime(timezone=True), default=None
        )
        #: The time step of the last code accepted: a code of that step or earlier is refused.
        totp_last_counter: Mapped[int | None] = mapped_column(BigInteger, default=None)

        @property
        def is_active(self) -> bool:
            """Flask-Login refuses to log in a deactivated account."""
            return bool(self.active)

        @property
        def role_names(self) -> frozenset[str]:
            """The names of this user's roles."""
            return frozenset(role.name for role in self.roles)

        def has_role(self, name: str) -> bool:
            """Whether the user holds the role called ``name``."""
            return name in self.role_names

        #: The token of the session this object was loaded for (not a column).
        session_token = None

        def get_id(self) -> str:
            """The session token Flask-Login keeps in the cookies, never the user's id.

            With the id, a copied cookie would stay valid until the signing key changes;
            with the token, it is valid only while its server-side record lives.
            """
            token: str | None = self.session_token
            if not token:
                raise ConfigurationError(
                    "Log users in with flask_bastion.log_in(user), which opens a revocable "
                    "session, rather than flask_login.login_user."
                )
            return token

        # Identity like any ORM object: Flask-Login's equality compares get_id(), which here
        # is a session token, not the user.
        __eq__ = object.__eq__
        __ne__ = object.__ne__
        __hash__ = object.__hash__

        def __repr__(self) -> str:
            return f"<User {self.id}>"

    sessions = Table(
        "bastion_session",
        db.metadata,
        Column("key", String(64), primary_key=True),
        Column("public_id", String(16), nullable=False),
        Column("user_id", ForeignKey("bastion_user.id", ondelete="CASCADE"), nullable=False),
        Column("remember", Boolean, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("last_seen_at", DateTime(timezone=True), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=False),
        Column("ip", String(45), nullable=False),
        Column("user_agent", String(255), nullable=False),
        # When the session ends unless seen again (see SessionRecord.dies_at), kept up to date
        # by every touch: a login deletes its user's ended sessions through this index, reading
        # only those, however many live sessions the user has.
        Column("dies_at", DateTime(timezone=True), nullable=False),
        Index("ix_bastion_session_user_id_dies_at", "user_id", "dies_at"),
    )
    return Models(
        User=User,
        Role=Role,
        Permission=Permission,
        user_roles=user_roles,
        role_permissions=role_permissions,
        sessions=sessions,
        security_events=define_audit_table(db.metadata),
        recovery_codes=define_recovery_code_table(db.metadata),
        AccessToken=_define_access_token(db, User),
    )


def _define_access_token(db: SQLAlchemy, user_model: Any) -> Any:
    class AccessToken(db.Model):  # type: ignore[name-defined]
        """A personal access token: a secret that a script sends as ``Authorization: Bearer``.

        Only the SHA-256 of the secret is stored (``token_hash``), so a copy of the table lets
        nobody in. A password needs a slow hash because people choose guessable ones; this
        secret has 256 random bits, which no one can guess however fast the hash, so a fast
        hash is enough, and a request is authenticated by one lookup of the hash in a unique
        index rather than by checking a slow hash against every stored token.
        """

        __tablename__ = "bastion_access_token"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(
            ForeignKey("bastion_user.id", ondelete="CASCADE"), index=True
        )
        #: What the owner calls it ("laptop backup script"), to tell their tokens apart.
        name: Mapped[str] = mapped_column(String(ACCESS_TOKEN_NAME_MAX_LENGTH))
        #: SHA-256 of the secret, in hex; the secret itself is shown once and never stored.
        token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
        #: The secret's first characters, shown in lists so the owner recognises a token.
        prefix: Mapped[str] = mapped_column(String(16))
        #: The names of the scopes granted, sorted (``["read", "write"]``).
        scopes: Mapped[list[str]] = mapped_column(JSON)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
        #: Every token expires: a forgotten one stops working on its own.
        expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
        #: Written at most once a minute (see ``TokenStore.authenticate``).
        last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
        revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
        user: Mapped[Any] = relationship(user_model)

        def status(self, now: datetime) -> TokenStatus:
            """Whether the token is usable ``now``, or why not."""
            if self.revoked_at is not None:
                return "revoked"
            return "active" if now < as_utc(self.expires_at) else "expired"

        def __repr__(self) -> str:
            return f"<AccessToken {self.id} {self.prefix}...>"

    return AccessToken
