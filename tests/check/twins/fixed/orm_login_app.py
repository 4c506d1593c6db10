"""The fixed twin of vulnerable/orm_login_app.py."""

from urllib.parse import urlsplit

from flask import Flask, abort, redirect, render_template, request, url_for
from flask_login import LoginManager, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

db = SQLAlchemy()
login_manager = LoginManager()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String, unique=True)
    password_hash = db.Column(db.String)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    body = db.Column(db.Text)


def hash_password(password):
    return generate_password_hash(password)


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    db.init_app(app)
    login_manager.init_app(app)

    @app.route("/login", methods=["GET", "POST"])
    def login():
        user = db.session.scalar(select(User).where(User.email == request.form.get("email")))
        if user and check_password_hash(user.password_hash, request.form.get("password", "")):
            login_user(user)
            target = request.args.get("next", "")
            if urlsplit(target).netloc or not target.startswith("/"):
                abort(400)
            return redirect(target)
        return render_template("login.html", banner=Markup("<strong>Welcome</strong>"))

    @app.route("/notes/<int:note_id>")
    @login_required
    def show(note_id):
        note = db.get_or_404(Note, note_id)
        return render_template("show.html", body=note.body)

    @app.route("/search")
    @login_required
    def search():
        term = request.args.get("q", "")
        notes = db.session.scalars(select(Note).where(Note.body.contains(term))).all()
        return render_template("search.html", notes=notes)

    return app
