"""The security audit log: every security event stored, logged as JSON and signalled.

Views and commands call ``record_event(events.LOGIN_FAILED, user_id=..., reason=...)``; the
user reads their own events at ``/account/activity`` and admins everyone's at ``/admin/audit``.
This module imports nothing of the models, which define the audit table through it.
"""

from __future__ import annotations

from flask_bastion.audit import events
from flask_bastion.audit.log import AuditLog, SecurityEvent, record_event

__all__ = ["AuditLog", "SecurityEvent", "events", "record_event"]
