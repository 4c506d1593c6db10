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
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_qualified_name, get_remote_address
from limits.storage import MemoryStorage

from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.limit_blocks import use_blocks

View = Callable[..., Any]

#: Form field whose value names the account a login attempt is aimed at.
ACCOUNT_FIELD = "email"


class BastionLimiter(Limiter):
    """Flask-Limiter, with a short path for the limit most requests meet: the default one.

    Flask-Limiter works a request's limits out from scratch every time (limits on the view,
    its blueprints, application and meta limits, exemptions, request filters), which costs
    several times more than counting them. When none of those exist for the endpoint, the
    request meets exactly the default limits: they are counted here, under the keys and with
    the bookkeeping Flask-Limiter itself uses (so ``current_limits``, ``Retry-After`` and
    its headers stay the same). Every other request, and every decorated limit, goes through
    Flask-Limiter's own check. No limit is skipped: only the work of finding them is.
    """

    def init_app(self, app: Flask) -> None:
        """Flask-Limiter's setup, then the default limits parsed once, when the short path
        can count them (plain limit strings, keyed by client address, no options)."""
        super().init_app(app)
        self._plain_defaults = _plain_defaults(self, app)

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        """Flask-Limiter's per-request check (the ``before_request`` hook and decorators)."""
        endpoint = request.endpoint or ""
        limits = self._hook_limits(endpoint) if in_middleware and not callable_name else None
        if limits is None:
            super()._check_request_limit(callable_name, in_middleware)
        else:
            _count(self, limits, endpoint)

    def _hook_limits(self, endpoint: str) -> list[Any] | None:
        """The limits Flask-Limiter's ``before_request`` hook would count for ``endpoint``:
        the defaults, or none for a view with limits of its own (its decorator counts them
        all, the defaults included); ``None`` to let Flask-Limiter work it out.

        Static files, a limiter switched off, and unusual setups (application or meta limits,
        request filters, blueprint limits or exemptions, exempt views, a fallback store) go
        to Flask-Limiter.
        """
        defaults = self._plain_defaults
        if defaults is None or not (endpoint and self.enabled) or self._storage_dead:
            return None
        if self._request_filters or self._meta_limits or endpoint.rpartition(".")[2] == "static":
            return None
        manager = self.limit_manager
        if manager._application_limits or manager.has_hints(endpoint):
            return None
        if (manager._blueprint_limits or manager._blueprint_exemptions) and request.blueprints:
            return None
        view = current_app.view_functions.get(endpoint)
        name = get_qualified_name(view) if view else ""
        if not name or name in manager._route_exemptions:
            return None
        return [] if name in self._marked_for_limiting else defaults


def _plain_defaults(limiter: Limiter, app: Flask) -> list[Any] | None:
    """The default limits, smallest window first, if the short path counts them exactly as
    Flask-Limiter would; ``None`` when some option needs Flask-Limiter's own check."""
    if not limiter.enabled or limiter._on_breach or limiter._swallow_errors:
        return None
    if limiter._in_memory_fallback_enabled or not limiter._fail_on_first_breach:
        return None
    if app.config.get("RATELIMIT_REQUEST_IDENTIFIER") is not None:
        return None
    if not all(
        isinstance(group.limit_provider, str) for group in limiter.limit_manager._default_limits
    ):
        return None  # a callable limit is read on every request
    defaults = limiter.limit_manager.default_limits
    plain = all(
        limit.key_func is limiter._key_func
        and limit.scope is None
        and not (limit.per_method or limit.methods or limit.exempt_when or limit.deduct_when)
        and not (limit.on_breach or limit.meta_limits or limit.shared)
        and limit.cost == 1
        for limit in defaults
    )
    return sorted(defaults, key=lambda limit: limit.limit) if plain else None


def _count(limiter: Limiter, limits: list[Any], endpoint: str) -> None:
    """Hit each limit for this client on ``endpoint``, as Flask-Limiter's hook does: stop at
    the first breach and raise it, and leave the request's limits for ``current_limits``."""
    if not limits:
        return
    args = [limiter._key_func(), endpoint]
    if limiter._key_prefix:
        args.insert(0, limiter._key_prefix)
    context = limiter.context
    context.seen_limits.update(limits)
    counted: list[RequestLimit] = []
    context.view_rate_limits = counted
    for limit in limits:
        context.view_rate_limit = RequestLimit(limiter, limit.limit, args, False, False)
        counted.append(context.view_rate_limit)
        if not limiter.limiter.hit(limit.limit, *args):
            context.view_rate_limit.breached = True
            limiter.logger.info(
                "ratelimit %s (%s) exceeded at endpoint: %s", limit.limit, args[-2], endpoint
            )
            raise RateLimitExceeded(limit)
    context.view_rate_limit = counted[0]


class SweepingMemoryStorage(MemoryStorage):
    """limits' in-process storage (``memory://``), without its timer thread.

    limits' own starts a new thread every 10 ms for as long as requests keep coming, only to
    drop expired counters; starting those threads costs a busy worker more than its counting
    does (some 50 us a request). An expired counter is already ignored when read; here the
    request that finds a sweep due also drops the expired ones, at most once a second.
    """

    STORAGE_SCHEME = ["bastion-memory"]
    #: Seconds between two sweeps of expired counters.
    SWEEP_INTERVAL = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions, **options)
        self.timer.cancel()  # the first one, started by MemoryStorage itself
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:
        """What limits calls on each hit to start its timer: a sweep when one is due."""
        now = time.time()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def init_limits(app: Flask) -> Limiter:
    """Apply the default limit to every route (static files excepted: Flask-Limiter itself
    exempts every ``static`` endpoint, so no per-request exemption check is added here).

    ``memory://`` counters go to :class:`SweepingMemoryStorage`; any other storage is
    Flask-Limiter's own, and on Redis generous limits are counted in blocks
    (:mod:`flask_bastion.limit_blocks`).
    """
    storage = str(app.config["RATELIMIT_STORAGE_URI"])
    in_process = storage.startswith("memory://")
    swept = storage.replace("memory://", "bastion-memory://", 1) if in_process else None
    limiter = BastionLimiter(get_remote_address, app=app, storage_uri=swept)
    use_blocks(limiter, _block_share(app))
    if in_process:
        app.logger.info(
            "Rate limits are counted in this process (memory://); run one worker process, "
            "or set RATELIMIT_STORAGE_URI to redis:// to share them between workers."
        )
    return limiter


def _block_share(app: Flask) -> float:
    """``BASTION_RATELIMIT_BLOCK``: the share of a limit reserved at once, 0 to 0.25."""
    share = setting(app, "BASTION_RATELIMIT_BLOCK")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 0.25:
        raise ConfigurationError(
            f"BASTION_RATELIMIT_BLOCK is {share!r}; set it to a share of a limit between 0 "
            "(count every hit in the store) and 0.25."
        )
    return float(share)


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
