"""The fixed twin of vulnerable/security_api_app.py."""

import logging
import os
import subprocess

from flask import Blueprint, Flask, jsonify, request, send_from_directory

api = Blueprint("api", __name__, url_prefix="/api")
EXPORTS = os.path.join(os.path.dirname(__file__), "exports")
log = logging.getLogger(__name__)


class ValidationError(Exception):
    messages = {"file": "required"}


@api.post("/convert")
def convert():
    payload = request.get_json()
    try:
        subprocess.run(["convert", payload["file"], "out.pdf"], check=True)
    except ValidationError as error:
        return jsonify(errors=error.messages), 400
    except Exception:
        log.exception("convert failed")
        return jsonify(error="internal error"), 500
    return jsonify(ok=True)


@api.get("/export")
def export():
    return send_from_directory(EXPORTS, request.args["name"])


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SECURITY_PASSWORD_SALT"] = os.environ["SECURITY_PASSWORD_SALT"]
    app.register_blueprint(api)
    return app
