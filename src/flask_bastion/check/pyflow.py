"""Where data comes from, inside one Python module: a small taint tracker on Python's ``ast``.

Each value gets labels: ``request`` (it came from the HTTP request: ``request.args``, a route
variable, ...), ``db`` (it was read from the database) and ``exc`` (it is exception text).
Labels follow assignments inside a function, and calls to functions of the same module: a
helper is scanned again with the labels of the arguments it was given, so
``find(request.args["q"])`` reaches the ``execute`` inside ``find``. Known cleaners (``int``,
``url_for``, ``escape``, ``secure_filename``...) drop the labels. The sinks that report are in
:mod:`flask_bastion.check.sinks`; this module only answers "where did this come from".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from flask_bastion.check.vocabulary import (
    CLEANERS,
    DB_READS,
    HANDLER_DECORATORS,
    INTERNAL_ERRORS,
    MARKUP,
    QUERY_BUILDERS,
    QUERY_METHODS,
    REQUEST_ATTRS,
    ROUTE_DECORATORS,
    SAFE_CONVERTERS,
    SANITISER,
)

Labels = frozenset[str]
REQUEST: Final = "request"
DB: Final = "db"
EXC: Final = "exc"
CLEAN: Final[Labels] = frozenset()

_RULE_VARIABLE: Final = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
MAX_DEPTH: Final = 4


@dataclass
class Module:
    """A parsed module: its imports, its functions, and the scans already made of them."""

    path: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    summaries: dict[tuple[str, tuple[Labels, ...]], Labels] = field(default_factory=dict)

    @classmethod
    def parse(cls, path: str, source: str) -> Module:
        module = cls(path, ast.parse(source, filename=path))
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    module.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    module.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                module.functions[node.name] = node
        return module

    def qualname(self, node: ast.expr) -> str:
        """``flask.request.args`` for ``request.args`` after ``from flask import request``."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return ""
        parts.append(self.imports.get(node.id, node.id))
        return ".".join(reversed(parts))


@dataclass(frozen=True)
class Call:
    """A call as the sinks see it: the node, its qualified name and its arguments' labels."""

    node: ast.Call
    name: str
    args: list[Labels]
    keywords: dict[str | None, Labels]
    receiver: Labels

    def arg(self, index: int, keyword: str = "") -> Labels:
        """The labels of positional argument ``index``, or of the keyword of that name."""
        if index < len(self.args):
            return self.args[index]
        return self.keywords.get(keyword, CLEAN) if keyword else CLEAN

    def keyword_node(self, name: str) -> ast.expr | None:
        return next((kw.value for kw in self.node.keywords if kw.arg == name), None)


Sink = Callable[["Scan", Call], None]
ReturnSink = Callable[["Scan", ast.expr, Labels], None]


@dataclass
class Hooks:
    """What the sinks module plugs in: called at every call and every return."""

    on_call: Sink
    on_return: ReturnSink


