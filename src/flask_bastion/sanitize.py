"""User-supplied rich text: Markdown rendered, then sanitised by nh3 to a safe allowlist.

Autoescaping protects plain text; Markdown has to become HTML, so it is the one place where user
input is marked safe. The Markdown renderer is told to escape raw HTML, and its output then goes
through nh3 (the Rust ``ammonia`` sanitiser), which keeps only the tags, attributes and link
schemes listed here. Either layer alone stops ``<script>``; both together also stop
``javascript:`` links, event-handler attributes and whatever a renderer bug lets through.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Final

from flask import Flask
from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS: Final = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
        "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: Final = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}}
ALLOWED_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})


@functools.cache
def _markdown() -> MarkdownIt:
    """The renderer, built on first use: a worker that renders no Markdown never loads it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def sanitize_html(html: str) -> Markup:
    """Keep only the allowlisted tags, attributes and link schemes of ``html``."""
    import nh3  # imported on first use, like the renderer: 1.6 MiB per worker otherwise

    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - nh3 has just reduced it to the allowlist


def render_markdown(text: str) -> Markup:
    """Markdown to sanitised HTML, safe to put in a page as is."""
    return sanitize_html(_markdown().render(text))


def init_sanitize(app: Flask) -> None:
    """Offer ``{{ note.body | markdown }}`` to templates."""
    app.add_template_filter(render_markdown, "markdown")
