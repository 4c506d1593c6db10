"""The names the taint tracker knows: request attributes, cleaners, database reads, routes."""

from __future__ import annotations

import re
from typing import Final

#: Attributes of ``flask.request`` that the client controls.
REQUEST_ATTRS: Final = frozenset(
    [
        "args",
        "form",
        "values",
        "json",
        "data",
        "files",
        "cookies",
        "headers",
        "get_json",
        "get_data",
        "view_args",
        "path",
        "full_path",
        "query_string",
        "referrer",
        "stream",
        "input_stream",
        "authorization",
    ]
)
#: Calls whose result carries none of their arguments' labels.
CLEANERS: Final = frozenset(
    [
        "int",
        "float",
        "bool",
        "len",
        "abs",
        "round",
        "hash",
        "isinstance",
        "flask.url_for",
        "url_for",
        "markupsafe.escape",
        "flask.escape",
        "escape",
        "html.escape",
        "werkzeug.utils.secure_filename",
        "secure_filename",
        "flask.render_template",
        "flask.jsonify",
        "flask.redirect",
        "flask.abort",
        "flask.make_response",
        "sqlalchemy.text",
        "flask_bastion.sanitize_html",
        "flask_bastion.render_markdown",
        "nh3.clean",
        "bleach.clean",
        "shlex.quote",
        "uuid.UUID",
        "werkzeug.security.generate_password_hash",
        "werkzeug.security.check_password_hash",
    ]
)
#: SQLAlchemy constructs and their methods bind every value as a parameter: their result
#: carries no labels (``text()`` itself is a sink, checked before its labels are dropped).
QUERY_BUILDERS: Final = frozenset(
    [
        "sqlalchemy.select",
        "sqlalchemy.insert",
        "sqlalchemy.update",
        "sqlalchemy.delete",
        "sqlalchemy.bindparam",
        "sqlalchemy.literal",
    ]
)
QUERY_METHODS: Final = frozenset(
    [
        "where",
        "filter",
        "filter_by",
        "values",
        "bindparams",
        "params",
        "order_by",
        "limit",
        "offset",
        "having",
        "group_by",
        "returning",
        "options",
    ]
)
MARKUP: Final = frozenset({"markupsafe.Markup", "flask.Markup", "jinja2.Markup"})
#: Methods that read rows from a database.
DB_READS: Final = frozenset(
    [
        "fetchone",
        "fetchall",
        "fetchmany",
        "first",
        "one",
        "one_or_none",
        "scalar",
        "scalars",
        "scalar_one",
        "all",
        "get_or_404",
        "first_or_404",
        "one_or_404",
        "paginate",
    ]
)
ROUTE_DECORATORS: Final = frozenset({"route", "get", "post", "put", "patch", "delete"})
HANDLER_DECORATORS: Final = frozenset({"errorhandler", "app_errorhandler"})
#: Route converters whose values cannot carry text.
SAFE_CONVERTERS: Final = frozenset({"int", "float", "uuid"})
#: Exceptions whose text describes internals (broad ones, database and OS errors).
INTERNAL_ERRORS: Final = re.compile(
    r"^(Base)?Exception$|(Database|Operational|Integrity|"
    r"Programming|SQLAlchemy|OS|IO|Interface)Error$"
)
#: Functions named as sanitisers: ``safe_next_url``, ``safe_join``, ``sanitize_html``.
SANITISER: Final = re.compile(r"safe_|sanitiz|sanitis|escape|clean|quote")
