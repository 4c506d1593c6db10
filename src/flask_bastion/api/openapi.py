"""The OpenAPI 3.1 document of a JSON API blueprint, built from the app as it runs.

Nothing in the document is written by hand twice: paths, methods and path parameters come from
the URL map (Werkzeug's converters give the parameter types), request and response schemas from
the pydantic models of each view's ``@operation``, the security requirements from the guards
(public or not, and which methods need the CSRF header), and the error answers from what the
route can meet: every view may answer 400, 429 and 500; a guarded one 401 and 403; one with path
parameters 404 (and 405); one with a body 413, 415 and 422. So the document cannot promise what
the API does not do, and a fuzzer checking answers against it checks the API itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from flask import Blueprint, Flask, current_app, request
from pydantic import BaseModel, ConfigDict, RootModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import BaseConverter, IntegerConverter, Rule

from flask_bastion.api.operation import Operation, operation, operation_of
from flask_bastion.authz import guards_of, is_public, public
from flask_bastion.errors import MESSAGES
from flask_bastion.exceptions import ConfigurationError

OPENAPI_VERSION: Final = "3.1.0"
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Werkzeug's ``<converter(args):name>`` placeholders, turned into OpenAPI's ``{name}``.
PLACEHOLDER: Final = re.compile(r"<(?:[^<>:]+:)?([A-Za-z_][A-Za-z0-9_]*)>")
REF: Final = "#/components/schemas/{model}"
#: The ``$ref`` of each model in each mode (bodies as validated, answers as serialised).
Refs = dict[tuple[type[Any], JsonSchemaMode], str]


class ErrorDetail(BaseModel):
    """What went wrong, in words a person can act on; never internal detail."""

    model_config = ConfigDict(extra="forbid")
    status: int
    title: str
    message: str
    incident: str | None = None
    fields: dict[str, list[str]] | None = None


class Error(BaseModel):
    """The one shape of every failure of the API, whatever its status."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail


class Document(RootModel[dict[str, Any]]):
    """An OpenAPI document."""


def serve_openapi(
    bp: Blueprint, *, title: str, version: str, description: str = "", path: str = "/openapi.json"
) -> None:
    """Serve the document of ``bp`` at ``path`` under its prefix, public: it is what a client
    reads first, and it describes only what any visitor can find out by trying."""

    @bp.get(path)
    @public
    @operation("This OpenAPI document", response=Document)
    def openapi() -> Document:
        name = str(request.blueprint)
        return Document(
            openapi_document(
                current_app, name, title=title, version=version, description=description
            )
        )


def openapi_document(
    app: Flask, blueprint: str, *, title: str, version: str, description: str = ""
) -> dict[str, Any]:
    """The OpenAPI document of every endpoint of ``blueprint`` (registered on ``app``).

    Every endpoint must carry an ``@operation``: one without would be served but missing from
    the document, so it is refused with an error naming it.
    """
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{blueprint}.")]
    specs = {rule.endpoint: _operation(app, rule) for rule in rules}
    refs, definitions = _schemas(specs.values())
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(rules, key=lambda rule: rule.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = paths.setdefault(PLACEHOLDER.sub(r"{\1}", rule.rule), {})
            path[method.lower()] = _describe(app, rule, method, specs[rule.endpoint], refs)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": definitions,
            "responses": _error_responses(),
            "securitySchemes": _security_schemes(app),
        },
    }


def _operation(app: Flask, rule: Rule) -> Operation:
    spec = operation_of(app.view_functions.get(rule.endpoint))
    if spec is None:
        raise ConfigurationError(
            f"{rule.endpoint} ({rule.rule}) has no @operation, so the OpenAPI document cannot "
            "describe it; decorate the view with flask_bastion.api.operation.operation(...)."
        )
    return spec


def _schemas(specs: Iterable[Operation]) -> tuple[Refs, dict[str, Any]]:
    """The ``$ref`` of each body (as validated) and response (as serialised) model, and the
    schemas they point at, the error shape's included."""
    wanted: set[tuple[type[BaseModel], JsonSchemaMode]] = {(Error, "serialization")}
    for spec in specs:
        if spec.body is not None:
            wanted.add((spec.body, "validation"))
        if spec.response is not None:
            wanted.add((spec.response, "serialization"))
    ordered = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, top = models_json_schema(ordered, ref_template=REF)
    return {key: value["$ref"] for key, value in refs.items()}, top.get("$defs", {})


