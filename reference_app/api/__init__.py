"""The JSON API at ``/api/v1``: notes and their shares, with the same policy as the pages; the
contract is in the README and in the OpenAPI document at ``/api/v1/openapi.json``."""

from flask import Blueprint

from flask_bastion.api import json_api

bp = json_api(Blueprint("api", __name__, url_prefix="/api/v1"))

from reference_app.api import routes as routes  # noqa: E402  - registers the views
from reference_app.api import shares as shares  # noqa: E402
