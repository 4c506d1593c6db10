"""The fixed twin of vulnerable/sqlite_app.py: same routes, no finding."""

import hashlib
import logging
import os
import sqlite3
import subprocess

import yaml
from flask import Flask, abort, redirect, render_template, render_template_string, request
from flask import send_from_directory, url_for
from markupsafe import Markup, escape
from werkzeug.security import generate_password_hash

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
UPLOADS = os.path.join(os.path.dirname(__file__), "uploads")
log = logging.getLogger(__name__)


def db():
    return sqlite3.connect("notes.db")


def find_notes(term):
    cursor = db().cursor()
    cursor.execute("SELECT * FROM notes WHERE title LIKE ?", (f"%{term}%",))
    return cursor.fetchall()


@app.route("/search")
def search():
    rows = find_notes(request.args["q"])
    return render_template_string("<ul>{% for r in rows %}<li>{{ r }}</li>{% endfor %}</ul>", rows=rows)


@app.route("/user/<name>")
def user(name):
    db().execute("SELECT * FROM users WHERE name = ?", (name,))
    return render_template("user.html", name=name)


@app.route("/badge/<name>")
def badge(name):
    return Markup("<b>{}</b>").format(name)


@app.route("/note/<int:note_id>")
def note(note_id):
    row = db().execute("SELECT body FROM notes WHERE id = ?", (note_id,)).fetchone()
    return f"<p>{escape(row[0])}</p>"


@app.route("/go")
def go():
    return redirect(url_for("search", q=request.args.get("q", "")))


@app.route("/notes/<name>/open")
def open_note(name):
    return redirect(f"/notes/{name}")


@app.route("/download")
def download():
    return send_from_directory(UPLOADS, request.args["file"])


@app.route("/import", methods=["POST"])
def import_notes():
    notes = request.get_json()
    settings = yaml.safe_load(request.form["settings"])
    return {"notes": len(notes), "settings": len(settings)}


@app.route("/ping")
def ping():
    host = request.args["host"]
    return subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, check=False).stdout


@app.route("/register", methods=["POST"])
def register():
    digest = generate_password_hash(request.form["password"])
    try:
        db().execute("INSERT INTO users VALUES (?, ?)", (request.form["name"], digest))
    except sqlite3.IntegrityError as error:
        log.exception("register failed")
        abort(409)
    checksum = hashlib.sha256(request.form["name"].encode()).hexdigest()
    return {"ok": True, "checksum": checksum}


@app.errorhandler(500)
def failed(error):
    return "Server error, please contact the administrator.", 500


if __name__ == "__main__":
    app.run()
