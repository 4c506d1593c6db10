"""Deliberately vulnerable: a single-module app on raw sqlite3."""

import hashlib
import os
import pickle
import sqlite3
import subprocess
import traceback

import yaml
from flask import Flask, redirect, render_template_string, request, send_file
from markupsafe import Markup

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev"  # expect: BST-SEC-001


def db():
    return sqlite3.connect("notes.db")


def find_notes(term):
    cursor = db().cursor()
    cursor.execute(f"SELECT * FROM notes WHERE title LIKE '%{term}%'")  # expect: BST-SQL-001
    return cursor.fetchall()


@app.route("/search")
def search():
    rows = find_notes(request.args["q"])
    return render_template_string("<ul>{% for r in rows %}<li>{{ r }}</li>{% endfor %}</ul>", rows=rows)


@app.route("/user/<name>")
def user(name):
    query = "SELECT * FROM users WHERE name = '" + name + "'"
    db().execute(query)  # expect: BST-SQL-001
    return f"<h1>Hello {name}</h1>"  # expect: BST-XSS-003


@app.route("/note/<int:note_id>")
def note(note_id):
    row = db().execute("SELECT body FROM notes WHERE id = ?", (note_id,)).fetchone()
    return Markup(row[0])  # expect: BST-XSS-001


@app.route("/preview", methods=["POST"])
def preview():
    return render_template_string(request.form["body"])  # expect: BST-XSS-002


@app.route("/go")
def go():
    return redirect(request.args.get("next") or "/")  # expect: BST-RED-001


@app.route("/download")
def download():
    return send_file(os.path.join("uploads", request.args["file"]))  # expect: BST-FILE-001


@app.route("/import", methods=["POST"])
def import_notes():
    notes = pickle.loads(request.get_data())  # expect: BST-DES-001
    settings = yaml.load(request.form["settings"], Loader=yaml.Loader)  # expect: BST-DES-001
    return {"notes": len(notes), "settings": len(settings)}


@app.route("/ping")
def ping():
    host = request.args["host"]
    return subprocess.check_output(f"ping -c 1 {host}", shell=True)  # expect: BST-CMD-001


@app.route("/register", methods=["POST"])
def register():
    digest = hashlib.md5(request.form["password"].encode()).hexdigest()  # expect: BST-PWD-001
    try:
        db().execute("INSERT INTO users VALUES (?, ?)", (request.form["name"], digest))
    except Exception as error:
        return f"Database error: {error}", 500  # expect: BST-ERR-001
    return "ok"


@app.errorhandler(500)
def failed(error):
    return traceback.format_exc(), 500  # expect: BST-ERR-001


if __name__ == "__main__":
    app.run(debug=True)  # expect: BST-DBG-001
