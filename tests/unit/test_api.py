"""The API toolkit on its own: ``@operation`` keeps views to their description, the OpenAPI
builder refuses an undescribed endpoint, and 422 messages name fields without echoing input."""

from __future__ import annotations

import secrets

import pytest
from flask import Blueprint, Flask
from pydantic import BaseModel

from flask_bastion import Bastion, public
from flask_bastion.api import json_api
from flask_bastion.api.openapi import openapi_document
from flask_bastion.api.operation import operation
from flask_bastion.exceptions import ConfigurationError


class Thing(BaseModel):
    name: str


class Other(BaseModel):
    size: int


def app_with(bp: Blueprint) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), BASTION_FORCE_HTTPS=False)
    Bastion(app)
    app.register_blueprint(bp)
    return app


def test_view_returning_another_model_is_a_server_error():
    """A view that answers something other than its documented model fails loudly (500)."""
    bp = json_api(Blueprint("things", __name__, url_prefix="/api"))
    bp.add_url_rule(
        "/thing", "thing", public(operation("A thing", response=Thing)(lambda: Other(size=1)))
    )
    response = app_with(bp).test_client().get("/api/thing")
    assert response.status_code == 500
    assert "size" not in response.get_data(as_text=True)


def test_created_without_location_is_a_server_error():
    """A 201 without its documented Location header fails loudly (500)."""
    bp = json_api(Blueprint("things", __name__, url_prefix="/api"))
    made = operation("Make", response=Thing, status=201)(lambda: Thing(name="x"))
    bp.add_url_rule("/thing", "make", public(made))
    assert app_with(bp).test_client().get("/api/thing").status_code == 500


def test_undescribed_endpoint_is_refused_by_the_document():
    """An API endpoint without @operation would be missing from the document: refused."""
    bp = json_api(Blueprint("things", __name__, url_prefix="/api"))
    bp.add_url_rule("/bare", "bare", public(lambda: "bare"))
    app = app_with(bp)
    with pytest.raises(ConfigurationError, match=r"things\.bare"):
        openapi_document(app, "things", title="t", version="1")


def test_query_errors_name_the_field_without_echoing_it():
    """A 422 names the field and what is wrong, never repeats the value sent."""

    class Query(BaseModel):
        size: int

    bp = json_api(Blueprint("things", __name__, url_prefix="/api"))
    view = operation("Sized", query=Query, response=Other)(lambda query: Other(size=query.size))
    bp.add_url_rule("/sized", "sized", public(view))
    response = app_with(bp).test_client().get("/api/sized?size=<script>")
    assert response.status_code == 422
    assert "size" in response.get_json()["error"]["fields"]
    assert "<script>" not in response.get_data(as_text=True)


def test_blueprint_at_the_root_makes_no_page_json():
    """A JSON API blueprint without a prefix leaves other URLs' errors as HTML pages."""
    bp = json_api(Blueprint("things", __name__))
    bp.add_url_rule(
        "/thing", "thing", public(operation("T", response=Thing)(lambda: Thing(name="x")))
    )
    response = app_with(bp).test_client().get("/nothing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
