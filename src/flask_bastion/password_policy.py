"""Which new passwords to accept: a length range, then a zxcvbn strength estimate.

Length alone admits ``password1234``; zxcvbn estimates how many guesses an attacker with a
dictionary of common passwords, names and keyboard patterns would need, and it is told the
user's own details (such as their email) so a password built from them is refused too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from flask_bastion.config import BASTION_DEFAULTS
from flask_bastion.exceptions import ConfigurationError

#: zxcvbn stores the user inputs of each call in a module-level dictionary, so two
#: concurrent calls could each score against the other's inputs. This serialises them.
_ZXCVBN_LOCK: Final = threading.Lock()
_MAX_SCORE: Final = 4


@dataclass(frozen=True)
class PasswordPolicy:
    """The rules a new password must meet, with a message for each rule it breaks.

    ``min_score`` is zxcvbn's 0-4 scale; 3 turns away passwords found in common-password lists
    and simple variations of them.
    """

    min_length: int = 12
    max_length: int = 128
    min_score: int = 3

    def __post_init__(self) -> None:
        if self.min_length < 1:
            raise ConfigurationError("BASTION_PASSWORD_MIN_LENGTH must be at least 1.")
        if self.max_length < self.min_length:
            raise ConfigurationError(
                "BASTION_PASSWORD_MAX_LENGTH must be at least BASTION_PASSWORD_MIN_LENGTH."
            )
        if not 0 <= self.min_score <= _MAX_SCORE:
            raise ConfigurationError("BASTION_PASSWORD_MIN_SCORE must be between 0 and 4.")

    @classmethod
    def from_config(cls, app_config: Mapping[str, Any]) -> PasswordPolicy:
        """Build the policy from ``BASTION_PASSWORD_*`` settings, defaulting missing ones."""
        return cls(
            min_length=_read(app_config, "BASTION_PASSWORD_MIN_LENGTH"),
            max_length=_read(app_config, "BASTION_PASSWORD_MAX_LENGTH"),
            min_score=_read(app_config, "BASTION_PASSWORD_MIN_SCORE"),
        )

    def problems_for_account(self, password: str, email: str) -> list[str]:
        """:meth:`problems`, with the account's email and its local part as words to avoid."""
        email = email.strip().lower()
        return self.problems(password, [email, email.partition("@")[0]] if email else [])

    def problems(self, password: str, user_inputs: Sequence[str] = ()) -> list[str]:
        """Return what is wrong with ``password``, as sentences for the user; empty if nothing.

        ``user_inputs`` are the user's own details (email, its local part, name), which an
        attacker targeting this account would try first. The strength is only estimated for a
        password of acceptable length, which also bounds zxcvbn's work on hostile input.
        """
        if len(password) < self.min_length:
            return [f"Use at least {self.min_length} characters."]
        if len(password) > self.max_length:
            return [f"Use at most {self.max_length} characters."]
        with _ZXCVBN_LOCK:
            from zxcvbn import zxcvbn  # 14 MiB of word lists: loaded on the first check only

            result = zxcvbn(password, user_inputs=list(user_inputs), max_length=self.max_length)
        if result["score"] >= self.min_score:
            return []
        return _weakness_messages(result["feedback"])


def _read(app_config: Mapping[str, Any], key: str) -> int:
    """Read one integer setting, falling back to its declared default."""
    return int(app_config.get(key, BASTION_DEFAULTS[key]))


def _weakness_messages(feedback: Mapping[str, Any]) -> list[str]:
    """Turn zxcvbn's feedback into messages, the general verdict first."""
    messages = ["This password is too easy to guess."]
    for hint in [feedback.get("warning", ""), *feedback.get("suggestions", [])]:
        if hint and hint not in messages:
            messages.append(hint)
    return messages
