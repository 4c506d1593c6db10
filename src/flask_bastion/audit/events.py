"""The names of the security events, and how the account pages label them.

An event name is a stable ``noun.verb`` string: it is stored, logged and filtered on, so a name
never changes once released. Apps may record events of their own with any other name.
"""

# Bandit's S105 takes the names containing "PASSWORD" for hard-coded passwords; they are event
# names and login-failure reasons.
# ruff: noqa: S105

from __future__ import annotations

from typing import Final

LOGIN_SUCCEEDED: Final = "login.succeeded"
#: Detail ``reason``: one of the ``REASON_*`` constants below.
LOGIN_FAILED: Final = "login.failed"
ACCOUNT_LOCKED: Final = "account.locked"
ACCOUNT_UNLOCKED: Final = "account.unlocked"
LOGOUT: Final = "logout"
SESSION_ENDED: Final = "session.ended"
SESSIONS_ENDED_OTHERS: Final = "sessions.ended_others"
PASSWORD_CHANGED: Final = "password.changed"
#: Details ``sessions_ended`` and ``tokens_revoked``: a reset also revokes every access token.
PASSWORD_RESET: Final = "password.reset"
PASSWORD_RESET_REQUESTED: Final = "password.reset_requested"
EMAIL_CHANGED: Final = "email.changed"
EMAIL_CONFIRMED: Final = "email.confirmed"
TWO_FACTOR_ENABLED: Final = "two_factor.enabled"
TWO_FACTOR_DISABLED: Final = "two_factor.disabled"
RECOVERY_CODE_USED: Final = "recovery_code.used"
#: Detail ``role``: the role's name.
ROLE_GRANTED: Final = "role.granted"
#: Detail ``role``: the role's name.
ROLE_REVOKED: Final = "role.revoked"
#: Details ``role`` and ``permission``: the role now grants the permission.
PERMISSION_ALLOWED: Final = "role.permission_allowed"
#: Details ``role`` and ``permission``: the role no longer grants the permission.
PERMISSION_DENIED: Final = "role.permission_denied"
FRESH_LOGIN_CONFIRMED: Final = "fresh_login.confirmed"
#: Detail ``by``: the admin's user id. The account can no longer log in.
ACCOUNT_DEACTIVATED: Final = "account.deactivated"
#: Details ``by`` and ``sessions_ended``: an admin ended every session of the user.
SESSIONS_ENDED_BY_ADMIN: Final = "sessions.ended_by_admin"
#: Details ``by``, ``sessions_ended``, ``tokens_revoked`` and ``mailed``: the user must choose
#: a new password.
PASSWORD_RESET_REQUIRED: Final = "password.reset_required"
#: Details ``token_id``, ``name``, ``scopes`` (space-separated) and ``days`` (its lifetime);
#: never the secret or its hash.
TOKEN_CREATED: Final = "token.created"
#: Detail ``token_id``: the owner revoked it on the tokens page.
TOKEN_REVOKED: Final = "token.revoked"

# Why a login failed. They tell unknown accounts from wrong passwords, so they go to the
# audit log only: the login page answers the same for every one of them.
REASON_UNKNOWN_ACCOUNT: Final = "unknown_account"
REASON_WRONG_PASSWORD: Final = "wrong_password"
REASON_INACTIVE: Final = "inactive"
REASON_LOCKED: Final = "locked"
REASON_RATE_LIMITED: Final = "rate_limited"
#: A wrong TOTP or recovery code at the second login step, after a right password.
REASON_WRONG_SECOND_FACTOR: Final = "wrong_second_factor"

#: What the activity pages show for each event.
LABELS: Final[dict[str, str]] = {
    LOGIN_SUCCEEDED: "Logged in",
    LOGIN_FAILED: "Failed login attempt",
    ACCOUNT_LOCKED: "Account locked after repeated failures",
    ACCOUNT_UNLOCKED: "Account unlocked",
    LOGOUT: "Logged out",
    SESSION_ENDED: "A session was ended",
    SESSIONS_ENDED_OTHERS: "All other sessions were ended",
    PASSWORD_CHANGED: "Password changed",
    PASSWORD_RESET: "Password reset by email link",
    PASSWORD_RESET_REQUESTED: "Password reset requested",
    EMAIL_CHANGED: "Email address changed",
    EMAIL_CONFIRMED: "Email address confirmed",
    TWO_FACTOR_ENABLED: "Two-factor authentication turned on",
    TWO_FACTOR_DISABLED: "Two-factor authentication turned off",
    RECOVERY_CODE_USED: "Recovery code used",
    ROLE_GRANTED: "Role granted",
    ROLE_REVOKED: "Role removed",
    PERMISSION_ALLOWED: "Permission added to a role",
    PERMISSION_DENIED: "Permission removed from a role",
    FRESH_LOGIN_CONFIRMED: "Password confirmed for a sensitive action",
    ACCOUNT_DEACTIVATED: "Account locked by an admin",
    SESSIONS_ENDED_BY_ADMIN: "Every session was ended by an admin",
    PASSWORD_RESET_REQUIRED: "Password reset required by an admin",
    TOKEN_CREATED: "Access token created",
    TOKEN_REVOKED: "Access token revoked",
}


def label(event: str) -> str:
    """The readable label of ``event``; an app's own event shows under its name."""
    return LABELS.get(event, event)
