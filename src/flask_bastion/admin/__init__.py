"""The admin console: managing other people's accounts, for users with the ``admin`` role.

It joins the ``bastion_admin`` blueprint beside the audit log (``/admin/audit``). Every action
is a POST with a CSRF token, needs a fresh login and is audited, so a stolen session cookie or
a cross-site form cannot lock people out or hand out roles, and every change can be traced.
"""

from __future__ import annotations

from flask_bastion.admin.console import register

__all__ = ["register"]
