"""Twin apps for the configuration audit and the live URL audit: an unsafe one, a safe one.

Neither uses Flask-Bastion: the audit must work on any Flask app.
"""

import secrets

from flask import Flask, jsonify, redirect, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, login_required
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix


def unsafe_app():
    """Flask's defaults plus a few classic mistakes."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"
    app.jinja_options = {"autoescape": False}

    @app.post("/login")
    def login():
        return "welcome"

    @app.post("/notes")
    def create_note():
        return "created", 201

    @app.get("/")
    def index():
        return "<p>home</p>"

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    return app


def debugging_unsafe_app():
    """The unsafe app served with the interactive debugger on."""
    app = unsafe_app()
    app.debug = True
    return app


def safe_app():
    """The same routes, every protection wired by hand with the usual extensions."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=1024 * 1024,
        PREFERRED_URL_SCHEME="https",
        RATELIMIT_STORAGE_URI="memory://",
    )
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    CSRFProtect(app)
    Limiter(get_remote_address, app=app, default_limits=["100 per minute"])
    LoginManager(app)

    @app.before_request
    def require_https():
        if not request.is_secure:
            return redirect(request.url.replace("http://", "https://", 1), code=301)
        return None

    @app.after_request
    def security_headers(response):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.errorhandler(500)
    def server_error(error):
        return jsonify(error="Server error, please contact the administrator."), 500

    @app.post("/login")
    def login():
        return "welcome"

    @app.post("/notes")
    @login_required
    def create_note():
        return "created", 201

    @app.get("/")
    def index():
        return "<p>home</p>"

    return app
