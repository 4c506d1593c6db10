"""Notes: write, read, edit, delete and search your own Markdown notes."""

from flask import Blueprint

bp = Blueprint("notes", __name__)

from reference_app.notes import routes as routes  # noqa: E402  - registers the views
