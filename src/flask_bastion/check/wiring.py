"""Checks of a built app's wiring: its routes, extensions, Jinja setup and error handlers.

They work on any Flask app, with or without Flask-Bastion, and run only in the audit (a start
cannot run them: the app is not built yet). A check whose feature is absent returns nothing:
no unsafe routes, no CSRF finding; no login route, no rate-limit finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from flask import Flask
from werkzeug.exceptions import InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_bastion.authz import denies_by_default, is_public
from flask_bastion.check.http_rules import hsts_problem
from flask_bastion.check.registry import WIRING, Finding, Severity, register

CSRF_MISSING: Final = "BST-CFG-008"
LOGIN_UNLIMITED: Final = "BST-CFG-009"
HTTP_SERVED: Final = "BST-CFG-010"
HSTS_MISSING: Final = "BST-CFG-011"
PROXY_MISCONFIGURED: Final = "BST-CFG-012"
AUTOESCAPE_OFF: Final = "BST-CFG-013"
BODY_UNLIMITED: Final = "BST-CFG-014"
NO_500_HANDLER: Final = "BST-CFG-015"
UNSAFE_ENDPOINT: Final = "BST-CFG-016"

UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Views that anonymous visitors must reach to log in (or to get back in): not listed for review.
AUTH_ENDPOINTS: Final = frozenset(
    {"login", "logout", "register", "signup", "sign_up", "signin"}
    | {"forgot_password", "reset_request", "reset_password", "confirm_email"}
)
LOGIN_WORDS: Final = ("login", "log_in", "signin", "sign_in", "authenticate")
#: Code of these packages, found in a view's decorators, requires a logged-in user.
AUTH_PACKAGES: Final = ("flask_login", "flask_security", "flask_bastion/authz", "flask_httpauth")
PROBE_PATH: Final = "/.well-known/bastion-check-probe"
#: More trusted proxies than a CDN in front of a load balancer is almost always a mistake.
MAX_SENSIBLE_HOPS: Final = 2


@register(WIRING)
def check_csrf_registered(app: Flask) -> Iterator[Finding]:
    uses_cookies = bool(app.config.get("SECRET_KEY")) or hasattr(app, "login_manager")
    protected = any("csrf" in name or "seasurf" in name for name in app.extensions)
    if uses_cookies and not protected and unsafe_endpoints(app):
        yield Finding(
            CSRF_MISSING,
            Severity.HIGH,
            "The app accepts POST/PUT/PATCH/DELETE with cookie sessions and registers no CSRF "
            "protection: another site can submit requests as your logged-in users.",
            "Register Flask-WTF's CSRFProtect(app) (or Flask-Bastion, which does).",
            location="app.extensions",
        )


@register(WIRING)
def check_login_rate_limit(app: Flask) -> Iterator[Finding]:
    limiters = app.extensions.get("limiter", set())
    for endpoint, view in unsafe_endpoints(app).items():
        name = endpoint.rsplit(".", 1)[-1].lower()
        if any(word in name for word in LOGIN_WORDS) and not _is_limited(view, limiters):
            yield Finding(
                LOGIN_UNLIMITED,
                Severity.MEDIUM,
                f"The login view {endpoint!r} has no rate limit: passwords can be guessed at "
                "full speed.",
                "Register Flask-Limiter with default limits, or decorate the view with "
                "limiter.limit('10 per minute').",
                location=endpoint,
            )


@register(WIRING)
def check_https_redirect(app: Flask) -> Iterator[Finding]:
    if not _probes_transport(app) or "BASTION_FORCE_HTTPS" in app.config:
        return  # Flask-Bastion's own switch is reported by the settings check.
    response = _probe(app, "http")
    location = response.headers.get("Location", "") if response else ""
    if response is not None and not location.startswith("https://"):
        yield Finding(
            HTTP_SERVED,
            Severity.HIGH,
            "A plain-HTTP request is answered instead of redirected to HTTPS: passwords and "
            "cookies can be read on the network.",
            "Redirect HTTP to HTTPS in the app (Flask-Bastion does) or at the proxy, and trust "
            "the proxy's X-Forwarded-Proto with ProxyFix.",
            location="HTTP to HTTPS redirect",
        )


@register(WIRING)
def check_hsts(app: Flask) -> Iterator[Finding]:
    if not _probes_transport(app):
        return
    response = _probe(app, "https")
    problem = hsts_problem(response.headers.get("Strict-Transport-Security")) if response else None
    if problem:
        yield Finding(
            HSTS_MISSING,
            Severity.MEDIUM,
            f"HTTPS responses {problem}: a later visit can be downgraded to HTTP (SSL stripping).",
            "Send Strict-Transport-Security: max-age=31536000; includeSubDomains "
            "(Flask-Bastion's BASTION_HSTS_MAX_AGE).",
            location="Strict-Transport-Security",
        )


@register(WIRING)
def check_proxy_fix(app: Flask) -> Iterator[Finding]:
    proxy_fix = _find_proxy_fix(app)
    if proxy_fix is None and app.config.get("PREFERRED_URL_SCHEME") == "https":
        yield Finding(
            PROXY_MISCONFIGURED,
            Severity.MEDIUM,
            "PREFERRED_URL_SCHEME is 'https' but ProxyFix is absent: behind a proxy every "
            "request looks like plain HTTP from the proxy's address (broken HTTPS checks, one "
            "rate limit shared by all clients).",
            "Wrap app.wsgi_app in ProxyFix with the number of proxies (BASTION_PROXY_HOPS=1).",
            location="PREFERRED_URL_SCHEME",
        )
    hops = _proxy_hops(proxy_fix) if proxy_fix is not None else 0
    if hops > MAX_SENSIBLE_HOPS:
        yield Finding(
            PROXY_MISCONFIGURED,
            Severity.MEDIUM,
            f"ProxyFix trusts {hops} proxies: a client can forge its IP address and scheme in "
            "X-Forwarded-* headers that no proxy of yours overwrites.",
            "Set each ProxyFix count to the exact number of proxies in front of the app.",
            location="ProxyFix",
        )


@register(WIRING)
def check_autoescape(app: Flask) -> Iterator[Finding]:
    autoescape = app.jinja_env.autoescape
    if not (autoescape("page.html") if callable(autoescape) else autoescape):
        yield Finding(
            AUTOESCAPE_OFF,
            Severity.HIGH,
            "Jinja autoescaping is off for HTML templates: every variable can inject script.",
            "Remove the autoescape override from app.jinja_options or app.jinja_env.",
            location="jinja_env.autoescape",
        )


@register(WIRING)
def check_body_limit(app: Flask) -> Iterator[Finding]:
    if app.config.get("MAX_CONTENT_LENGTH") is None and unsafe_endpoints(app):
        yield Finding(
            BODY_UNLIMITED,
            Severity.LOW,
            "MAX_CONTENT_LENGTH is unset: one request can send a body of any size.",
            "Set MAX_CONTENT_LENGTH (Flask-Bastion sets 1 MiB).",
            location="MAX_CONTENT_LENGTH",
        )


@register(WIRING)
def check_error_handler(app: Flask) -> Iterator[Finding]:
    handlers = app.error_handler_spec.get(None, {})
    by_class = handlers.get(500, {}) | handlers.get(None, {})
    if not any(issubclass(InternalServerError, cls) for cls in by_class):
        yield Finding(
            NO_500_HANDLER,
            Severity.LOW,
            "No handler for server errors: Werkzeug's default page shows any description "
            "given to abort(500, ...) and no incident id to find the error in the log.",
            "Register @app.errorhandler(500) with a generic page (Flask-Bastion does).",
            location="errorhandler(500)",
        )


@register(WIRING)
def check_unsafe_endpoints(app: Flask) -> Iterator[Finding]:
    for endpoint, view in sorted(unsafe_endpoints(app).items()):
        public = endpoint.rsplit(".", 1)[-1] in AUTH_ENDPOINTS or is_public(app, endpoint)
        if not public and not requires_login(app, endpoint, view):
            yield Finding(
                UNSAFE_ENDPOINT,
                Severity.INFO,
                f"{endpoint!r} changes data (POST/PUT/PATCH/DELETE) with no login requirement.",
                "Review it: add @login_required, or note why anonymous users may call it.",
                location=endpoint,
            )


def unsafe_endpoints(app: Flask) -> dict[str, Callable[..., Any]]:
    """The view of each endpoint that accepts POST, PUT, PATCH or DELETE."""
    return {
        rule.endpoint: app.view_functions[rule.endpoint]
        for rule in app.url_map.iter_rules()
        if (rule.methods or set()) & UNSAFE_METHODS and rule.endpoint in app.view_functions
    }


def _is_limited(view: Callable[..., Any], limiters: set[Any]) -> bool:
    from flask_limiter.util import get_qualified_name

    name = get_qualified_name(view)
    return any(
        name in getattr(limiter, "_marked_for_limiting", set())
        or getattr(getattr(limiter, "limit_manager", None), "_default_limits", None)
        for limiter in limiters
    )


def requires_login(app: Flask, endpoint: str, view: Callable[..., Any]) -> bool:
    """Whether Flask-Bastion denies by default or the view is guarded by a login check."""
    if denies_by_default(app) and not is_public(app, endpoint):
        return True
    return decorated_with_login(app, endpoint, view)


def decorated_with_login(app: Flask, endpoint: str, view: Callable[..., Any]) -> bool:
    """Whether a login decorator wraps the view, or a blueprint hook of it requires login."""
    blueprint = endpoint.rpartition(".")[0]
    hooks = app.before_request_funcs.get(blueprint, []) if blueprint else []
    return any(_wrapped_by_login(func) for func in [view, *hooks])


def _wrapped_by_login(func: Any) -> bool:
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and (
            any(package in code.co_filename.replace("\\", "/") for package in AUTH_PACKAGES)
            or "required" in code.co_qualname.split(".")[0]
        ):
            return True
        func = getattr(func, "__wrapped__", None)
    return False


def _probes_transport(app: Flask) -> bool:
    return app.config.get("BASTION_MODE") != "development"


def _probe(app: Flask, scheme: str) -> Any:
    """An in-process GET of a path no app serves; ``None`` when the app cannot answer at all."""
    try:
        return app.test_client().get(PROBE_PATH, base_url=f"{scheme}://localhost")
    except Exception:
        return None


def _find_proxy_fix(app: Flask) -> ProxyFix | None:
    wsgi: Any = app.wsgi_app
    while wsgi is not None and not isinstance(wsgi, ProxyFix):
        wsgi = getattr(wsgi, "app", None)
    return wsgi


def _proxy_hops(proxy_fix: ProxyFix) -> int:
    counts = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
    return max(int(getattr(proxy_fix, name, 0)) for name in counts)
