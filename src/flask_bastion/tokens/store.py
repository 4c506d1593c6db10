"""Issuing, finding and revoking personal access tokens, in the ``bastion_access_token`` table.

The secret exists in the response that shows it to its owner and nowhere else: the table keeps
its SHA-256, its first characters for display, and what it may do until when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Update, func, select, update
from sqlalchemy.orm import joinedload

from flask_bastion.exceptions import BastionError
from flask_bastion.models import ACCESS_TOKEN_NAME_MAX_LENGTH, as_utc, utcnow
from flask_bastion.tokens.secret import display_prefix, is_well_formed, new_secret, secret_hash

security_log = logging.getLogger("flask_bastion.security")

#: ``last_used_at`` is written at most this often per token.
TOUCH_INTERVAL: Final = timedelta(minutes=1)


class TokenRequestError(BastionError, ValueError):
    """A token cannot be issued as asked: the message says which value to change."""


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: its stored record, and its secret, to be shown to its owner once."""

    record: Any
    secret: str = field(repr=False)


class TokenStore:
    """The personal access tokens of one app.

    ``clock`` is read for every decision about time, so tests can move it instead of sleeping.
    """

    def __init__(
        self,
        db: Any,
        model: Any,
        *,
        scopes: Mapping[str, str],
        max_lifetime: timedelta,
        max_per_user: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.model = model
        #: The scopes a token may carry, name -> description (``BASTION_TOKEN_SCOPES``).
        self.scopes = dict(scopes)
        self.max_lifetime = max_lifetime
        self.max_per_user = max_per_user
        self.clock = clock

    def issue(
        self, user_id: int, name: str, scopes: Collection[str], lifetime: timedelta
    ) -> IssuedToken:
        """Make a token for the user and commit it; raises :class:`TokenRequestError` for a
        name, scope or lifetime that is not allowed."""
        now = self.clock()
        self._check_room(user_id, now)
        secret = new_secret()
        record = self.model(
            user_id=user_id,
            name=_checked_name(name),
            token_hash=secret_hash(secret),
            prefix=display_prefix(secret),
            scopes=self._checked_scopes(scopes),
            created_at=now,
            expires_at=now + self._checked_lifetime(lifetime),
        )
        self.db.session.add(record)
        self.db.session.commit()
        return IssuedToken(record, secret)

    def authenticate(self, secret: str) -> Any | None:
        """The record of ``secret`` if it is a live token of an active user, else ``None``.

        One indexed lookup of the secret's hash, the user loaded in the same query. The
        database compares hashes, not secrets: a client timing the comparison learns about a
        hash it cannot choose, nothing about any secret. ``last_used_at`` is written at most
        once a minute, so a busy script costs one read per request, not a write: a write per
        request would contend on the row and fill the database's log, for a precision the
        page, which shows the minute, does not need.
        """
        if not is_well_formed(secret):
            return None
        model = self.model
        query = (
            select(model)
            .options(joinedload(model.user))
            .where(model.token_hash == secret_hash(secret))
        )
        record = self.db.session.scalar(query)
        if record is None:
            return None
        now = self.clock()
        refusal = _refusal(record, now)
        if refusal:
            security_log.info("Access token %s refused: %s.", record.id, refusal)
            return None
        if record.last_used_at is None or now - as_utc(record.last_used_at) >= TOUCH_INTERVAL:
            self._touch(record.id, now)
        return record

    def revoke(self, token_id: int, user_id: int) -> bool:
        """Revoke the user's token ``token_id``; ``False`` if they have no such unrevoked token
        (another user's id included)."""
        model = self.model
        statement = (
            update(model)
            .where(model.id == token_id, model.user_id == user_id, model.revoked_at.is_(None))
            .values(revoked_at=self.clock())
        )
        return bool(self._update(statement) == 1)

    def revoke_all(self, user_id: int) -> int:
        """Revoke every live token of the user (at a password reset); returns how many."""
        model, now = self.model, self.clock()
        statement = (
            update(model)
            .where(model.user_id == user_id, model.revoked_at.is_(None), model.expires_at > now)
            .values(revoked_at=now)
        )
        return self._update(statement)

    def list_for(self, user_id: int) -> list[Any]:
        """Every token of the user, revoked and expired ones included, newest first."""
        model = self.model
        query = (
            select(model)
            .where(model.user_id == user_id)
            .order_by(model.created_at.desc(), model.id.desc())
        )
        return list(self.db.session.scalars(query))

    def _update(self, statement: Update) -> int:
        """Run one UPDATE in the database, commit, and return how many rows it changed.

        The commit expires the objects the session holds, so they are read again when next
        used; SQLAlchemy's own synchronisation would compare datetimes in Python, where
        SQLite's naive ones cannot be compared with aware ones.
        """
        options = {"synchronize_session": False}
        result = self.db.session.execute(statement, execution_options=options)
        self.db.session.commit()
        return int(result.rowcount)

    def _touch(self, token_id: int, now: datetime) -> None:
        """Write the last use on a connection of its own, committed at once, so the request's
        own unfinished work is never committed with it."""
        with self.db.engine.begin() as connection:
            connection.execute(
                update(self.model.__table__)
                .where(self.model.__table__.c.id == token_id)
                .values(last_used_at=now)
            )

    def _check_room(self, user_id: int, now: datetime) -> None:
        """Refuse a token beyond ``BASTION_TOKEN_MAX_PER_USER`` live ones."""
        table = self.model.__table__
        live = (
            select(func.count())
            .select_from(table)
            .where(
                table.c.user_id == user_id,
                table.c.revoked_at.is_(None),
                table.c.expires_at > now,
            )
        )
        if (self.db.session.scalar(live) or 0) >= self.max_per_user:
            raise TokenRequestError(
                f"You already have {self.max_per_user} active tokens, the most allowed "
                "(BASTION_TOKEN_MAX_PER_USER); revoke one you no longer use first."
            )

    def _checked_scopes(self, scopes: Collection[str]) -> list[str]:
        unknown = set(scopes).difference(self.scopes)
        if not scopes or unknown:
            raise TokenRequestError(
                f"Choose at least one scope, out of {sorted(self.scopes)} (BASTION_TOKEN_SCOPES);"
                f" unknown: {sorted(unknown)}."
            )
        return sorted(set(scopes))

    def _checked_lifetime(self, lifetime: timedelta) -> timedelta:
        if not timedelta(0) < lifetime <= self.max_lifetime:
            raise TokenRequestError(
                f"A token's lifetime must be positive and at most {self.max_lifetime.days} days "
                "(BASTION_TOKEN_MAX_LIFETIME_DAYS)."
            )
        return lifetime


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= ACCESS_TOKEN_NAME_MAX_LENGTH:
        raise TokenRequestError(
            f"Give the token a name of 1 to {ACCESS_TOKEN_NAME_MAX_LENGTH} characters, so you "
            "can tell it from your other tokens."
        )
    return name


def _refusal(record: Any, now: datetime) -> str | None:
    """Why ``record`` cannot authenticate a request ``now``, or ``None`` when it can."""
    status = record.status(now)
    if status != "active":
        return str(status)
    if not record.user.is_active:
        return "its account is locked"
    return None
