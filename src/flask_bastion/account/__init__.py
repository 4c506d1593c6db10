"""The account pages: a user's sessions, password, and (in their own modules) more.

Each feature module offers ``register(bp, accounts)``, which adds its views to the one
``bastion_account`` blueprint; this module only assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState
    from flask_bastion.sessions import SessionManager

ENDPOINT_PREFIX = "bastion_account"


@dataclass(frozen=True)
class Accounts:
    """What the account views work with."""

    state: BastionState
    users: UserStore
    sessions: SessionManager


def init_account(app: Flask, accounts: Accounts) -> None:
    """Register the account pages under ``BASTION_ACCOUNT_URL_PREFIX``."""
    from flask_bastion.account import (
        activity,
        confirm,
        email_change,
        overview,
        password,
        session_list,
    )
    from flask_bastion.tokens import views as tokens
    from flask_bastion.two_factor import enrolment as two_factor

    bp = Blueprint(ENDPOINT_PREFIX, __name__)
    features = (overview, confirm, session_list, password, activity, two_factor, tokens)
    for feature in (*features, email_change):
        feature.register(bp, accounts)
    app.register_blueprint(bp, url_prefix=app.config["BASTION_ACCOUNT_URL_PREFIX"])
