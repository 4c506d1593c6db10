"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from flask_bastion import public

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index() -> str:
    """What the app is, and the way in."""
    return render_template("home.html")
