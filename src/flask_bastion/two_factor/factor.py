"""Turning two-factor on and off for a user, and checking a second-factor code once only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from flask_bastion.exceptions import BastionError
from flask_bastion.two_factor import recovery, sealing, totp

security_log = logging.getLogger("flask_bastion.security")

Kind = Literal["totp", "recovery_code"]


class InvalidCode(BastionError):
    """The code is wrong, expired, already used, or the user has no second factor.

    :meth:`TwoFactor.verify` raises this rather than returning ``False``, so a forgotten ``if``
    can never let a wrong code in.
    """


class TwoFactor:
    """The second factor of every user: TOTP secrets on the user (sealed by ``sealer``),
    recovery codes beside it.

    ``clock`` is read for every code checked, so tests can move time instead of sleeping.
    """

    def __init__(
        self,
        db: Any,
        user_model: Any,
        codes: recovery.RecoveryCodes,
        clock: Callable[[], datetime],
        sealer: sealing.Sealer,
    ) -> None:
        self.db = db
        self.User = user_model
        self.codes = codes
        self.clock = clock
        self.sealer = sealer

    @classmethod
    def of(cls, app: Flask) -> TwoFactor:
        """The two-factor service of ``app``, on its database, its session clock and its keys."""
        from flask_bastion.models import define_models

        state = app.extensions["bastion"]
        models = define_models(state.users.db)
        codes = recovery.RecoveryCodes(state.users.db, models.recovery_codes)
        sealer = sealing.Sealer.of(app)
        return cls(state.users.db, models.User, codes, lambda: state.sessions.clock(), sealer)

    @staticmethod
    def is_enabled(user: Any) -> bool:
        """Whether the user has turned two-factor on (confirmed a secret with a code)."""
        return getattr(user, "totp_enabled_at", None) is not None

    def candidate_secret(self, user: Any) -> str:
        """The secret offered at enrolment: the one already offered, or a new one.

        It is stored (sealed), but two-factor stays off until a code proves the phone has it;
        the page shows the same one when reloaded, so a stray GET changes nothing the user
        relies on. One stored in clear is sealed now; one no key opens any more is replaced,
        since nothing relies on it yet.
        """
        try:
            opened = self._open(user)
        except InvalidCode:
            opened = sealing.Opened(totp.new_secret(), stale=True)
            user.totp_last_counter = None
        if opened.stale:
            user.totp_secret = self.sealer.seal(opened.secret)
            self.db.session.commit()
        return opened.secret

    def enable(self, user: Any, code: str) -> list[str]:
        """Turn two-factor on if ``code`` matches the candidate secret; returns the new
        recovery codes, in clear for the only time. Raises :class:`InvalidCode`."""
        if self.is_enabled(user):
            raise InvalidCode("Start the enrolment again.")
        self._claim_totp(user, code)
        user.totp_enabled_at = self.clock()
        codes = self.codes.replace(user.id, _secret_key(), self.clock())
        self.db.session.commit()
        return codes

    def disable(self, user: Any) -> None:
        """Turn two-factor off: the secret and every recovery code are deleted."""
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_counter = None
        self.codes.delete(user.id)
        self.db.session.commit()

    def new_recovery_codes(self, user: Any) -> list[str]:
        """Replace the user's recovery codes (the old ones stop working); returns the new."""
        codes = self.codes.replace(user.id, _secret_key(), self.clock())
        self.db.session.commit()
        return codes

    def verify(self, user: Any, code: str) -> Kind:
        """Check and use up ``code``: a TOTP code or a recovery code of ``user``.

        Returns which kind it was; raises :class:`InvalidCode` when it is wrong, outside the
        time window, or already used.
        """
        if not self.is_enabled(user):
            raise InvalidCode("Two-factor authentication is off for this account.")
        value = recovery.normalise(code)
        if totp.looks_like_code(value):
            self._claim_totp(user, value)
            self.db.session.commit()
            return "totp"
        if not self.codes.use(user.id, value, _secret_keys(), self.clock()):
            self.db.session.rollback()
            raise InvalidCode("That code is wrong or was used already.")
        self.db.session.commit()
        return "recovery_code"

    def reseal_all(self) -> tuple[int, list[Any]]:
        """Seal under the current ``SECRET_KEY`` every TOTP key stored in clear or under a
        fallback key, without waiting for each user's next code; returns how many were sealed,
        and the users whose key no key opens (their two-factor must be reset).

        After it, a rotated-out key can leave ``SECRET_KEY_FALLBACKS`` at once.
        """
        sealed, unreadable = 0, []
        query = select(self.User).where(self.User.totp_secret.is_not(None))
        for user in self.db.session.scalars(query):
            try:
                opened = self.sealer.open(user.totp_secret)
            except sealing.UnreadableSecret:
                unreadable.append(user)
                continue
            if opened.stale:
                user.totp_secret = self.sealer.seal(opened.secret)
                sealed += 1
        self.db.session.commit()
        return sealed, unreadable

    def recovery_codes_left(self, user: Any) -> int:
        """How many unused recovery codes the user has."""
        return self.codes.left(user.id)

    def _open(self, user: Any) -> sealing.Opened:
        """The user's TOTP secret in clear. Raises :class:`InvalidCode` if there is none, or if
        no key opens it (then logged: only the operator can fix it)."""
        if user.totp_secret is None:
            raise InvalidCode("Start the enrolment again.")
        try:
            return self.sealer.open(user.totp_secret)
        except sealing.UnreadableSecret as error:
            security_log.warning("TOTP secret of user %s refused: %s.", user.id, error)
            raise InvalidCode("The two-factor secret cannot be read.") from None

    def _claim_totp(self, user: Any, code: str) -> None:
        """Accept ``code`` for its time step, which no later request can use again.

        The step is claimed with one conditional ``UPDATE``: of two requests racing with the
        same code, only one changes the row. A secret stored in clear or under a fallback key
        is then sealed under the current key; the caller commits.
        """
        opened = self._open(user)
        step = totp.matching_step(opened.secret, code, self.clock(), user.totp_last_counter)
        if step is None:
            raise InvalidCode("That code is wrong, expired or was used already.")
        column = self.User.totp_last_counter
        claimed = self.db.session.execute(
            update(self.User)
            .where(self.User.id == user.id, or_(column.is_(None), column < step))
            .values(totp_last_counter=step)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            self.db.session.rollback()
            raise InvalidCode("That code was used already.")
        user.totp_last_counter = step
        if opened.stale:
            user.totp_secret = self.sealer.seal(opened.secret)


def _secret_key() -> str | bytes:
    key: str | bytes = current_app.secret_key  # type: ignore[assignment]
    return key


def _secret_keys() -> list[str | bytes]:
    """``SECRET_KEY``, then each of ``SECRET_KEY_FALLBACKS``: every key a code may be under."""
    return [_secret_key(), *(current_app.config.get("SECRET_KEY_FALLBACKS") or ())]
