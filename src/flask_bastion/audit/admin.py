"""``/admin/audit``: everyone's security events, for users with the ``admin`` role.

Filtered by part of a user's email and by event name (query parameters ``user`` and
``event``), newest first, a page at a time (``page``; ``per_page`` up to 100).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from flask_bastion.audit.events import LABELS
from flask_bastion.audit.log import AuditLog
from flask_bastion.audit.reading import search_events
from flask_bastion.authz import roles_required

ADMIN_ROLE = "admin"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
FILTER_MAX_LENGTH = 254


def create_blueprint(audit: AuditLog) -> Blueprint:
    """The ``bastion_admin`` blueprint with the audit page (the user console joins it)."""
    bp = Blueprint("bastion_admin", __name__)

    @bp.get("/audit")
    @roles_required(ADMIN_ROLE)
    def audit_log() -> str:
        email = request.args.get("user", "").strip()[:FILTER_MAX_LENGTH]
        event = request.args.get("event", "").strip()[:FILTER_MAX_LENGTH]
        per_page = request.args.get("per_page", DEFAULT_PAGE_SIZE, type=int)
        per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
        page = search_events(
            audit,
            email=email,
            event=event,
            number=request.args.get("page", 1, type=int),
            per_page=per_page,
        )
        filters = {"user": email, "event": event, "per_page": per_page}
        return render_template(
            "bastion/admin/audit.html", page=page, filters=filters, labels=LABELS
        )

    return bp
