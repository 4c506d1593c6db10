"""Setting up the audit log of one app."""

from __future__ import annotations

from typing import Any

from flask import Flask

from flask_bastion.admin import register as register_console
from flask_bastion.audit.admin import create_blueprint
from flask_bastion.audit.log import AuditLog
from flask_bastion.config import setting


def init_audit(app: Flask, db: Any, models: Any) -> AuditLog:
    """The app's audit log, with the admin pages (audit log and user console) under
    ``BASTION_ADMIN_URL_PREFIX``."""
    audit = AuditLog(db, models.security_events, models.User.__table__)
    app.teardown_appcontext(audit.write_pending)
    bp = create_blueprint(audit)
    register_console(bp)
    app.register_blueprint(bp, url_prefix=setting(app, "BASTION_ADMIN_URL_PREFIX"))
    return audit
