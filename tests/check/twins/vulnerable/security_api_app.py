"""Deliberately vulnerable: an API-only app configured like Flask-Security apps are."""

import os

from flask import Blueprint, Flask, jsonify, request, send_from_directory

api = Blueprint("api", __name__, url_prefix="/api")


@api.post("/convert")
def convert():
    payload = request.get_json()
    try:
        os.system("convert " + payload["file"] + " out.pdf")  # expect: BST-CMD-001
    except Exception as exc:
        return jsonify(error=str(exc)), 500  # expect: BST-ERR-001
    return jsonify(ok=True)


@api.get("/export")
def export():
    return send_from_directory(request.args["dir"], "export.csv")  # expect: BST-FILE-001


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "super-secret")  # expect: BST-SEC-001
    app.config["SECURITY_PASSWORD_SALT"] = os.environ["SECURITY_PASSWORD_SALT"]
    app.register_blueprint(api)
    return app