def _describe(
    app: Flask,
    rule: Rule,
    method: str,
    spec: Operation,
    refs: Refs,
) -> dict[str, Any]:
    """One operation: parameters, body, answers and who may call it."""
    guarded = not is_public(app, rule.endpoint)
    described: dict[str, Any] = {
        "operationId": _operation_id(rule, method),
        "summary": spec.summary,
        "parameters": _path_parameters(rule) + _query_parameters(spec),
        "responses": {
            str(spec.status): _success(spec, refs),
            **{
                str(code): {"$ref": f"#/components/responses/{code}"}
                for code in sorted(_error_statuses(rule, method, spec, guarded))
            },
        },
        "security": _security(app, rule, method) if guarded else [],
    }
    if spec.body is not None:
        schema = {"$ref": refs[(spec.body, "validation")]}
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return described


def _operation_id(rule: Rule, method: str) -> str:
    name = rule.endpoint.rsplit(".", 1)[-1]
    methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
    return name if len(methods) == 1 else f"{name}_{method.lower()}"


def _success(spec: Operation, refs: Refs) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": spec.summary}
    if spec.response is not None:
        schema = {"$ref": refs[(spec.response, "serialization")]}
        answer["content"] = {"application/json": {"schema": schema}}
    if spec.status == 201:
        answer["headers"] = {
            "Location": {"description": "The URL of what was created.", "schema": STRING}
        }
    return answer


STRING: Final = {"type": "string"}
INTEGER: Final = {"type": "integer"}


def _error_statuses(rule: Rule, method: str, spec: Operation, guarded: bool) -> set[int]:
    """Every error status the route can answer (see the module's documentation)."""
    statuses = {400, 429, 500} | set(spec.errors)
    if guarded:
        statuses |= {401, 403}
    if method in UNSAFE_METHODS:
        statuses.add(403)  # HTTPSRequired: an unsafe request over plain HTTP
    if rule.arguments:
        # 404 for a value its converter refuses; Werkzeug checks the method before the
        # converter, so an out-of-range value on a path served for other methods is a 405.
        statuses |= {404, 405}
    if spec.body is not None:
        statuses |= {413, 415, 422}
    if spec.query is not None:
        statuses.add(422)
    return statuses


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    # Werkzeug keeps a rule's converters in ``_converters`` only; reading them beats parsing
    # the rule string a second time.
    converters: dict[str, BaseConverter] = rule._converters
    return [
        {"name": name, "in": "path", "required": True, "schema": _converter_schema(converter)}
        for name, converter in sorted(converters.items())
    ]


def _converter_schema(converter: BaseConverter) -> dict[str, Any]:
    """What a URL segment must look like to reach the view (anything else is a 404)."""
    if isinstance(converter, IntegerConverter):
        schema: dict[str, Any] = dict(INTEGER)
        low = converter.min if converter.min is not None or converter.signed else 0
        schema.update({"minimum": low} if low is not None else {})
        schema.update({"maximum": converter.max} if converter.max is not None else {})
        return schema
    return {"type": "string", "pattern": f"^{converter.regex}$"}


def _query_parameters(spec: Operation) -> list[dict[str, Any]]:
    if spec.query is None:
        return []
    schema = spec.query.model_json_schema(mode="validation", ref_template=REF)
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": field}
        for name, field in schema["properties"].items()
    ]


def _security(app: Flask, rule: Rule, method: str) -> list[dict[str, list[str]]]:
    """A token with the view's scopes (tokens are refused where no scope is declared), or
    the session cookie, with the CSRF header on unsafe methods."""
    session: dict[str, list[str]] = {"session": []}
    if method in UNSAFE_METHODS:
        session["csrf"] = []
    guards = guards_of(app.view_functions.get(rule.endpoint))
    scopes = sorted({name for guard in guards if guard.kind == "scopes" for name in guard.names})
    return [{"bearer": scopes}, session] if scopes else [session]


def _security_schemes(app: Flask) -> dict[str, Any]:
    return {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (Authorization: Bearer <token>), made on "
            "the account's Access tokens page; its scopes must include those listed.",
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config["SESSION_COOKIE_NAME"],
            "description": "The session cookie of a login through the web pages. On "
            "HTTPS, unsafe methods also need a same-origin Origin or Referer header, as "
            "browsers send.",
        },
        "csrf": {
            "type": "apiKey",
            "in": "header",
            "name": app.config["WTF_CSRF_HEADERS"][0],
            "description": "The session's CSRF token (csrf_token() in a page), required with "
            "the session cookie on POST, PUT, PATCH and DELETE.",
        },
    }


def _error_responses() -> dict[str, Any]:
    """One reusable answer per error status, all in the :class:`Error` shape."""
    content = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
    responses: dict[str, Any] = {
        str(code): {"description": f"{title}. {message}", "content": content}
        for code, (title, message) in sorted(MESSAGES.items())
    }
    responses["405"]["headers"] = {
        "Allow": {"description": "The methods allowed.", "schema": STRING}
    }
    responses["401"]["headers"] = {
        "WWW-Authenticate": {"description": "How to authenticate.", "schema": STRING}
    }
    responses["429"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait.", "schema": INTEGER}
    }
    return responses
