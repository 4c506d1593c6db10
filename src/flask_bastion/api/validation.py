"""Request bodies and query strings checked against pydantic models, refused with clear 4xx.

Every way a client can get input wrong has its own answer, and none reaches the view: a body
not labelled JSON is a 415, JSON that does not parse a 400, a body over ``MAX_CONTENT_LENGTH``
a 413 (Werkzeug, before anything is read), and values that break the model a 422 whose
``error.fields`` says what is wrong with each field. The model itself is the contract: the
OpenAPI document is generated from the same class, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from flask_bastion.api.fields import PATTERN_MESSAGES
from flask_bastion.exceptions import InvalidFields, JSONRequired, MalformedJSON

Model = TypeVar("Model", bound=BaseModel)

#: Told when the body is JSON but not an object (an array, a string, ``null``).
NOT_AN_OBJECT: Final = "The body must be a JSON object with the fields the API documents."


def parse_body(model: type[Model]) -> Model:
    """The request's JSON body as ``model``, or a 415, 400, 413 or 422 error."""
    if not request.is_json:
        raise JSONRequired()
    try:
        return model.model_validate_json(request.get_data())
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False)
        if any(problem["type"] == "json_invalid" for problem in problems):
            raise MalformedJSON() from None
        raise invalid_fields(problems) from None


def parse_query(model: type[Model]) -> Model:
    """The query string as ``model`` (the first value of a repeated name), or a 422 error."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise invalid_fields(error.errors(include_url=False, include_input=False)) from None


def invalid_fields(problems: Iterable[ErrorDetails]) -> InvalidFields:
    """The 422 for pydantic's ``problems``: messages grouped by field (``a.b`` when nested).

    A problem with the whole input (a body that is not an object) is said in the message;
    no message repeats the input back.
    """
    fields: dict[str, list[str]] = {}
    for problem in problems:
        if problem["loc"]:
            name = ".".join(str(part) for part in problem["loc"])
            fields.setdefault(name, []).append(_message(problem))
    return InvalidFields(fields, None if fields else NOT_AN_OBJECT)


def _message(problem: ErrorDetails) -> str:
    """Pydantic's message, except for a regex pattern, which is replaced by its meaning."""
    context: dict[str, Any] = dict(problem.get("ctx") or {})
    if problem["type"] == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(context.get("pattern", ""), "Has a form that is not allowed.")
    return problem["msg"]
