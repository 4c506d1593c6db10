"""Notes: write, read, edit, delete, search and share your Markdown notes."""

from flask import Blueprint

bp = Blueprint("notes", __name__)

from reference_app.notes import routes as routes  # noqa: E402  - registers the views
from reference_app.notes import share_routes as share_routes  # noqa: E402
