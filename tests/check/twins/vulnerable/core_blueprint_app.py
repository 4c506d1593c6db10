"""Deliberately vulnerable: an app factory with a blueprint on SQLAlchemy Core."""

from flask import Blueprint, Flask, render_template, request
from sqlalchemy import create_engine, text

bp = Blueprint("notes", __name__)
engine = create_engine("sqlite://")


def owner_filter(owner):
    return "owner = '" + owner + "'"


@bp.get("/notes")
def notes():
    owner = request.args.get("owner", "")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM notes WHERE " + owner_filter(owner))).all()  # expect: BST-SQL-001
    return render_template("notes.html", rows=rows)


@bp.post("/notes/<path:title>/rename")
def rename(title):
    new = request.form["title"]
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE notes SET title = '{new}' WHERE title = '{title}'")  # expect: BST-SQL-001
    return "", 204


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(SECRET_KEY="change-me-in-production")  # expect: BST-SEC-001
    app.register_blueprint(bp)
    return app
