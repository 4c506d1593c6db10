"""HTTPS everywhere: trusted proxy headers, the redirect from HTTP, and HSTS.

Behind Nginx the app sees plain HTTP from the proxy; only the proxy's ``X-Forwarded-Proto``
says whether the browser used HTTPS. Werkzeug's ProxyFix trusts exactly the configured number
of hops, so a client cannot claim HTTPS (or another IP address) by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from flask import Flask, abort, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from flask_bastion.config import is_development, setting
from flask_bastion.exceptions import ConfigurationError, HTTPSRequired

#: Methods that are redirected to HTTPS; every other method over HTTP is refused.
REDIRECTED_METHODS = frozenset({"GET", "HEAD"})


def init_transport(app: Flask) -> None:
    """Trust the configured proxies, then enforce HTTPS and HSTS as configured."""
    _trust_proxies(app, setting(app, "BASTION_PROXY_HOPS"))
    if is_development(app):
        app.logger.warning(DEVELOPMENT_WARNING)
        run_first(app, _require_loopback_client)
    if setting(app, "BASTION_FORCE_HTTPS"):
        run_first(app, _require_https)
    elif not is_development(app):
        app.logger.warning(
            "BASTION_FORCE_HTTPS is off in production mode: plain-HTTP requests are served."
        )
    # HSTS is sent by the one security-headers hook (flask_bastion.headers), on HTTPS only.


DEVELOPMENT_WARNING = (
    "\n" + "!" * 72 + "\n"
    "  Flask-Bastion runs in DEVELOPMENT mode: no HTTPS redirect, no Secure cookies.\n"
    "  Only clients on this machine (loopback) are served. Never expose it; set\n"
    "  BASTION_MODE='production' (the default) on any server others can reach.\n" + "!" * 72
)


def hsts_value(max_age: int, config: dict[str, object]) -> str:
    """The ``Strict-Transport-Security`` value, or ``""`` when HSTS is off."""
    if max_age <= 0:
        return ""
    value = f"max-age={max_age}"
    if config.get("BASTION_HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    return value


def _trust_proxies(app: Flask, hops: object) -> None:
    if not isinstance(hops, int) or isinstance(hops, bool) or hops < 0:
        raise ConfigurationError(
            f"BASTION_PROXY_HOPS is {hops!r}; set it to the number of reverse proxies in "
            "front of the app (0 when clients connect directly, 1 behind one Nginx)."
        )
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


#: Key in ``app.extensions`` of the checks that run before every other hook, in order.
FIRST_CHECKS = "bastion.first_checks"
Check = Callable[[], BaseResponse | None]


def run_first(app: Flask, check: Check) -> None:
    """Run ``check`` before every other ``before_request`` hook (CSRF, rate limits, ...).

    A request on the wrong transport or from the wrong host is answered as such, not as an
    expired form, and does not count against the client's rate limits. The checks added here
    run in one hook (one dispatch per request, not one per check), in the order added.
    """
    checks: list[Check] | None = app.extensions.get(FIRST_CHECKS)
    if checks is None:
        checks = app.extensions[FIRST_CHECKS] = []
        app.before_request_funcs.setdefault(None, []).insert(0, _first_hook(checks))
    checks.append(check)


def _first_hook(checks: list[Check]) -> Callable[[], BaseResponse | None]:
    def run_first_checks() -> BaseResponse | None:
        for check in checks:
            response = check()
            if response is not None:
                return response
        return None

    return run_first_checks


def _require_loopback_client() -> None:
    """Development mode serves this machine only: its cookies travel without ``Secure``."""
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        abort(403)


def _require_https() -> BaseResponse | None:
    """Redirect a safe request to HTTPS; refuse an unsafe one, whose data already leaked."""
    if request.is_secure:
        return None
    if request.method not in REDIRECTED_METHODS:
        raise HTTPSRequired()
    return redirect(request.url.replace("http://", "https://", 1), code=301)
