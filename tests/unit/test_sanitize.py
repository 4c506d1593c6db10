"""``sanitize_html`` and ``render_markdown``: only allowlisted tags, attributes and schemes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from flask_bastion.sanitize import ALLOWED_TAGS, render_markdown, sanitize_html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The start tags of ``html`` with their (decoded) attributes."""
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<script>alert(1)</script>", id="script"),
        pytest.param("<SCRIPT SRC=https://evil.example/x.js></SCRIPT>", id="script-upper"),
        pytest.param('<img src="x" onerror="alert(1)">', id="img"),
        pytest.param("<svg onload=alert(1)><circle/></svg>", id="svg"),
        pytest.param('<iframe src="https://evil.example"></iframe>', id="iframe"),
        pytest.param("<style>body{display:none}</style>", id="style"),
        pytest.param('<object data="x.swf"></object>', id="object"),
        pytest.param('<embed src="x.swf">', id="embed"),
        pytest.param('<form action="https://evil.example"><input name="q"></form>', id="form"),
        pytest.param('<base href="https://evil.example/">', id="base"),
        pytest.param('<meta http-equiv="refresh" content="0;url=https://evil.example">', id="meta"),
        pytest.param('<link rel="stylesheet" href="https://evil.example/x.css">', id="link"),
    ],
)
def test_sanitize_html_drops_tags_outside_the_allowlist(html):
    """Tags that run script, load content or restyle the page are removed."""
    clean = sanitize_html(html)
    assert all(tag in ALLOWED_TAGS for tag, _ in tags(clean)), clean


@pytest.mark.parametrize(
    ("html", "content"),
    [("<script>alert(1)</script>", "alert"), ("<style>*{color:red}</style>", "color")],
    ids=["script", "style"],
)
def test_sanitize_html_drops_script_and_style_content(html, content):
    """The text inside a removed script or style does not leak into the page."""
    assert content not in sanitize_html(html)


@pytest.mark.parametrize(
    "html",
    [
        pytest.param('<p onclick="alert(1)">x</p>', id="p-onclick"),
        pytest.param('<a href="https://example.org" onmouseover="alert(1)">x</a>', id="a-hover"),
        pytest.param('<strong ONMOUSEOVER="alert(1)">x</strong>', id="upper-case"),
        pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-attr"),
        pytest.param('<a href="https://example.org" target="_blank">x</a>', id="target"),
        pytest.param('<p class="x" id="login-form">x</p>', id="class-id"),
    ],
)
def test_sanitize_html_drops_attributes_outside_the_allowlist(html):
    """Event handlers, styles, targets, classes and ids are removed; allowed ones stay."""
    for tag, attrs in tags(sanitize_html(html)):
        assert set(attrs) <= {"href", "title", "rel"}, (tag, attrs)


@pytest.mark.parametrize(
    "href",
    [
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("JaVaScRiPt:alert(1)", id="mixed-case"),
        pytest.param("  javascript:alert(1)", id="leading-space"),
        pytest.param("java&#x09;script:alert(1)", id="tab-entity"),
        pytest.param("&#106;avascript:alert(1)", id="decimal-entity"),
        pytest.param("vbscript:msgbox(1)", id="vbscript"),
        pytest.param("data:text/html;base64,PHNjcmlwdD4=", id="data"),
        pytest.param("file:///etc/passwd", id="file"),
    ],
)
def test_sanitize_html_drops_links_with_unsafe_schemes(href):
    """A link to a script, data or local URL loses its ``href``."""
    clean = sanitize_html(f'<a href="{href}">x</a>')
    assert [attrs.get("href") for tag, attrs in tags(clean) if tag == "a"] == [None]


@pytest.mark.parametrize(
    "href", ["https://example.org/a?b=c", "http://example.org/", "mailto:ada@example.org"]
)
def test_sanitize_html_keeps_links_with_safe_schemes(href):
    """Web and mail links keep their target, with ``rel`` against tab-nabbing and SEO spam."""
    clean = sanitize_html(f'<a href="{href}">x</a>')
    assert tags(clean) == [("a", {"href": href, "rel": "noopener noreferrer nofollow"})]


