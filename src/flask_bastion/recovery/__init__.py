"""Proving who owns an address: password reset, email confirmation and email change by mail.

Each flow mails a signed, time-limited link (:mod:`.tokens`) built from
``BASTION_EXTERNAL_URL``, never from the request's Host header (:mod:`.links`). The anonymous
views (``/reset``, ``/reset/<token>``, ``/confirm-email/<token>``) join the ``bastion_auth``
blueprint; the email change lives with the account pages
(:mod:`flask_bastion.account.email_change`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

from flask_bastion.recovery.links import Recovery

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore
    from flask_bastion.extension import BastionState

__all__ = ["Recovery", "init_recovery"]


def init_recovery(app: Flask, bp: Blueprint, state: BastionState, users: UserStore) -> None:
    """Check the settings (a wrong one stops the start) and add the views to ``bp``."""
    from flask_bastion.recovery import confirmation, reset
    from flask_bastion.recovery.mails import MailUnavailable, mail_unavailable_page

    app.register_error_handler(MailUnavailable, mail_unavailable_page)
    state.recovery = Recovery.from_app(app, mail=state.mailer.enabled)
    if state.recovery.reset_offered:
        reset.register(bp, state, users)
    confirmation.register(bp, state, users)
