"""Deliberately vulnerable: Flask-SQLAlchemy ORM with Flask-Login."""

import hashlib

from flask import Flask, redirect, render_template, request, url_for
from flask_login import LoginManager, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from markupsafe import Markup
from sqlalchemy import text
from werkzeug.security import generate_password_hash

db = SQLAlchemy()
login_manager = LoginManager()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String, unique=True)
    password = db.Column(db.String)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    body = db.Column(db.Text)


def hash_password(password):
    return hashlib.sha256(password.encode()).hexdigest()  # expect: BST-PWD-001


def legacy_hash(password):
    return generate_password_hash(password, method="pbkdf2:sha1")  # expect: BST-PWD-001


def create_app():
    app = Flask(__name__)
    app.secret_key = "you-will-never-guess"  # expect: BST-SEC-001
    db.init_app(app)
    login_manager.init_app(app)

    @app.route("/login", methods=["GET", "POST"])
    def login():
        user = User.query.filter_by(email=request.form.get("email")).first()
        if user and user.password == hash_password(request.form.get("password", "")):
            login_user(user)
            return redirect(request.args.get("next") or url_for("index"))  # expect: BST-RED-001
        return render_template("login.html")

    @app.route("/notes/<int:note_id>")
    @login_required
    def show(note_id):
        note = db.get_or_404(Note, note_id)
        return render_template("show.html", body=Markup(note.body))  # expect: BST-XSS-001

    @app.route("/search")
    @login_required
    def search():
        term = request.args.get("q", "")
        notes = db.session.execute(text("SELECT * FROM note WHERE body LIKE '%" + term + "%'"))  # expect: BST-SQL-001
        return render_template("search.html", notes=notes)

    return app
