"""Each source check on a failing, a passing and a not-applicable snippet (Django's style).

Every snippet starts with the imports below; ``expected`` lists the ids it must report.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_bastion.check.source import scan_python

PRELUDE = """\
import hashlib, os, pickle, sqlite3, subprocess, traceback, yaml
from flask import Flask, jsonify, redirect, render_template_string, request, send_file
from flask import send_from_directory, url_for
from markupsafe import Markup, escape
from sqlalchemy import text
from werkzeug.security import generate_password_hash
app = Flask(__name__)
db = sqlite3.connect(":memory:")
"""

CASES = [
    # BST-SQL-001: SQL text built from request data.
    (
        "sql-fstring",
        "@app.get('/')\ndef v():\n    q = request.args['q']\n"
        "    db.execute(f\"SELECT * FROM t WHERE a = '{q}'\")",
        ["BST-SQL-001"],
    ),
    (
        "sql-helper",
        "def find(n):\n    return db.execute('SELECT ' + n)\n"
        "@app.get('/')\ndef v():\n    return find(request.args['n'])",
        ["BST-SQL-001"],
    ),
    (
        "sql-route-variable",
        "@app.get('/<name>')\ndef v(name):\n    db.execute('SELECT %s' % name)",
        ["BST-SQL-001"],
    ),
    (
        "sql-text-fstring",
        "@app.get('/')\ndef v():\n    text(f\"SELECT {request.form['a']}\")",
        ["BST-SQL-001"],
    ),
    (
        "sql-bound-passes",
        "@app.get('/')\ndef v():\n"
        "    db.execute('SELECT * FROM t WHERE a = ?', (request.args['q'],))",
        [],
    ),
    (
        "sql-text-bound-passes",
        "@app.get('/')\ndef v():\n    text('SELECT :a').bindparams(a=request.args['q'])",
        [],
    ),
    (
        "sql-int-converter-passes",
        "@app.get('/<int:i>')\ndef v(i):\n    db.execute(f'SELECT * FROM t WHERE id = {i}')",
        [],
    ),
    ("sql-constant-na", "TABLE = 't'\ndef v():\n    db.execute(f'SELECT * FROM {TABLE}')", []),
    # BST-XSS-001: Markup on request or database data.
    (
        "markup-request",
        "@app.get('/')\ndef v():\n    return Markup(request.args['m'])",
        ["BST-XSS-001"],
    ),
    (
        "markup-db",
        "def v():\n    row = db.execute('SELECT b FROM t').fetchone()\n    return Markup(row[0])",
        ["BST-XSS-001"],
    ),
    ("markup-escaped-passes", "def v():\n    return Markup(escape(request.args['m']))", []),
    (
        "markup-format-passes",
        "def v():\n    return Markup('<b>{}</b>').format(request.args['m'])",
        [],
    ),
    ("markup-constant-na", "def v():\n    return Markup('<hr>')", []),
    # BST-XSS-002: template compiled from request data.
    (
        "template-request",
        "def v():\n    return render_template_string(request.data)",
        ["BST-XSS-002"],
    ),
    (
        "template-constant-passes",
        "def v():\n    return render_template_string('{{ q }}', q=request.args['q'])",
        [],
    ),
    # BST-XSS-003: a view returns text built from request data.
    ("reflected", "@app.get('/')\ndef v():\n    return 'Hi ' + request.args['n']", ["BST-XSS-003"]),
    ("reflected-json-passes", "@app.get('/')\ndef v():\n    return {'n': request.args['n']}", []),
    ("reflected-not-a-view-na", "def v():\n    return 'Hi ' + request.args['n']", []),
    # BST-RED-001: open redirect.
    ("redirect-next", "def v():\n    return redirect(request.args['next'])", ["BST-RED-001"]),
    ("redirect-referrer", "def v():\n    return redirect(request.referrer)", ["BST-RED-001"]),
    (
        "redirect-path-prefix-passes",
        "def v():\n    return redirect(f\"/n/{request.args['n']}\")",
        [],
    ),
    (
        "redirect-checked-passes",
        "def v():\n    t = request.args['next']\n"
        "    if not is_safe_url(t):\n        t = '/'\n    return redirect(t)",
        [],
    ),
    ("redirect-url-for-na", "def v():\n    return redirect(url_for('index'))", []),
    # BST-FILE-001: request-controlled file paths.
    ("send-file", "def v():\n    return send_file(request.args['p'])", ["BST-FILE-001"]),
    (
        "send-from-directory-folder",
        "def v():\n    return send_from_directory(request.args['d'], 'x')",
        ["BST-FILE-001"],
    ),
    (
        "send-from-directory-name-passes",
        "def v():\n    return send_from_directory('static', request.args['n'])",
        [],
    ),
    ("send-file-constant-na", "def v():\n    return send_file('report.pdf')", []),
    # BST-DES-001: deserialising request data.
    ("pickle", "def v():\n    return pickle.loads(request.data)", ["BST-DES-001"]),
    (
        "yaml-load",
        "def v():\n    return yaml.load(request.data, Loader=yaml.Loader)",
        ["BST-DES-001"],
    ),
    (
        "yaml-safe-passes",
        "def v():\n    return yaml.load(request.data, Loader=yaml.SafeLoader)",
        [],
    ),
    ("pickle-file-na", "def v():\n    return pickle.loads(open('cache', 'rb').read())", []),
    # BST-CMD-001: shell commands from request data.
    (
        "shell-true",
        "def v():\n    subprocess.run('ls ' + request.args['d'], shell=True)",
        ["BST-CMD-001"],
    ),
    ("os-system", "def v():\n    os.system(f\"ls {request.args['d']}\")", ["BST-CMD-001"]),
    ("argument-list-passes", "def v():\n    subprocess.run(['ls', request.args['d']])", []),
    ("shell-constant-na", "def v():\n    subprocess.run('ls', shell=True)", []),
    # BST-ERR-001: exception text to the client.
    (
        "error-text",
        "@app.get('/')\ndef v():\n    try:\n        pass\n"
        "    except Exception as e:\n        return str(e), 500",
        ["BST-ERR-001"],
    ),
    (
        "error-jsonify",
        "def v():\n    try:\n        pass\n    except OSError as e:\n"
        "        return jsonify(error=repr(e))",
        ["BST-ERR-001"],
    ),
    (
        "traceback",
        "@app.errorhandler(500)\ndef h(e):\n    return traceback.format_exc()",
        ["BST-ERR-001"],
    ),
    (
        "validation-error-passes",
        "@app.get('/')\ndef v():\n    try:\n        pass\n"
        "    except ValidationError as e:\n        return jsonify(e.messages), 400",
        [],
    ),
    (
        "http-error-handler-passes",
        "@app.errorhandler(404)\ndef h(e):\n    return jsonify(error=str(e)), 404",
        [],
    ),
    # BST-SEC-001: literal SECRET_KEY.
    ("secret-string", "app.config['SECRET_KEY'] = 'hunter2'", ["BST-SEC-001"]),
    ("secret-attribute", "app.secret_key = b'k'", ["BST-SEC-001"]),
    ("secret-fallback", "app.config['SECRET_KEY'] = os.getenv('K', 'dev')", ["BST-SEC-001"]),
    ("secret-class", "class Config:\n    SECRET_KEY = 'dev'", ["BST-SEC-001"]),
    ("secret-environment-passes", "app.config['SECRET_KEY'] = os.environ['SECRET_KEY']", []),
    ("secret-none-na", "app.config['SESSION_COOKIE_NAME'] = 'id'", []),
    # BST-DBG-001: app.run(debug=True).
    ("debug-run", "app.run(debug=True)", ["BST-DBG-001"]),
    ("debug-off-passes", "app.run(debug=False)", []),
    ("run-na", "app.run()", []),
    # BST-PWD-001: weak password hashing.
    (
        "md5-password",
        "def h(password):\n    return hashlib.md5(password.encode()).hexdigest()",
        ["BST-PWD-001"],
    ),
    ("werkzeug-sha1", "generate_password_hash('p', method='pbkdf2:sha1')", ["BST-PWD-001"]),
    (
        "werkzeug-few-iterations",
        "generate_password_hash('p', method='pbkdf2:sha256:1000')",
        ["BST-PWD-001"],
    ),
    ("werkzeug-default-passes", "generate_password_hash('p')", []),
    ("sha256-not-password-na", "def h(data):\n    return hashlib.sha256(data).hexdigest()", []),
]


@pytest.mark.parametrize(("snippet", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_source_check(snippet: str, expected: list[str]) -> None:
    """The snippet reports exactly the expected check ids."""
    source = PRELUDE + textwrap.dedent(snippet) + "\n"
    assert sorted(f.id for f in scan_python("app.py", source)) == sorted(expected)


def test_findings_point_at_the_sink_line() -> None:
    """A finding names the file and the line of the call that receives the data."""
    source = PRELUDE + "def v():\n    q = request.args['q']\n    db.execute('S' + q)\n"
    (finding,) = scan_python("views.py", source)
    assert (finding.location, finding.line) == ("views.py", PRELUDE.count("\n") + 3)


def test_secret_literal_in_a_test_module_is_not_a_finding() -> None:
    """Test modules hold throwaway keys on purpose."""
    assert scan_python("test_app.py", PRELUDE + "app.secret_key = 'test'\n") == []