def test_sanitize_html_replaces_a_hostile_rel():
    """A ``rel="opener"`` written by the user is replaced by the safe one."""
    clean = sanitize_html('<a href="https://example.org" rel="opener">x</a>')
    assert tags(clean)[0][1]["rel"] == "noopener noreferrer nofollow"


def test_sanitize_html_keeps_allowlisted_markup():
    """Formatting tags survive unchanged."""
    html = "<p><strong>b</strong> <em>i</em> <code>c</code> <del>d</del></p>"
    assert sanitize_html(html) == html


def test_sanitize_html_returns_markup():
    """The result is ``Markup``, so Jinja inserts it without escaping it a second time."""
    assert isinstance(sanitize_html("<p>x</p>"), Markup)
    assert isinstance(render_markdown("x"), Markup)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<script>alert(1)</script>", id="script"),
        pytest.param('<img src=x onerror="alert(1)">', id="img"),
        pytest.param("<b>bold</b>", id="harmless-tag"),
    ],
)
def test_render_markdown_escapes_raw_html(text):
    """Raw HTML in Markdown is shown as text, not interpreted."""
    html = render_markdown(text)
    assert tags(html) == [("p", {})]
    assert "&lt;" in html


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[x](javascript:alert(1))", id="inline-link"),
        pytest.param("[x](JAVASCRIPT:alert(1))", id="upper-case"),
        pytest.param("[x](jav&#x61;script:alert(1))", id="entity"),
        pytest.param("<javascript:alert(1)>", id="autolink"),
        pytest.param("[x]\n\n[x]: javascript:alert(1)", id="reference"),
        pytest.param("[x](data:text/html;base64,PHNjcmlwdD4=)", id="data-link"),
        pytest.param("![x](data:image/png;base64,iVBORw0KGgo=)", id="data-image"),
        pytest.param("![x](https://evil.example/track.png)", id="remote-image"),
        pytest.param("[x](vbscript:msgbox(1))", id="vbscript"),
    ],
)
def test_render_markdown_never_links_to_unsafe_targets(text):
    """Markdown links and images cannot produce a script link or load an image."""
    for tag, attrs in tags(render_markdown(text)):
        assert tag != "img"
        href = (attrs.get("href") or "").lower()
        assert href == "" or href.startswith(("http://", "https://", "mailto:")), href


def test_render_markdown_escapes_a_quote_in_a_link_title():
    """A link title cannot break out of its attribute to add an event handler."""
    html = render_markdown('[x](https://example.org "\\" onmouseover=\\"alert(1)")')
    assert tags(html)[1] == (
        "a",
        {
            "href": "https://example.org",
            "title": '" onmouseover="alert(1)',
            "rel": "noopener noreferrer nofollow",
        },
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("**bold**", "<p><strong>bold</strong></p>", id="bold"),
        pytest.param("*it*", "<p><em>it</em></p>", id="italic"),
        pytest.param("~~old~~", "<p><s>old</s></p>", id="strikethrough"),
        pytest.param("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>", id="list"),
        pytest.param("`<b>`", "<p><code>&lt;b&gt;</code></p>", id="code"),
        pytest.param(
            "[site](https://example.org)",
            '<p><a href="https://example.org" rel="noopener noreferrer nofollow">site</a></p>',
            id="https-link",
        ),
    ],
)
def test_render_markdown_keeps_safe_formatting(text, expected):
    """Ordinary Markdown renders to its usual HTML."""
    assert render_markdown(text).strip() == expected


def test_render_markdown_renders_tables():
    """The table extension is on, and its tags are allowlisted."""
    html = render_markdown("| a |\n|---|\n| b |")
    assert [tag for tag, _ in tags(html)] == ["table", "thead", "tr", "th", "tbody", "tr", "td"]
