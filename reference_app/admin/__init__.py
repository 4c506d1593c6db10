"""The admin pages, for users with the ``admin`` role."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from reference_app.admin import routes as routes  # noqa: E402  - registers the views
