"""The limiter's short path counts the default limit exactly as Flask-Limiter would."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import pytest
from flask import Blueprint, Flask

from flask_bastion import Bastion
from flask_bastion.extension import state_for
from flask_bastion.limits import BastionLimiter, SweepingMemoryStorage

HTTPS = "https://localhost"


def _app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), RATELIMIT_DEFAULT="3 per minute", **config)
    Bastion(app)

    @app.get("/page")
    def page() -> str:
        return "page"

    return app


def _statuses(app: Flask, path: str, count: int) -> list[int]:
    client = app.test_client()
    return [client.get(path, base_url=HTTPS).status_code for _ in range(count)]


def test_default_limit_is_counted_under_flask_limiters_key() -> None:
    """A plain page's hits land on Flask-Limiter's own counter for that client and endpoint."""
    app = _app(RATELIMIT_KEY_PREFIX="tenant")
    assert _statuses(app, "/page", 2) == [200, 200]
    limiter = state_for(app).limiter
    item = limiter.limit_manager.default_limits[0].limit
    stats = limiter.limiter.get_window_stats(item, "tenant", "127.0.0.1", "page")
    assert stats.remaining == 1


def test_the_request_limits_are_reported() -> None:
    """``current_limit`` names the default limit within the request, as Flask-Limiter does."""
    app = _app()
    seen: list[Any] = []

    @app.get("/report")
    def report() -> str:
        seen.append(state_for(app).limiter.current_limit)
        return ""

    _statuses(app, "/report", 1)
    assert seen[0] is not None and seen[0].limit.amount == 3 and not seen[0].breached


def test_breach_answers_429_with_retry_after() -> None:
    """The request past the default limit is refused with 429 and a Retry-After."""
    app = _app()
    client = app.test_client()
    statuses = [client.get("/page", base_url=HTTPS).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert int(client.get("/page", base_url=HTTPS).headers["Retry-After"]) > 0


def test_a_view_with_its_own_limit_is_not_counted_twice() -> None:
    """A view limited on its own meets its limit (and the defaults it keeps) once per request."""
    app = _app()
    limiter = state_for(app).limiter

    @app.get("/own")
    @limiter.limit("5 per minute", override_defaults=False)
    def own() -> str:
        return ""

    assert _statuses(app, "/own", 4) == [200, 200, 200, 429]


def test_a_view_that_overrides_the_defaults_keeps_its_own_limit() -> None:
    """A view whose limit replaces the defaults is held to that limit only."""
    app = _app()
    limiter = state_for(app).limiter

    @app.get("/generous")
    @limiter.limit("5 per minute")
    def generous() -> str:
        return ""

    assert _statuses(app, "/generous", 6) == [200] * 5 + [429]


def test_exempt_views_and_blueprint_limits_still_apply() -> None:
    """Exemptions and blueprint limits, which the short path leaves to Flask-Limiter, hold."""
    app = _app()
    limiter = state_for(app).limiter

    @app.get("/free")
    @limiter.exempt
    def free() -> str:
        return ""

    strict = Blueprint("strict", __name__)
    strict.add_url_rule("/strict", "strict", lambda: "")
    limiter.limit("1 per minute")(strict)
    app.register_blueprint(strict)
    assert _statuses(app, "/free", 5) == [200] * 5
    assert _statuses(app, "/strict", 2) == [200, 429]


def test_a_default_limit_read_on_each_request_is_left_to_flask_limiter() -> None:
    """A callable default limit is not frozen at setup: Flask-Limiter reads it every time."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    current = {"limit": "1 per minute"}
    limiter = BastionLimiter(
        lambda: "client",
        app=app,
        default_limits=[lambda: current["limit"]],
        storage_uri="memory://",
    )
    app.add_url_rule("/", "index", lambda: "")
    assert limiter._plain_defaults is None
    current["limit"] = "2 per minute"
    assert _statuses(app, "/", 3) == [200, 200, 429]


@pytest.mark.parametrize("enabled", [True, False], ids=["headers-on", "headers-off"])
def test_rate_limit_headers_follow_the_setting(enabled: bool) -> None:
    """With RATELIMIT_HEADERS_ENABLED the answers carry Flask-Limiter's headers, else none."""
    app = _app(RATELIMIT_HEADERS_ENABLED=enabled)
    response = app.test_client().get("/page", base_url=HTTPS)
    assert ("X-RateLimit-Remaining" in response.headers) is enabled
    if enabled:
        assert response.headers["X-RateLimit-Remaining"] == "2"


def test_in_process_counting_starts_no_threads() -> None:
    """``memory://`` counters are kept without limits' timer thread, and still expire."""
    app = _app()
    storage = state_for(app).limiter.storage
    assert isinstance(storage, SweepingMemoryStorage)
    before = threading.active_count()
    assert _statuses(app, "/page", 3) == [200, 200, 200]
    assert threading.active_count() == before
    storage.incr("short-lived", expiry=0)
    storage._next_sweep = 0.0
    storage.incr("another", expiry=60)
    assert "short-lived" not in storage.storage


def test_a_limiter_switched_off_counts_nothing() -> None:
    """Turning Flask-Limiter off at run time (``limiter.enabled = False``) stops the count."""
    app = _app()
    state_for(app).limiter.enabled = False
    assert _statuses(app, "/page", 5) == [200] * 5