class Scan:
    """One pass over one function, with the labels its parameters were given."""

    def __init__(
        self,
        module: Module,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        hooks: Hooks,
        params: dict[str, Labels],
        depth: int = 0,
    ) -> None:
        self.module, self.func, self.hooks, self.depth = module, func, hooks, depth
        self.env: dict[str, Labels] = dict(params)
        self.returns: Labels = CLEAN
        self.is_view = False
        self.is_handler = False
        self._classify()

    def run(self) -> Labels:
        """Scan the body (loops twice, so labels carried round a loop are seen) and return
        the labels of what the function returns."""
        self._block(self.func.body)
        return self.returns

    def labels(self, node: ast.expr | None) -> Labels:
        """The labels of an expression, checking every call in it against the sinks."""
        if node is None or isinstance(node, ast.Constant | ast.Lambda):
            return CLEAN
        if isinstance(node, ast.Name):
            return self.env.get(node.id, CLEAN)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            self.labels(node.slice)
            return self.labels(node.value)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.NamedExpr):
            return self._assign(node.target, self.labels(node.value))
        if isinstance(node, ast.BinOp) and self._is_markup(node.left):
            self.labels(node.right)  # Markup("<b>%s</b>") % value escapes the value
            return CLEAN
        if isinstance(node, ast.Compare):
            self._union(ast.iter_child_nodes(node))
            return CLEAN
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self._comprehension(node)
        return self._union(ast.iter_child_nodes(node))

    def _classify(self) -> None:
        for decorator in self.func.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else ""
            if name in HANDLER_DECORATORS:
                self.is_handler = True
            if name in ROUTE_DECORATORS and isinstance(decorator, ast.Call):
                self.is_view = True
                self._route_variables(decorator)

    def _route_variables(self, decorator: ast.Call) -> None:
        rule = decorator.args[0] if decorator.args else None
        text = rule.value if isinstance(rule, ast.Constant) else None
        if isinstance(rule, ast.JoinedStr):  # f"/notes/{NOTE_ID}": the variables are hidden
            return
        for converter, name in _RULE_VARIABLE.findall(text if isinstance(text, str) else ""):
            if converter not in SAFE_CONVERTERS:
                self.env[name] = frozenset({REQUEST})

    def _block(self, body: Iterable[ast.stmt]) -> None:
        for statement in body:
            self._statement(statement)

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.labels(node.value)
            for target in node.targets:
                self._assign(target, value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            value = self.labels(node.value)
            if isinstance(node, ast.AugAssign):
                value |= self.labels(node.target)
            self._assign(node.target, value)
        elif isinstance(node, ast.Return):
            value = self.labels(node.value)
            self.returns |= value
            if node.value is not None:
                self.hooks.on_return(self, node.value, value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self._loop(node)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.labels(item.context_expr)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, value)
            self._block(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            self._try(node)
        elif isinstance(node, ast.If):
            self.labels(node.test)
            self._block(node.body)
            self._block(node.orelse)
        elif isinstance(node, ast.Expr | ast.Raise | ast.Assert | ast.Delete):
            self._union(ast.iter_child_nodes(node))
        elif isinstance(node, ast.Match):
            self.labels(node.subject)
            for case in node.cases:
                self._block(case.body)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        for _ in range(2):
            if isinstance(node, ast.While):
                self.labels(node.test)
            else:
                self._assign(node.target, self.labels(node.iter))
            self._block(node.body)
        self._block(node.orelse)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        self._block(node.body)
        for handler in node.handlers:
            if handler.name:
                internal = _catches_internal_error(handler.type)
                self.env[handler.name] = frozenset({EXC}) if internal else CLEAN
            self._block(handler.body)
        self._block(node.orelse)
        self._block(node.finalbody)

    def _assign(self, target: ast.expr, value: Labels) -> Labels:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._assign(element, value)
        elif isinstance(target, ast.Starred):
            self._assign(target.value, value)
        return value

    def _attribute(self, node: ast.Attribute) -> Labels:
        name = self.module.qualname(node)
        if name.startswith("flask.request."):
            return frozenset({REQUEST}) if name.split(".")[2] in REQUEST_ATTRS else CLEAN
        return self.labels(node.value)

    def _call(self, call: ast.Call) -> Labels:
        name = self.module.qualname(call.func)
        args = [self.labels(arg) for arg in call.args]
        keywords = {kw.arg: self.labels(kw.value) for kw in call.keywords}
        receiver = self.labels(call.func) if isinstance(call.func, ast.Attribute) else CLEAN
        self.hooks.on_call(self, Call(call, name, args, keywords, receiver))
        if name in CLEANERS or name in QUERY_BUILDERS or SANITISER.match(name.rpartition(".")[2]):
            return CLEAN
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if method in QUERY_METHODS or (
            method in ("format", "join")
            and self._is_markup(
                call.func.value  # type: ignore[attr-defined]
            )
        ):
            return CLEAN
        if name.startswith("traceback.format_"):
            return frozenset({EXC})
        if isinstance(call.func, ast.Name) and call.func.id in self.module.functions:
            return self._helper(call.func.id, args, keywords)
        if method in DB_READS:
            return receiver | {DB}
        return frozenset().union(receiver, *args, *keywords.values())

    def _is_markup(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and self.module.qualname(node.func) in MARKUP

    def _helper(self, name: str, args: list[Labels], keywords: dict[str | None, Labels]) -> Labels:
        """The labels a same-module function returns when given arguments with these labels."""
        func = self.module.functions[name]
        params = [arg.arg for arg in [*func.args.posonlyargs, *func.args.args]]
        given = dict(zip(params, args, strict=False))
        given.update({key: value for key, value in keywords.items() if key in params})
        key = (name, tuple(given.get(param, CLEAN) for param in params))
        if key not in self.module.summaries:
            if self.depth >= MAX_DEPTH:
                return frozenset().union(*args, *keywords.values())
            self.module.summaries[key] = CLEAN  # a recursive call meanwhile sees no labels
            scan = Scan(
                self.module, func, self.hooks, {k: v for k, v in given.items() if v}, self.depth + 1
            )
            self.module.summaries[key] = scan.run()
        return self.module.summaries[key]

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> Labels:
        for generator in node.generators:
            self._assign(generator.target, self.labels(generator.iter))
            self._union(generator.ifs)
        if isinstance(node, ast.DictComp):
            return self.labels(node.key) | self.labels(node.value)
        return self.labels(node.elt)

    def _union(self, nodes: Iterable[ast.AST]) -> Labels:
        result: Labels = CLEAN
        for node in nodes:
            if isinstance(node, ast.expr):
                result |= self.labels(node)
        return result


def _catches_internal_error(caught: ast.expr | None) -> bool:
    if caught is None:
        return True
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    for name in names:
        text = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", "")
        if INTERNAL_ERRORS.search(text):
            return True
    return False


def scan_module(module: Module, hooks: Hooks) -> None:
    """Scan every function and method of ``module`` as an entry point, parameters clean."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            Scan(module, node, hooks, {}).run()
