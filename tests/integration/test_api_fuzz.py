"""Schemathesis against the API's own OpenAPI document: no 5xx, and every answer conforms.

The document is loaded from the running app (``/api/v1/openapi.json``), checked against the
OpenAPI 3.1 specification, and every operation is called with a bearer token and with inputs
generated from it, valid and invalid, on SQLite and on PostgreSQL. Each answer must not be a
server error and must match the document: a documented status, its content type, headers and
schema (the error shape included). The run is deterministic (derandomised Hypothesis, no
example database) and bounded.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.accounts import create_user
from tests.support.api import add_note, bearer, issue_token, share
from tests.support.client import ORIGIN

#: Examples per operation: enough to reach every documented status, small enough for CI.
EXAMPLES = 30


@pytest.fixture
def fuzzed_app(app_factory):
    """The app with a user holding notes, one shared to them and one of another user's.

    The rate limits are raised for this test only: the fuzzer sends far more requests per
    minute than the defaults allow, and a wall of 429 answers would test nothing else.
    """
    app = app_factory(
        RATELIMIT_DEFAULT="100000 per minute", BASTION_TOKEN_RATE_LIMIT="100000 per minute"
    )
    alice = create_user(app, "alice@example.org")
    bob = create_user(app, "bob@example.org")
    for number in range(3):
        add_note(app, alice, f"Alice {number}", "*text* with `code`")
    shared = add_note(app, bob, "Bob's shared", "read me")
    share(app, shared, alice, "read")
    add_note(app, bob, "Bob's secret")
    return app


@pytest.fixture
def credentials(fuzzed_app) -> dict[str, Any]:
    """Alice's read-write personal access token, as a script sends it."""
    return {"headers": bearer(issue_token(fuzzed_app, 1))}


@pytest.fixture
def api_schema(fuzzed_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app, base_url=ORIGIN)


def test_openapi_document_is_valid(fuzzed_app):
    """The served document is valid OpenAPI 3.1 and documents every endpoint of the API."""
    response = fuzzed_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    endpoints = {
        rule.endpoint.removeprefix("api.")
        for rule in fuzzed_app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert operations == endpoints


#: Derandomised, so every run sends the same requests; no example database, so no state
#: carries over between runs.
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


#: Operations that refuse some well-formed requests for what the data holds, not for their
#: shape: a share with an address no account uses is a documented 422. Such a refusal is not
#: counted against the document; every other check still applies to them.
DATA_DEPENDENT_REFUSALS = {"share_note": [positive_data_acceptance]}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_document(api_schema, credentials, mode):
    """No generated request gets a 5xx; every answer matches the OpenAPI document.

    Schemathesis' pytest plugin (``schema.parametrize``) does not run on pytest 9, so each
    operation's strategy drives a plain Hypothesis test here.
    """
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            name = case.operation.definition.raw.get("operationId")
            excluded = DATA_DEPENDENT_REFUSALS.get(name, [])
            case.call_and_validate(base_url=ORIGIN, excluded_checks=excluded, **credentials)

        call()
