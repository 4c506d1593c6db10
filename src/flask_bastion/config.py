"""Every ``BASTION_*`` setting, its secure default, and the one accessor that reads them.

The composed libraries keep their own keys (``WTF_CSRF_*``, ``RATELIMIT_*``, ``REMEMBER_*``,
``SESSION_COOKIE_*``); Flask-Bastion sets secure defaults for those too. Every default is
applied like ``setdefault``: a value the application sets explicitly wins, even an unsafe one,
and the checks report it. Flask itself pre-fills some keys with unsafe values (a session cookie
without ``Secure``, no body size limit); those are replaced while they still hold Flask's own
default, so to keep Flask's value the app sets it after ``Bastion(app)``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from flask import Flask

from flask_bastion.exceptions import ConfigurationError

Mode = Literal["production", "development"]

BASTION_DEFAULTS: Final[dict[str, Any]] = {
    #: "production" (the default) or "development". Development turns off the HTTPS redirect,
    #: the ``Secure`` cookie flag and the ``__Host-`` cookie prefix so the app can be used over
    #: http on this machine, may generate a SECRET_KEY in the instance folder, and answers
    #: loopback clients only. Never use it on a server that others can reach.
    "BASTION_MODE": "production",
    #: Number of reverse proxies in front of the app whose ``X-Forwarded-*`` headers are
    #: trusted (Werkzeug's ProxyFix). 0 trusts none; set 1 behind one Nginx. Too high a number
    #: lets a client forge its IP address and scheme.
    "BASTION_PROXY_HOPS": 0,
    #: Redirect plain-HTTP GET/HEAD to HTTPS (301) and refuse other methods over HTTP.
    "BASTION_FORCE_HTTPS": True,
    #: ``Strict-Transport-Security`` max-age in seconds (one year). 0 sends no HSTS header.
    "BASTION_HSTS_MAX_AGE": 31_536_000,
    #: Whether HSTS also covers every subdomain.
    "BASTION_HSTS_INCLUDE_SUBDOMAINS": True,
    #: Content-Security-Policy directives. A per-request nonce is added to ``script-src`` and
    #: ``style-src`` when a template calls ``csp_nonce()``.
    "BASTION_CSP": {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    },
    #: ``Referrer-Policy``. ``same-origin`` keeps URLs private to other sites while keeping the
    #: Referer that the HTTPS CSRF check needs on same-site forms.
    "BASTION_REFERRER_POLICY": "same-origin",
    #: ``Permissions-Policy``: browser features the pages may use (none by default).
    "BASTION_PERMISSIONS_POLICY": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    #: ``Cross-Origin-Opener-Policy``: isolates the window from pages it opens or that open it.
    "BASTION_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    #: Send ``Cache-Control: no-store`` on every response to a logged-in user, so pages with
    #: private data are not kept by shared caches or the browser's back button after logout.
    "BASTION_NO_STORE_WHEN_LOGGED_IN": True,
    #: Origins (``https://host[:port]``) other than the app's own allowed to send unsafe
    #: requests. The app's own origin is always allowed.
    "BASTION_TRUSTED_ORIGINS": [],
    #: Argon2id parameters: "owasp" (19 MiB, t=2, p=1), "rfc9106-low-memory" (64 MiB, t=3, p=4)
    #: or "fast-insecure-for-tests" (only for test suites; the checks flag it).
    "BASTION_PASSWORD_HASHING": "owasp",
    #: Shortest password accepted.
    "BASTION_PASSWORD_MIN_LENGTH": 12,
    #: Longest password accepted; bounds the work an attacker can make the server do.
    "BASTION_PASSWORD_MAX_LENGTH": 128,
    #: Lowest zxcvbn strength score (0-4) accepted; 3 rejects common and guessable passwords.
    "BASTION_PASSWORD_MIN_SCORE": 3,
    #: Require a logged-in user on every endpoint not marked public (``@public`` on a view or
    #: ``public(blueprint)``; static files and the login, logout, registration, second-factor,
    #: reset and confirmation views are public). A view whose author forgot a decorator is then
    #: protected anyway. False (with a warning, and a finding of the audit) leaves views open
    #: unless each is decorated.
    "BASTION_DENY_BY_DEFAULT": True,
    #: Register the ``/register`` view. Off by default: open sign-up is a product decision.
    "BASTION_REGISTRATION": False,
    #: URL prefix for the login, logout and registration views.
    "BASTION_AUTH_URL_PREFIX": "",
    #: Where a user lands after logging in when no safe ``next`` was given.
    "BASTION_POST_LOGIN_URL": "/",
    #: Where a user lands after logging out.
    "BASTION_POST_LOGOUT_URL": "/",
    #: The share of a rate limit one worker reserves in Redis at once, for one round trip per
    #: block of hits instead of one per hit; limits under 2 / share stay counted hit by hit.
    #: The limit still holds across workers; a client may be refused a little early. 0: off.
    "BASTION_RATELIMIT_BLOCK": 0.02,
    #: Limits on the login form, counted per client IP.
    "BASTION_LOGIN_LIMIT": "10 per minute; 100 per hour",
    #: Limits on the login form, counted per account tried, whatever the IP (password spraying
    #: from many addresses).
    "BASTION_LOGIN_ACCOUNT_LIMIT": "5 per minute; 50 per day",
    #: Limits on the registration form and other password endpoints, per client IP.
    "BASTION_REGISTER_LIMIT": "5 per minute; 20 per hour",
    #: Failed logins on one account (from any IP) before each further attempt must wait,
    #: 1, 2, 4 ... seconds. Counted for unknown emails too, so answers reveal no account.
    "BASTION_LOGIN_DELAY_AFTER": 3,
    #: The longest wait between attempts on one account; a timedelta or seconds.
    "BASTION_LOGIN_MAX_DELAY": timedelta(seconds=60),
    #: Failed logins on one account that lock it for ``BASTION_LOCKOUT_DURATION``.
    "BASTION_LOCKOUT_AFTER": 10,
    #: How long a lock lasts; a password reset or an admin lifts it sooner; timedelta or seconds.
    "BASTION_LOCKOUT_DURATION": timedelta(minutes=15),
    #: Put the app's SQLite file databases in write-ahead-log mode, where the security writes
    #: (session records, audit events) and page reads do not block each other. Needs a local
    #: disk; ``False`` leaves the journal mode alone. No effect on other databases.
    "BASTION_SQLITE_WAL": True,
    #: Where session records live: "database" (the app's own, table ``bastion_session``) or a
    #: ``redis://`` URL. Every app instance must use the same store, so that ending a session
    #: anywhere ends it everywhere.
    "BASTION_SESSION_STORE": "database",
    #: Prefix of every Redis key of the session store, for several apps on one Redis.
    "BASTION_SESSION_REDIS_PREFIX": "bastion:",
    #: A session unused for this long ends (not a remembered one); a timedelta or seconds.
    "BASTION_SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
    #: A session ends this long after login, however active (remembered sessions last
    #: ``REMEMBER_COOKIE_DURATION``); a timedelta or seconds.
    "BASTION_SESSION_LIFETIME": timedelta(hours=12),
    #: How often a session's last activity is written to the store, at most; a timedelta or
    #: seconds. Shorter is more precise idle expiry, at one write per request at worst.
    "BASTION_SESSION_TOUCH_INTERVAL": timedelta(seconds=60),
    #: How long a login or a password confirmation counts as "fresh": sensitive actions
    #: (changing the password or email, two-factor settings) ask for the password again after
    #: it; a timedelta or seconds.
    "BASTION_FRESH_LOGIN_WINDOW": timedelta(minutes=10),
    #: Limits on the second login step (a TOTP or recovery code), counted per client IP and,
    #: separately, per account: six digits must not be guessable by trying them all.
    "BASTION_TWO_FACTOR_LIMIT": "5 per minute; 20 per hour",
    #: Roles whose holders must turn two-factor on: until they do, every page sends them to
    #: the enrolment page (``["admin"]`` for example).
    "BASTION_TWO_FACTOR_REQUIRED_ROLES": [],
    #: URL prefix of the account pages (sessions, password, two-factor, activity).
    "BASTION_ACCOUNT_URL_PREFIX": "/account",
    #: URL prefix of the admin pages Flask-Bastion adds (the audit log at ``<prefix>/audit``,
    #: for users with the ``admin`` role).
    "BASTION_ADMIN_URL_PREFIX": "/admin",
    #: Outgoing mail (password reset, email confirmation): "smtp", "file" (``.eml`` files) or
    #: "console" (logged at INFO, reset links included: development only, its default there).
    #: None, the production default, sends no mail.
    "BASTION_MAIL_BACKEND": None,
    #: The From address, such as ``"Notes <no-reply@example.org>"``; required for "smtp".
    "BASTION_MAIL_SENDER": None,
    #: Folder of the "file" backend (created 0700, files 0600); None is the instance's ``mail/``.
    "BASTION_MAIL_FILE_DIR": None,
    #: SMTP server host name; required for "smtp".
    "BASTION_MAIL_SERVER": None,
    #: SMTP server port: 587 for STARTTLS, 465 for "ssl".
    "BASTION_MAIL_PORT": 587,
    #: "starttls" or "ssl" (implicit TLS), both verifying the server's certificate, or "none"
    #: (clear text; credentials are then refused unless the server is this machine).
    "BASTION_MAIL_SECURITY": "starttls",
    #: SMTP login name; None sends without logging in. Set together with the password.
    "BASTION_MAIL_USERNAME": None,
    #: SMTP password; keep it in the environment (FLASK_BASTION_MAIL_PASSWORD), not in code.
    "BASTION_MAIL_PASSWORD": None,
    #: Seconds to wait for the SMTP server before the send fails.
    "BASTION_MAIL_TIMEOUT": 10,
    #: PEM file of a private CA that signed the SMTP server's certificate; None trusts the
    #: system's CAs.
    "BASTION_MAIL_CA_FILE": None,
    #: The address users reach the app at, such as "https://notes.example.org": links in mail
    #: (password reset, email confirmation) are built from it, never from the request's Host
    #: header, which an attacker sets. Required in production when mail is on; development
    #: defaults to "http://127.0.0.1:8000".
    "BASTION_EXTERNAL_URL": None,
    #: Offer "forgot your password" (``/reset``), by a link sent in mail; without mail the
    #: page says it is not available.
    "BASTION_PASSWORD_RESET": True,
    #: How long a password-reset link works; a timedelta or seconds. It also dies once used
    #: or once the password changes.
    "BASTION_RESET_TOKEN_MAX_AGE": timedelta(minutes=30),
    #: Limits on the password-reset forms, per client IP.
    "BASTION_RESET_LIMIT": "5 per minute; 20 per hour",
    #: Limits on reset requests per email address, whatever the IP (mail bombing a victim).
    "BASTION_RESET_ACCOUNT_LIMIT": "5 per hour; 20 per day",
    #: New accounts must confirm their address by a mailed link before they can log in; then
    #: registering a taken address answers like a new one (the owner gets a mail instead), so
    #: the form reveals no account. None (the default) turns it on whenever mail is on; True
    #: without mail stops the start.
    "BASTION_CONFIRM_EMAIL": None,
    #: How long an email-confirmation link works; a timedelta or seconds.
    "BASTION_CONFIRM_TOKEN_MAX_AGE": timedelta(hours=24),
    #: Origins (``https://host[:port]``, exact) whose scripts may call the JSON API across
    #: origins (CORS), with bearer tokens: never with cookies. Empty (the default) sends no CORS
    #: header at all; ``"*"`` is refused at start. Pages other than the API never get CORS.
    "BASTION_CORS_ORIGINS": [],
    #: Scopes a personal access token may carry: name -> what it allows, in words. The
    #: settings page offers "Read only" (read) and "Read and write" (read, write); an API view
    #: names the scopes it needs with ``scope_required("write")``.
    "BASTION_TOKEN_SCOPES": {
        "read": "Read your data.",
        "write": "Create, change and delete your data.",
    },
    #: The longest lifetime a personal access token may be given, in days: a leaked token
    #: must not work for ever.
    "BASTION_TOKEN_MAX_LIFETIME_DAYS": 365,
    #: How many live (neither expired nor revoked) access tokens one user may hold: each is a
    #: standing credential, and one account must not fill the table.
    "BASTION_TOKEN_MAX_PER_USER": 50,
    #: Limits on the requests authenticated by one access token, whatever the IP (a leaked
    #: token used from many machines). The per-IP ``RATELIMIT_DEFAULT`` applies as well.
    "BASTION_TOKEN_RATE_LIMIT": "600 per minute",
}

LIBRARY_DEFAULTS: Final[dict[str, Any]] = {
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "REMEMBER_COOKIE_DURATION": timedelta(days=7),
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_SSL_STRICT": True,
    "RATELIMIT_DEFAULT": "100 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_SWALLOW_ERRORS": False,
}

PRODUCTION_DEFAULTS: Final[dict[str, Any]] = {
    "SESSION_COOKIE_NAME": "__Host-session",
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_NAME": "__Host-remember_token",
    "REMEMBER_COOKIE_SECURE": True,
}

DEVELOPMENT_DEFAULTS: Final[dict[str, Any]] = {
    "BASTION_FORCE_HTTPS": False,
    "BASTION_HSTS_MAX_AGE": 0,
    "BASTION_MAIL_BACKEND": "console",
    "BASTION_EXTERNAL_URL": "http://127.0.0.1:8000",
    "SESSION_COOKIE_NAME": "bastion_session",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_NAME": "bastion_remember_token",
    "REMEMBER_COOKIE_SECURE": False,
}


def apply_defaults(app: Flask) -> None:
    """Fill in every setting the application did not set.

    The mode's own defaults go first, so development mode changes only the defaults: a value
    the application set explicitly is kept in either mode.
    """
    mode = app.config.setdefault("BASTION_MODE", "production")
    if mode not in ("production", "development"):
        raise ConfigurationError(
            f"BASTION_MODE is {mode!r}; set it to 'production' or 'development'."
        )
    mode_defaults = PRODUCTION_DEFAULTS if mode == "production" else DEVELOPMENT_DEFAULTS
    for table in (mode_defaults, BASTION_DEFAULTS, LIBRARY_DEFAULTS):
        for key, value in table.items():
            _set_default(app, key, value)


def setting(app: Flask, key: str) -> Any:
    """Read one ``BASTION_*`` setting, refusing names that do not exist.

    A typo in a setting name would otherwise silently leave a protection at a value nobody
    chose.
    """
    if key not in BASTION_DEFAULTS:
        raise ConfigurationError(f"{key} is not a Flask-Bastion setting.")
    return app.config[key]


def is_development(app: Flask) -> bool:
    """Whether the app runs in the loopback-only development mode."""
    return bool(app.config["BASTION_MODE"] == "development")


def _set_default(app: Flask, key: str, value: Any) -> None:
    """Set ``key`` unless the app chose a value; Flask's own pre-filled default is no choice."""
    flask_default = Flask.default_config.get(key, _UNSET)
    if key not in app.config or app.config[key] == flask_default:
        app.config[key] = _copy(value)


_UNSET = object()


def _copy(value: Any) -> Any:
    """Copy mutable defaults so one app's changes never leak into another's."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value
