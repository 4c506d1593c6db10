"""Rate limits on Flask-Limiter: a default for every route, strict ones on password forms.

Counters live in ``RATELIMIT_STORAGE_URI``. With ``memory://`` each process counts on its own,
so a server with N worker processes would allow N times the limit: run one worker process with
threads (``deploy/gunicorn.conf.py`` does), or use ``redis://`` so every worker and host shares
one count.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from flask_bastion.config import setting

View = Callable[..., Any]

#: Form field whose value names the account a login attempt is aimed at.
ACCOUNT_FIELD = "email"


def init_limits(app: Flask) -> Limiter:
    """Apply the default limit to every route (static files excepted: Flask-Limiter itself
    exempts every ``static`` endpoint, so no per-request exemption check is added here)."""
    limiter = Limiter(get_remote_address, app=app)
    storage = str(app.config["RATELIMIT_STORAGE_URI"])
    if storage.startswith("memory://"):
        app.logger.info(
            "Rate limits are counted in this process (memory://); run one worker process, "
            "or set RATELIMIT_STORAGE_URI to redis:// to share them between workers."
        )
    return limiter


def limit_password_form(
    limiter: Limiter,
    ip_setting: str,
    account_setting: str | None = None,
    account: Callable[[], str] | None = None,
) -> Callable[[View], View]:
    """A decorator limiting POSTs of a password form per IP and, optionally, per account.

    The per-account limit counts attempts on one email from any IP address, which is what
    stops a password spray spread across a botnet. ``account`` names the account another way
    than the ``email`` field (the second login step knows it from the session).
    """

    def decorate(view: View) -> View:
        view = limiter.limit(_from_config(ip_setting), methods=["POST"], override_defaults=False)(
            view
        )
        if account_setting is not None:
            view = limiter.limit(
                _from_config(account_setting),
                key_func=account or account_key,
                methods=["POST"],
                override_defaults=False,
                scope="account",
            )(view)
        return view

    return decorate


def account_key() -> str:
    """The account a form targets, hashed so the limiter's store never holds email addresses."""
    account = request.form.get(ACCOUNT_FIELD, "").strip().lower()
    return hashlib.sha256(account.encode()).hexdigest()


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets the client in again (at least 1)."""
    limiter: Limiter = current_app.extensions["bastion"].limiter
    resets = [limit.reset_at for limit in limiter.current_limits if limit.breached]
    return max(1, math.ceil(max(resets, default=0) - time.time()))


def _from_config(key: str) -> Callable[[], str]:
    return lambda: str(setting(current_app, key))
