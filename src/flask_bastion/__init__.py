"""Flask-Bastion: every protection of the public-internet checklist, secure by default."""

from __future__ import annotations

from flask_bastion.authz import (
    PermissionNeed,
    current_identity,
    has_permission,
    login_required,
    permission_required,
    public,
    roles_required,
)
from flask_bastion.csrf import exempt as csrf_exempt
from flask_bastion.exceptions import (
    BastionError,
    ConfigurationError,
    InvalidPassword,
    UnsafeConfigurationError,
)
from flask_bastion.extension import Bastion, BastionState, state_for
from flask_bastion.headers import csp_nonce
from flask_bastion.policy import Policy, authorize, can, get_or_404, policy_for, visible
from flask_bastion.sanitize import render_markdown, sanitize_html
from flask_bastion.sql import LIKE_ESCAPE, escape_like
from flask_bastion.tokens import scope_required

__all__ = [
    "LIKE_ESCAPE",
    "Bastion",
    "BastionError",
    "BastionState",
    "ConfigurationError",
    "InvalidPassword",
    "PermissionNeed",
    "Policy",
    "UnsafeConfigurationError",
    "authorize",
    "can",
    "csp_nonce",
    "csrf_exempt",
    "current_identity",
    "escape_like",
    "get_or_404",
    "has_permission",
    "login_required",
    "permission_required",
    "policy_for",
    "public",
    "render_markdown",
    "roles_required",
    "sanitize_html",
    "scope_required",
    "state_for",
    "visible",
]
