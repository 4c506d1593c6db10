"""Jinja templates read with Jinja's own parser: ``|safe`` and ``{% autoescape false %}``.

Autoescaping makes every ``{{ variable }}`` safe; these two switch it off. On a constant they
are harmless and report nothing; on a variable, whatever the view passes (a note's body, a
search term) is shown as HTML.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from jinja2 import Environment, TemplateSyntaxError, nodes

from flask_bastion.check.registry import Finding, Severity

SAFE_FILTER: Final = "BST-XSS-004"
AUTOESCAPE_BLOCK: Final = "BST-XSS-005"
TEMPLATE_SUFFIXES: Final = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".xml")
#: Filters whose output is already safe HTML: ``|safe`` after them changes nothing.
SANITISING_FILTERS: Final = frozenset(
    {
        "markdown",
        "sanitize",
        "sanitize_html",
        "clean",
        "bleach",
        "escape",
        "e",
        "tojson",
        "urlencode",
        "striptags",
        "forceescape",
    }
)

_ENV: Final = Environment(
    extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"], autoescape=True
)


def check_template(path: str, source: str) -> Iterator[Finding]:
    """The ``|safe`` and autoescape-off findings of one template; none if it does not parse."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError:
        return
    for node in tree.find_all(nodes.Filter):
        if node.name == "safe" and _is_variable(node.node):
            yield Finding(
                SAFE_FILTER,
                Severity.HIGH,
                "|safe shows a variable as raw HTML: if it holds user or database text, that "
                "text can run script (XSS).",
                "Drop |safe, or sanitise first ({{ text | markdown }} with Flask-Bastion, "
                "or nh3/bleach in the view).",
                location=path,
                line=node.lineno,
            )
    for block in tree.find_all(nodes.ScopedEvalContextModifier):
        if _turns_escaping_off(block) and _outputs_variables(block):
            yield Finding(
                AUTOESCAPE_BLOCK,
                Severity.HIGH,
                "{% autoescape false %} shows the variables inside it as raw HTML (XSS).",
                "Remove the block; mark single trusted values with Markup in the view.",
                location=path,
                line=block.lineno,
            )


def _is_variable(node: nodes.Node | None) -> bool:
    """Data (a name, attribute or item), not a constant, a call or a sanitiser's output."""
    if isinstance(node, nodes.Filter):
        return node.name not in SANITISING_FILTERS and _is_variable(node.node)
    if isinstance(node, nodes.Concat | nodes.Add):
        return any(_is_variable(child) for child in node.iter_child_nodes())
    if isinstance(node, nodes.CondExpr):
        return _is_variable(node.expr1) or _is_variable(node.expr2)
    return isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem)


def _turns_escaping_off(block: nodes.ScopedEvalContextModifier) -> bool:
    return any(
        option.key == "autoescape"
        and isinstance(option.value, nodes.Const)
        and not option.value.value
        for option in block.options
    )


def _outputs_variables(block: nodes.ScopedEvalContextModifier) -> bool:
    return any(
        not isinstance(child, nodes.TemplateData | nodes.Const)
        for output in block.find_all(nodes.Output)
        for child in output.nodes
    )
