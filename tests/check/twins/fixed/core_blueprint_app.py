"""The fixed twin of vulnerable/core_blueprint_app.py."""

from flask import Blueprint, Flask, render_template, request
from sqlalchemy import bindparam, create_engine, text

bp = Blueprint("notes", __name__)
engine = create_engine("sqlite://")
TABLE = "notes"


@bp.get("/notes")
def notes():
    owner = request.args.get("owner", "")
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {TABLE} WHERE owner = :owner"), {"owner": owner}).all()
    return render_template("notes.html", rows=rows)


@bp.post("/notes/<path:title>/rename")
def rename(title):
    statement = text("UPDATE notes SET title = :new WHERE title = :old").bindparams(
        bindparam("new", request.form["title"]), bindparam("old", title)
    )
    with engine.begin() as conn:
        conn.execute(statement)
    return "", 204


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    app.register_blueprint(bp)
    return app
