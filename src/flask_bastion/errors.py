"""Error pages that hide internals: a generic message and an incident id, never a traceback.

The client learns what went wrong in words it can act on; the server log gets the full
traceback under the same incident id, so support can find it from a user's screenshot.
Each answer is HTML or JSON by what the client accepts.
"""

from __future__ import annotations

import logging
import secrets
from typing import Final

from flask import Flask, Response, current_app, g, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import ClientDisconnected, HTTPException, InternalServerError

from flask_bastion.api import within_json_api
from flask_bastion.config import is_development
from flask_bastion.exceptions import ClientFacingError, InvalidFields
from flask_bastion.limits import retry_after_seconds
from flask_bastion.transport import run_first

error_log = logging.getLogger("flask_bastion.errors")

#: What a person is told for each status; the exception's own description is never shown,
#: since a library may put internal detail there.
MESSAGES: Final[dict[int, tuple[str, str]]] = {
    400: ("Bad request", "The request could not be understood. Check the form and try again."),
    401: ("Login required", "Log in to see this page."),
    403: ("Forbidden", "You do not have permission to do this."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Another request changed this at the same moment. Reload and try again."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    415: ("Unsupported type", "This address does not accept that kind of content."),
    422: ("Unprocessable", "The request was understood but its content is not valid."),
    429: ("Too many requests", "You are going too fast. Wait a little and try again."),
    500: ("Server error", "Something went wrong on our side. It has been logged."),
}
CSRF_MESSAGE: Final = (
    "This form has expired or did not come from this site. Reload the page and try again."
)


def init_errors(app: Flask) -> None:
    """Answer every HTTP error and every uncaught exception with a generic page."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
    # Registered before Flask-Login's own after-request hook, so it runs after it: Flask runs
    # these hooks in the reverse order of their registration.
    app.after_request(_send_no_cookie_with_cookieless_error)
    if not is_development(app):
        run_first(app, _refuse_debugger)


def handle_http_error(error: HTTPException) -> Response:
    """Render a client or server error with a safe, generic message."""
    code = error.code or 500
    if code >= 500:
        return handle_unexpected_error(error)
    title, message = MESSAGES.get(code, (error.name, "The request could not be completed."))
    if isinstance(error, CSRFError):
        message = CSRF_MESSAGE
    elif isinstance(error, ClientFacingError):
        message = str(error.description)
    fields = error.fields if isinstance(error, InvalidFields) else None
    response = error_response(code, title, message, fields=fields)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(retry_after_seconds())
    return response


def handle_unexpected_error(error: Exception) -> Response:
    """Log the traceback under a new incident id; show the client only the id."""
    _discard_failed_transaction()
    incident = secrets.token_hex(6)
    error_log.error("incident %s: %s %s", incident, request.method, request.path, exc_info=error)
    title, message = MESSAGES[500]
    return error_response(500, title, message, incident)


def _discard_failed_transaction() -> None:
    """Roll back the request's database work: nothing half-written, and the page can render."""
    db = current_app.extensions.get("sqlalchemy")
    if db is not None:
        db.session.rollback()


def error_response(
    code: int,
    title: str,
    message: str,
    incident: str | None = None,
    *,
    fields: dict[str, list[str]] | None = None,
) -> Response:
    """The error as JSON for API clients, otherwise as the ``bastion/error.html`` page.

    JSON: ``{"error": {"status", "title", "message"}}``, plus ``incident`` on a 500 and
    ``fields`` (what is wrong with each field) on a 422.
    """
    if wants_json():
        error: dict[str, object] = {"status": code, "title": title, "message": message}
        if incident:
            error["incident"] = incident
        if fields is not None:
            error["fields"] = fields
        response = jsonify({"error": error})
    else:
        response = Response(_render_page(code, title, message, incident), mimetype="text/html")
    response.status_code = code
    _start_no_session()
    if code != 413:
        _drain_request_body()
    return response


def _drain_request_body() -> None:
    """Read the rest of the request body before answering an error.

    A request can be refused before its body was read (a CSRF failure on a large upload). If
    the server then closed the connection with unread data, the kernel would reset it, and a
    proxy still sending the body could lose the answer and show its own 502 page instead.
    The body is bounded by ``MAX_CONTENT_LENGTH``; a 413 is never drained.
    """
    try:
        while request.stream.read(64 * 1024):
            pass
    except (OSError, ClientDisconnected):
        pass


def _start_no_session() -> None:
    """Never let an error page start a session for a request that came without one.

    A cross-site POST arrives without the user's ``SameSite`` cookies; if its error page
    (which renders a CSRF token) answered with a new session cookie, that cookie would replace
    the user's real session in the browser, and any site could log its visitors out. The
    cookies are dropped at the very end (:func:`_send_no_cookie_with_cookieless_error`), after
    every other hook, since one of them may still write to the session or clear a cookie.
    """
    cookie = current_app.session_interface.get_cookie_name(current_app)
    if cookie not in request.cookies:
        g.bastion_cookieless_error = True


def _send_no_cookie_with_cookieless_error(response: Response) -> Response:
    """Strip every cookie from an error answered to a request that came without a session.

    Setting one would replace the user's cookie, and clearing one (Flask-Login clears the
    remember cookie when it finds a session without a user) would delete it: either logs the
    user out. The session is emptied too, so Flask saves nothing.
    """
    if g.get("bastion_cookieless_error"):
        session.clear()
        session.modified = False
        response.headers.remove("Set-Cookie")
    return response


def wants_json() -> bool:
    """Whether to answer in JSON: always within a JSON API (whatever ``Accept`` says), else
    when the client prefers JSON to HTML (API clients, ``fetch`` calls)."""
    if request.is_json or within_json_api():
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _render_page(code: int, title: str, message: str, incident: str | None) -> str:
    """The HTML page; if the app's templates fail too, a minimal page that cannot fail."""
    try:
        return render_template(
            "bastion/error.html", code=code, title=title, message=message, incident=incident
        )
    except Exception:
        error_log.exception("The error page itself failed to render.")
        suffix = f" Incident {incident}." if incident else ""
        return f"<!doctype html><title>{code}</title><h1>{title}</h1><p>{message}{suffix}</p>"


def _refuse_debugger() -> None:
    """Refuse to serve when debug was switched on after setup (``app.run(debug=True)``)."""
    if current_app.debug:
        error_log.critical("Debug mode is on in production mode; refusing to serve.")
        raise InternalServerError()
