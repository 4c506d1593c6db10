"""The settings and wiring checks, one test class per check: failing, passing, not applicable.

The apps are plain Flask (from ``twins/config_apps.py``): the audit must work without
Flask-Bastion. The settings checks that a production start runs are tested in
``tests/unit/test_startup_checks.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask_login import LoginManager
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_bastion.check import settings, wiring
from flask_bastion.check.registry import SETTINGS, WIRING, Finding, Severity, run_checks
from tests.check.twins.config_apps import safe_app, unsafe_app


def ids(app: Flask) -> list[str]:
    return sorted(f.id for f in run_checks(app, [SETTINGS, WIRING]))


def found(check: Callable[[Flask], object], app: Flask) -> list[Finding]:
    return list(check(app))  # type: ignore[call-overload]


def bare(*, post: bool = True, key: str | None = "k" * 40) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = key
    if post:
        app.add_url_rule("/save", "save", lambda: "", methods=["POST"])
    return app


def test_unsafe_twin_reports_every_wiring_problem() -> None:
    """The unsafe twin reports exactly its problems, each once per setting."""
    assert ids(unsafe_app()) == [
        "BST-CFG-001", "BST-CFG-005", "BST-CFG-005", "BST-CFG-008", "BST-CFG-009",
        "BST-CFG-010", "BST-CFG-011", "BST-CFG-013", "BST-CFG-014", "BST-CFG-015",
        "BST-CFG-016",
    ]  # fmt: skip


def test_safe_twin_reports_nothing() -> None:
    """The same app with CSRFProtect, Flask-Limiter, HTTPS, HSTS and a 500 handler passes."""
    assert ids(safe_app()) == []


class TestCookieFlags:
    def test_samesite_none_fails(self) -> None:
        app = safe_app()
        app.config["SESSION_COOKIE_SAMESITE"] = None
        assert [f.location for f in found(settings.check_cookie_flags, app)] == [
            "SESSION_COOKIE_SAMESITE"
        ]

    def test_remember_cookie_checked_with_flask_login(self) -> None:
        app = safe_app()
        del app.config["REMEMBER_COOKIE_SECURE"]
        assert [f.location for f in found(settings.check_cookie_flags, app)] == [
            "REMEMBER_COOKIE_SECURE"
        ]

    def test_remember_cookie_not_applicable_without_flask_login(self) -> None:
        app = bare()
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
        assert found(settings.check_cookie_flags, app) == []


class TestCsrfRegistered:
    def test_post_route_without_csrf_fails(self) -> None:
        assert [f.id for f in found(wiring.check_csrf_registered, bare())] == [wiring.CSRF_MISSING]

    def test_csrf_protect_passes(self) -> None:
        assert found(wiring.check_csrf_registered, safe_app()) == []

    def test_no_unsafe_route_is_not_applicable(self) -> None:
        assert found(wiring.check_csrf_registered, bare(post=False)) == []

    def test_no_secret_key_means_no_cookie_session(self) -> None:
        """An API without SECRET_KEY has no cookie session for another site to ride on."""
        assert found(wiring.check_csrf_registered, bare(key=None)) == []


class TestLoginRateLimit:
    def test_unlimited_login_fails(self) -> None:
        assert [f.location for f in found(wiring.check_login_rate_limit, unsafe_app())] == ["login"]

    def test_limited_login_passes(self) -> None:
        assert found(wiring.check_login_rate_limit, safe_app()) == []

    def test_no_login_route_is_not_applicable(self) -> None:
        assert found(wiring.check_login_rate_limit, bare()) == []


class TestHttpsRedirectAndHsts:
    def test_plain_app_fails_both(self) -> None:
        assert found(wiring.check_https_redirect, bare())[0].id == wiring.HTTP_SERVED
        assert found(wiring.check_hsts, bare())[0].id == wiring.HSTS_MISSING

    def test_short_hsts_fails(self) -> None:
        app = bare()
        app.after_request(
            lambda r: (r.headers.update({"Strict-Transport-Security": "max-age=60"}), r)[1]
        )
        assert "six months" in found(wiring.check_hsts, app)[0].message

    def test_redirecting_app_passes(self) -> None:
        assert found(wiring.check_https_redirect, safe_app()) == []
        assert found(wiring.check_hsts, safe_app()) == []

    def test_development_mode_is_not_applicable(self) -> None:
        app = bare()
        app.config["BASTION_MODE"] = "development"
        assert found(wiring.check_https_redirect, app) == found(wiring.check_hsts, app) == []


class TestProxyFix:
    def test_https_scheme_without_proxy_fix_fails(self) -> None:
        app = bare()
        app.config["PREFERRED_URL_SCHEME"] = "https"
        assert [f.id for f in found(wiring.check_proxy_fix, app)] == [wiring.PROXY_MISCONFIGURED]

    def test_too_many_hops_fails(self) -> None:
        app = bare()
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=5)  # type: ignore[method-assign]
        assert "5 proxies" in found(wiring.check_proxy_fix, app)[0].message

    def test_one_hop_passes(self) -> None:
        assert found(wiring.check_proxy_fix, safe_app()) == []

    def test_no_proxy_is_not_applicable(self) -> None:
        assert found(wiring.check_proxy_fix, bare()) == []


class TestAutoescape:
    def test_autoescape_off_fails(self) -> None:
        assert found(wiring.check_autoescape, unsafe_app())[0].id == wiring.AUTOESCAPE_OFF

    def test_flask_default_passes(self) -> None:
        assert found(wiring.check_autoescape, bare()) == []


class TestBodyLimit:
    def test_unlimited_body_fails(self) -> None:
        assert found(wiring.check_body_limit, bare())[0].severity is Severity.LOW

    def test_limit_passes(self) -> None:
        assert found(wiring.check_body_limit, safe_app()) == []

    def test_no_unsafe_route_is_not_applicable(self) -> None:
        assert found(wiring.check_body_limit, bare(post=False)) == []


class TestErrorHandler:
    def test_no_handler_fails(self) -> None:
        assert found(wiring.check_error_handler, bare())[0].id == wiring.NO_500_HANDLER

    def test_handler_for_500_passes(self) -> None:
        assert found(wiring.check_error_handler, safe_app()) == []

    def test_handler_for_every_exception_passes(self) -> None:
        app = bare()
        app.register_error_handler(Exception, lambda e: ("error", 500))
        assert found(wiring.check_error_handler, app) == []


class TestUnsafeEndpoints:
    def test_anonymous_post_is_listed_for_review(self) -> None:
        (finding,) = found(wiring.check_unsafe_endpoints, bare())
        assert (finding.severity, finding.location) == (Severity.INFO, "save")

    def test_login_required_passes(self) -> None:
        assert found(wiring.check_unsafe_endpoints, safe_app()) == []

    def test_blueprint_hook_requiring_login_passes(self) -> None:
        from flask import Blueprint
        from flask_login import login_required

        app = bare(post=False)
        LoginManager(app)
        bp = Blueprint("admin", __name__)
        bp.before_request(login_required(lambda: None))
        bp.add_url_rule("/purge", "purge", lambda: "", methods=["DELETE"])
        app.register_blueprint(bp)
        assert found(wiring.check_unsafe_endpoints, app) == []

    def test_view_marked_public_passes(self) -> None:
        from flask_bastion import public

        app = bare(post=False)
        app.add_url_rule("/hook", "hook", public(lambda: ""), methods=["POST"])
        assert found(wiring.check_unsafe_endpoints, app) == []

    def test_get_only_app_is_not_applicable(self) -> None:
        assert found(wiring.check_unsafe_endpoints, bare(post=False)) == []


class TestDenyByDefault:
    def test_opt_out_fails(self) -> None:
        app = safe_app()
        app.config["BASTION_DENY_BY_DEFAULT"] = False
        (finding,) = found(settings.check_deny_by_default, app)
        assert (finding.id, finding.severity) == (settings.DENY_BY_DEFAULT_OFF, Severity.MEDIUM)

    def test_on_passes(self) -> None:
        app = safe_app()
        app.config["BASTION_DENY_BY_DEFAULT"] = True
        assert found(settings.check_deny_by_default, app) == []

    def test_app_without_bastion_is_not_applicable(self) -> None:
        assert found(settings.check_deny_by_default, safe_app()) == []

    @pytest.mark.parametrize("value", [1, "true"], ids=["one", "string"])
    def test_truthy_but_not_true_fails(self, value: object) -> None:
        app = safe_app()
        app.config["BASTION_DENY_BY_DEFAULT"] = value
        assert [f.id for f in found(settings.check_deny_by_default, app)] == [
            settings.DENY_BY_DEFAULT_OFF
        ]


@pytest.mark.parametrize("value", [False, 1, "true"], ids=["false", "one", "string"])
def test_csrf_setting_truthy_but_not_true_fails(value: object) -> None:
    """WTF_CSRF_ENABLED must be exactly True."""
    app = safe_app()
    app.config["WTF_CSRF_ENABLED"] = value
    assert [f.id for f in found(settings.check_csrf, app)] == [settings.CSRF_OFF]
