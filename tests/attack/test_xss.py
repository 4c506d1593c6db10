"""XSS: script payloads in every field the app shows back come back escaped, never as markup.

Each payload is written through the real forms, then the pages that show it are parsed: no
script-capable tag, no event-handler attribute and no ``javascript:``/``data:`` link may appear,
and plain-text fields must carry the payload in its escaped form.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

import flask_bastion
import reference_app
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import form_token

#: Tags that run script or restyle the page; none of them is part of the app's own pages.
ACTIVE_TAGS = frozenset(
    {"script", "iframe", "frame", "style", "svg", "math", "img", "object", "embed", "base"}
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
#: The same checks as plain patterns over the markup, independent of the parser.
_ATTRIBUTES = r"""<\w+(?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*"""
EVENT_HANDLER = re.compile(_ATTRIBUTES + r"\s+on\w+\s*=", re.IGNORECASE)
JAVASCRIPT_HREF = re.compile(_ATTRIBUTES + r"""\s+href\s*=\s*["']?\s*javascript:""", re.I)

PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script-tag"),
    pytest.param('"><img src=x onerror=alert(1)>', id="img-onerror"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param('" onmouseover="alert(1)', id="attribute-injection-double-quote"),
    pytest.param("' onmouseover='alert(1)", id="attribute-injection-single-quote"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="raw-javascript-link"),
    pytest.param("[x](javascript:alert(1))", id="markdown-javascript-link"),
    pytest.param('<iframe src="https://evil.example"></iframe>', id="iframe"),
    pytest.param("<style>body{display:none}</style>", id="style-tag"),
    pytest.param('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', id="data-url-link"),
    pytest.param("</title><script>alert(1)</script>", id="close-title"),
    pytest.param("</textarea><script>alert(1)</script>", id="close-textarea"),
]

#: Markdown-specific ways to smuggle a script, on top of the payloads above.
MARKDOWN_PAYLOADS = [
    *PAYLOADS,
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md-link-mixed-case"),
    pytest.param("[x](jav&#x61;script:alert(1))", id="md-link-entity"),
    pytest.param("<javascript:alert(1)>", id="md-autolink"),
    pytest.param("[x]: javascript:alert(1)\n\n[x]", id="md-reference-link"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD4=)", id="md-data-link"),
    pytest.param("![x](data:image/svg+xml;base64,PHN2Zz4=)", id="md-data-image"),
    pytest.param('[x](https://example.org "\\" onmouseover=\\"alert(1)")', id="md-link-title"),
    pytest.param('<div onmouseover="alert(1)">hover</div>', id="md-html-block"),
]


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes (entities already decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def active_content(html: str) -> list[str]:
    """Everything in ``html`` a browser would run: script tags, handlers, script URLs."""
    parser = _Tags()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in ACTIVE_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and url.startswith(UNSAFE_SCHEMES):
                found.append(f"<{tag} {name}={value}>")
    return found


def assert_shown_escaped(html: str, payload: str) -> None:
    """The payload is in the page as escaped text, and the page has no active content."""
    assert str(escape(payload)) in html
    if escape(payload) != payload:
        assert payload not in html
    assert active_content(html) == []


def write_note(client, title: str, body: str = "") -> str:
    """Create a note through the form; returns its page's path."""
    token = form_token(client, "/notes/new")
    response = client.post("/notes/new", data={"title": title, "body": body, "csrf_token": token})
    assert response.status_code == 302
    return str(response.headers["Location"])


@pytest.fixture
def author(app, client):
    """The client, logged in as a user who writes the notes."""
    create_user(app, "author@example.org")
    assert login(client, "author@example.org").status_code == 302
    return client


@pytest.mark.parametrize("page", ["list", "show", "edit", "search"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_note_title_is_escaped_on_every_page(author, payload, page):
    """A script in a note title is shown as text on the list, note, edit and search pages."""
    note = write_note(author, payload)
    urls = {"list": "/notes", "show": note, "edit": f"{note}/edit", "search": "/search"}
    response = author.get(urls[page], query_string={"q": payload} if page == "search" else None)
    assert response.status_code == 200
    assert_shown_escaped(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_note_body_is_escaped_in_edit_form(author, payload):
    """A script in a note body is shown as text inside the edit form's textarea."""
    note = write_note(author, "title", payload)
    page = author.get(f"{note}/edit").get_data(as_text=True)
    assert_shown_escaped(page, payload)


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_note_body_markdown_renders_only_allowlisted_html(author, payload):
    """A script in a Markdown body renders with no script, handler or script URL."""
    note = write_note(author, "title", payload)
    response = author.get(note)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert active_content(html) == []
    assert "<script" not in html.lower()
    assert not EVENT_HANDLER.search(html)
    assert not JAVASCRIPT_HREF.search(html)


def test_safe_markdown_still_renders(author):
    """Harmless Markdown keeps its formatting, and https links get a safe ``rel``."""
    note = write_note(author, "title", "**bold** and [a link](https://example.org/page)")
    html = author.get(note).get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert (
        '<a href="https://example.org/page" rel="noopener noreferrer nofollow">a link</a>' in html
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_query_is_escaped_when_echoed(author, payload):
    """A script in the search box is echoed back as text, in the field and the heading."""
    response = author.get("/search", query_string={"q": payload})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_shown_escaped(html, payload)
    assert html.count(str(escape(payload))) >= 2


@pytest.mark.parametrize("payload", PAYLOADS)
def test_registration_email_is_escaped_when_echoed(client, payload):
    """A script in the registration email is refused and echoed back escaped."""
    token = form_token(client, "/register")
    data = {"email": payload, "password": "x", "confirm": "y", "csrf_token": token}
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert_shown_escaped(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_email_is_escaped_when_echoed(client, payload):
    """A script in the login email fails to log in and is echoed back escaped."""
    response = login(client, payload, "wrong password")
    assert response.status_code == 400
    assert_shown_escaped(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_next_parameter_is_not_reflected_into_the_login_page(client, payload):
    """A script in ``next`` never reaches the login page's HTML as markup."""
    response = client.get("/login", query_string={"next": payload})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert active_content(html) == []
    assert payload not in html or escape(payload) == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_next_parameter_is_url_encoded_in_the_login_redirect(client, payload):
    """A script in a protected URL travels to the login page URL-encoded, not raw."""
    response = client.get("/notes", query_string={"x": payload})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert not set('<>" ') & set(location)


def test_login_with_script_next_does_not_redirect_to_it(app, client):
    """Logging in with ``next=javascript:...`` lands on the home page, not on the script."""
    create_user(app, "victim@example.org")
    token = form_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": "javascript:alert(1)"},
        data={"email": "victim@example.org", "password": GOOD_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_html_templates_are_autoescaped(app):
    """Jinja escapes every ``.html`` template the app can render."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    assert {"notes/show.html", "bastion/login.html", "bastion/register.html"} <= set(names)
    for name in names:
        assert app.jinja_env.autoescape(name) is True, name


@pytest.mark.parametrize(
    "package", [reference_app, flask_bastion], ids=["reference_app", "flask_bastion"]
)
def test_no_template_switches_escaping_off(package):
    """No template marks a value ``|safe`` or turns autoescaping off."""
    folder = Path(package.__file__).parent / "templates"
    templates = list(folder.rglob("*.html"))
    assert templates
    for template in templates:
        source = template.read_text()
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup\(", source), template
