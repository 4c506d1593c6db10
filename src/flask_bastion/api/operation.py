"""``@operation``: one description of an API view that both runs it and documents it.

The decorator validates the query string and the body against the view's pydantic models before
the view runs (:mod:`~flask_bastion.api.validation`), passes them in as ``query`` and ``body``,
and turns what the view returns into the JSON answer. The OpenAPI document reads the same
description (:mod:`~flask_bastion.api.openapi`), so the document cannot drift from what the
endpoint accepts and answers: a view that returns something other than its documented model
is a programming error, not a silently different answer::

    @bp.post("/notes")
    @login_required
    @operation("Create a note", body=NoteIn, response=NoteOut, status=201)
    def create_note(body: NoteIn) -> tuple[NoteOut, dict[str, str]]:
        ...
        return NoteOut.of(note), {"Location": url_for(".get_note", note_id=note.id)}

Put it below the guard decorators, so that a client without the right is refused before its
input is even read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final

from flask import Response
from pydantic import BaseModel

from flask_bastion.api.validation import parse_body, parse_query

View = Callable[..., Any]
#: What a view may return: its documented model (or ``None`` when it answers no content),
#: alone or with response headers.
Result = BaseModel | None | tuple[BaseModel | None, Mapping[str, str]]

#: Attribute holding a view's :class:`Operation` (read by the OpenAPI builder).
OPERATION_MARK: Final = "_bastion_operation"


@dataclass(frozen=True)
class Operation:
    """What an API view accepts and answers.

    ``errors`` lists statuses the view itself can answer beyond those the document derives
    from the route and its guards (400, 401, 403, 404, 413, 415, 422, 429 and 500 as they
    apply).
    """

    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: frozenset[int] = frozenset()

    def respond(self, result: Result) -> Response:
        """The answer for what the view returned, checked against this description."""
        payload, headers = result if isinstance(result, tuple) else (result, {})
        if self.response is None:
            if payload is not None:
                raise TypeError(f"{self.summary!r} documents no content but returned {payload!r}.")
            return Response(status=self.status, headers=dict(headers))
        if self.status == 201 and "Location" not in headers:
            raise TypeError(f"{self.summary!r} answers 201 Created but sent no Location header.")
        if not isinstance(payload, self.response):
            raise TypeError(
                f"{self.summary!r} documents {self.response.__name__} but returned "
                f"{type(payload).__name__}."
            )
        body = payload.model_dump_json()
        return Response(body, self.status, dict(headers), mimetype="application/json")


def operation(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[View], Callable[..., Response]]:
    """Describe, validate and serialise an API view (see the module's documentation).

    ``status`` defaults to 200 with a ``response`` model and to 204 without one.
    """
    spec = Operation(
        summary,
        body,
        query,
        response,
        status or (200 if response is not None else 204),
        frozenset(errors),
    )

    def decorate(view: View) -> Callable[..., Response]:
        @wraps(view)
        def run(*args: Any, **kwargs: Any) -> Response:
            if spec.query is not None:
                kwargs["query"] = parse_query(spec.query)
            if spec.body is not None:
                kwargs["body"] = parse_body(spec.body)
            return spec.respond(view(*args, **kwargs))

        setattr(run, OPERATION_MARK, spec)
        return run

    return decorate


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    """The :class:`Operation` of ``view``, if it has one."""
    spec: Operation | None = getattr(view, OPERATION_MARK, None)
    return spec
