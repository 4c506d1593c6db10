"""The admin views: anonymous visitors go to the login page, other users get 403."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from flask_bastion import roles_required
from reference_app.admin import bp
from reference_app.extensions import User, db

PAGE_SIZE = 50


@bp.get("/users")
@roles_required("admin")
def users() -> str:
    """Every account with its roles, a page at a time."""
    query = select(User).order_by(User.id)
    page = db.paginate(query, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page)
