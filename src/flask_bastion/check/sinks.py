"""Where tainted data must not go: SQL text, markup, redirects, files, shells, pickles.

Each sink reports only when the labels of :mod:`~flask_bastion.check.pyflow` say the value
comes from the request (or, for markup, the database): SQL with bound parameters, ``Markup``
on a constant, or ``redirect(url_for(...))`` report nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Final

from flask_bastion.check.pyflow import DB, EXC, REQUEST, Call, Hooks, Labels, Scan
from flask_bastion.check.registry import Finding, Severity
from flask_bastion.check.vocabulary import MARKUP

SQL_INJECTION: Final = "BST-SQL-001"
MARKUP_TAINTED: Final = "BST-XSS-001"
TEMPLATE_INJECTION: Final = "BST-XSS-002"
REFLECTED_TEXT: Final = "BST-XSS-003"
OPEN_REDIRECT: Final = "BST-RED-001"
FILE_PATH: Final = "BST-FILE-001"
DESERIALISATION: Final = "BST-DES-001"
SHELL: Final = "BST-CMD-001"
ERROR_TEXT: Final = "BST-ERR-001"

SQL_METHODS: Final = frozenset({"execute", "executemany", "executescript", "exec_driver_sql"})
SQL_TEXT: Final = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
TEMPLATE_FROM_TEXT: Final = frozenset({"flask.render_template_string", "jinja2.Template"})
UNPICKLERS: Final = frozenset(
    [
        "pickle.loads",
        "pickle.load",
        "_pickle.loads",
        "marshal.loads",
        "marshal.load",
        "dill.loads",
        "jsonpickle.decode",
        "yaml.unsafe_load",
        "yaml.full_load",
    ]
)
SAFE_YAML_LOADERS: Final = ("SafeLoader", "CSafeLoader", "BaseLoader")
SHELL_ALWAYS: Final = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"}
)
SUBPROCESS: Final = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
    }
)
RESPONSES: Final = frozenset(
    {"flask.jsonify", "flask.make_response", "flask.Response", "flask.abort"}
)
STRING_METHODS: Final = frozenset({"format", "join", "replace", "strip", "lower", "upper"})
#: Calls that check a URL before a redirect (``is_safe_url``, ``url_has_allowed_host...``).
_URL_CHECK: Final = re.compile(r"safe|allowed|valid|urlparse|urlsplit|url_parse", re.I)
_SAME_SITE_PREFIX: Final = re.compile(r"^/[^/\\]|^https?://[^/]+/")

Report = Callable[[Finding], None]


def hooks(path: str, report: Report) -> Hooks:
    """The sink checks for one file, reporting through ``report``."""

    def found(check_id: str, node: ast.AST, severity: Severity, risk: str, fix: str) -> None:
        line = getattr(node, "lineno", 0)
        report(Finding(check_id, severity, risk, fix, location=path, line=line))

    def on_call(scan: Scan, call: Call) -> None:
        for sink in CALL_SINKS:
            sink(scan, call, found)

    def on_return(scan: Scan, value: ast.expr, labels: Labels) -> None:
        returned = value.elts[0] if isinstance(value, ast.Tuple) and value.elts else value
        if scan.is_view and REQUEST in labels and _is_text(scan, returned):
            found(
                REFLECTED_TEXT,
                value,
                Severity.HIGH,
                "The view returns HTML text built from request data: a crafted link runs "
                "script in the user's browser (reflected XSS).",
                "Render a template (autoescaped), or escape() the value.",
            )
        if (
            (scan.is_view or scan.is_handler)
            and EXC in labels
            and not _is_exception(scan, returned)
        ):
            _error_text(found, value)

    return Hooks(on_call, on_return)


Found = Callable[[str, ast.AST, Severity, str, str], None]


def sql(scan: Scan, call: Call, found: Found) -> None:
    node = call.node
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if (method in SQL_METHODS or call.name in SQL_TEXT) and REQUEST in call.arg(0, "statement"):
        found(
            SQL_INJECTION,
            node,
            Severity.CRITICAL,
            "SQL text is built from request data: a crafted value can read or change any "
            "row (SQL injection).",
            "Keep the SQL constant and pass values as bound parameters "
            "(text('... WHERE name = :name'), {'name': value}).",
        )


def markup(scan: Scan, call: Call, found: Found) -> None:
    if call.name in MARKUP and {REQUEST, DB} & call.arg(0):
        found(
            MARKUP_TAINTED,
            call.node,
            Severity.HIGH,
            "Markup() marks request or database data as safe HTML: it is shown unescaped "
            "(stored or reflected XSS).",
            "Pass the data to the template unescaped-by-default, or sanitise it first "
            "(flask_bastion.sanitize_html).",
        )


def template_text(scan: Scan, call: Call, found: Found) -> None:
    method = call.node.func.attr if isinstance(call.node.func, ast.Attribute) else ""
    if (call.name in TEMPLATE_FROM_TEXT or method == "from_string") and {REQUEST, DB} & call.arg(
        0, "source"
    ):
        found(
            TEMPLATE_INJECTION,
            call.node,
            Severity.CRITICAL,
            "A template is compiled from request or database data: its author can run code "
            "on the server (template injection).",
            "Keep templates in files or constants and pass the data as variables.",
        )


def redirect(scan: Scan, call: Call, found: Found) -> None:
    if call.name not in ("flask.redirect", "werkzeug.utils.redirect"):
        return
    target = call.node.args[0] if call.node.args else call.keyword_node("location")
    if REQUEST not in call.arg(0, "location") or target is None:
        return
    if _same_site_prefix(target) or _checked_names(scan) & _names(target):
        return
    found(
        OPEN_REDIRECT,
        call.node,
        Severity.MEDIUM,
        "The redirect goes to a URL taken from the request: a link on your domain can send "
        "users to a phishing site (open redirect).",
        "Accept only same-site paths (url_has_allowed_host_and_scheme-style check) or "
        "redirect to url_for(...).",
    )


def file_path(scan: Scan, call: Call, found: Found) -> None:
    sent = call.name == "flask.send_file" and REQUEST in call.arg(0, "path_or_file")
    folder = call.name == "flask.send_from_directory" and REQUEST in call.arg(0, "directory")
    if sent or folder:
        found(
            FILE_PATH,
            call.node,
            Severity.HIGH,
            "A file path comes from the request: '../' can read any file the server can "
            "(path traversal).",
            "Use send_from_directory(FIXED_FOLDER, name), which refuses paths outside it.",
        )


def deserialisation(scan: Scan, call: Call, found: Found) -> None:
    unsafe_yaml = call.name == "yaml.load" and not _safe_yaml_loader(call)
    if (call.name in UNPICKLERS or unsafe_yaml) and REQUEST in call.arg(0):
        found(
            DESERIALISATION,
            call.node,
            Severity.CRITICAL,
            "Request data is deserialised with pickle or unsafe YAML: the sender can run "
            "code on the server.",
            "Accept JSON (request.get_json()) or yaml.safe_load, never pickle from clients.",
        )


def shell(scan: Scan, call: Call, found: Found) -> None:
    with_shell = call.name in SUBPROCESS and _is_true(call.keyword_node("shell"))
    if (call.name in SHELL_ALWAYS or with_shell) and REQUEST in call.arg(0, "args"):
        found(
            SHELL,
            call.node,
            Severity.CRITICAL,
            "A shell command is built from request data: ';' or '$(...)' runs any command "
            "(command injection).",
            "Pass an argument list without shell=True: subprocess.run(['tool', value]).",
        )


def responses(scan: Scan, call: Call, found: Found) -> None:
    labels = frozenset().union(*call.args, *call.keywords.values())
    if call.name in RESPONSES and EXC in labels:
        _error_text(found, call.node)


def _error_text(found: Found, node: ast.AST) -> None:
    found(
        ERROR_TEXT,
        node,
        Severity.MEDIUM,
        "Exception text or a traceback is sent to the client: it reveals code, queries "
        "and paths that help an attacker.",
        "Log the exception (logger.exception) and answer a generic message with an id.",
    )


CALL_SINKS: Final[tuple[Callable[[Scan, Call, Found], None], ...]] = (
    sql,
    markup,
    template_text,
    redirect,
    file_path,
    deserialisation,
    shell,
    responses,
)


def _is_text(scan: Scan, node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Call):
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        return method in STRING_METHODS or scan.module.qualname(node.func) == "str"
    return False


def _is_exception(scan: Scan, node: ast.expr) -> bool:
    """Whether ``node`` is the bound exception itself (a response object, not its text)."""
    handlers = (n for n in ast.walk(scan.func) if isinstance(n, ast.ExceptHandler))
    return isinstance(node, ast.Name) and any(h.name == node.id for h in handlers)


def _same_site_prefix(node: ast.expr) -> bool:
    """Whether a literal start fixes the host: ``f"/notes/{x}"``, ``"https://site/" + x``."""
    while isinstance(node, ast.BinOp):
        node = node.left
    if isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[0]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value  # "/notes/{}".format(x)
    text = node.value if isinstance(node, ast.Constant) else None
    return isinstance(text, str) and bool(_SAME_SITE_PREFIX.match(text))


def _checked_names(scan: Scan) -> set[str]:
    """Names that the function passes to a URL check somewhere."""
    checked: set[str] = set()
    for node in ast.walk(scan.func):
        if isinstance(node, ast.Call) and _URL_CHECK.search(scan.module.qualname(node.func)):
            for arg in node.args:
                checked |= _names(arg)
    return checked


def _names(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _safe_yaml_loader(call: Call) -> bool:
    loader = call.keyword_node("Loader") or (call.node.args[1] if len(call.node.args) > 1 else None)
    return loader is not None and ast.unparse(loader).endswith(SAFE_YAML_LOADERS)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)
