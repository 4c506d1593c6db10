"""Checks that need no data flow: what is written in the source is the problem.

A ``SECRET_KEY`` typed into the code, ``app.run(debug=True)``, a password hashed with a fast
digest or a weak Werkzeug method.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Final

from flask_bastion.check.pyflow import Module
from flask_bastion.check.registry import Finding, Severity

SECRET_IN_SOURCE: Final = "BST-SEC-001"  # noqa: S105 - a finding id, not a secret
DEBUG_RUN: Final = "BST-DBG-001"
WEAK_PASSWORD_HASH: Final = "BST-PWD-001"  # noqa: S105 - a finding id, not a password

SECRET_NAMES: Final = frozenset({"SECRET_KEY", "secret_key"})
FAST_DIGESTS: Final = frozenset(
    f"hashlib.{name}"
    for name in [
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sha3_256",
        "sha3_512",
        "blake2b",
        "blake2s",
        "new",
    ]
)
ENV_READS: Final = frozenset(
    {"os.environ.get", "os.getenv", "environ.get", "os.environ.setdefault"}
)
_PASSWORD: Final = re.compile(r"passw(or)?d|pwd|passphrase", re.IGNORECASE)
#: OWASP's least PBKDF2-HMAC-SHA256 iteration count (2023).
MIN_PBKDF2_ITERATIONS: Final = 600_000


def check_module(module: Module) -> Iterator[Finding]:
    """Every literal-secret, debug-run and weak-hash finding of one module."""
    test_file = is_test_file(module.path)
    for node in ast.walk(module.tree):
        if not test_file and _secret_literal(module, node):
            yield _finding(
                module,
                node,
                SECRET_IN_SOURCE,
                Severity.HIGH,
                "A SECRET_KEY is written in the source: everyone who can read the "
                "code (or its history) can forge sessions.",
                "Read it from the environment with no fallback "
                "(app.config.from_prefixed_env(), FLASK_SECRET_KEY).",
            )
        if isinstance(node, ast.Call):
            yield from _call_findings(module, node)


def is_test_file(path: str) -> bool:
    """Test modules hold throwaway keys on purpose; their literal keys are no finding."""
    name = PurePath(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _call_findings(module: Module, call: ast.Call) -> Iterator[Finding]:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "run" and _truthy(_kw(call, "debug")):
        yield _finding(
            module,
            call,
            DEBUG_RUN,
            Severity.HIGH,
            "app.run(debug=True) starts the interactive debugger: anyone who "
            "reaches an error page can run code on the server.",
            "Drop debug=True; use `flask run --debug` on your own machine only.",
        )
    name = module.qualname(func)
    weak = (name in FAST_DIGESTS and _mentions_password(call)) or (
        name.endswith("generate_password_hash") and _weak_method(_method(call))
    )
    if weak:
        yield _finding(
            module,
            call,
            WEAK_PASSWORD_HASH,
            Severity.HIGH,
            "Passwords are hashed with a fast or weak method: a stolen table is "
            "cracked at billions of guesses per second.",
            "Use argon2id (Flask-Bastion's PasswordHasher) or Werkzeug's default "
            "generate_password_hash(password) (scrypt).",
        )


def _secret_literal(module: Module, node: ast.AST) -> bool:
    if isinstance(node, ast.Assign):
        return any(_names_secret(t) for t in node.targets) and _literal(module, node.value)
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return _names_secret(node.target) and _literal(module, node.value)
    if isinstance(node, ast.Call):
        return any(kw.arg in SECRET_NAMES and _literal(module, kw.value) for kw in node.keywords)
    if isinstance(node, ast.Dict):
        return any(
            isinstance(k, ast.Constant) and k.value in SECRET_NAMES and _literal(module, v)
            for k, v in zip(node.keys, node.values, strict=True)
        )
    return False


def _names_secret(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return target.id in SECRET_NAMES
    if isinstance(target, ast.Attribute):
        return target.attr in SECRET_NAMES
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Constant) and target.slice.value in SECRET_NAMES
    return False


def _literal(module: Module, value: ast.expr) -> bool:
    """A non-empty string, also as the fallback of an environment read or an ``or``."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str | bytes) and bool(value.value)
    if isinstance(value, ast.BoolOp):
        return _literal(module, value.values[-1])
    if isinstance(value, ast.Call) and module.qualname(value.func) in ENV_READS:
        return len(value.args) > 1 and _literal(module, value.args[1])
    return False


def _mentions_password(call: ast.Call) -> bool:
    for node in ast.walk(call):
        text = (
            getattr(node, "id", None)
            or getattr(node, "attr", None)
            or (
                node.value
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
                else None
            )
        )
        if isinstance(text, str) and _PASSWORD.search(text) and len(text) < 40:
            return True
    return False


def _method(call: ast.Call) -> str | None:
    node = _kw(call, "method") or (call.args[1] if len(call.args) > 1 else None)
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _weak_method(method: str | None) -> bool:
    if method is None or method.startswith("scrypt"):
        return False
    parts = method.split(":")
    if parts[0] != "pbkdf2" or (len(parts) > 1 and parts[1] == "sha1"):
        return True
    return len(parts) > 2 and parts[2].isdigit() and int(parts[2]) < MIN_PBKDF2_ITERATIONS


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _truthy(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def _finding(
    module: Module, node: ast.AST, check_id: str, severity: Severity, risk: str, fix: str
) -> Finding:
    return Finding(
        check_id, severity, risk, fix, location=module.path, line=getattr(node, "lineno", 0)
    )
