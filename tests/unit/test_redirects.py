"""``safe_next_url``: only a plain path on this same site is accepted as the post-login target."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from flask_bastion.auth.redirects import safe_next_url

FALLBACK = "/home"
LOGIN_PAGE = "https://localhost/login"

SAME_SITE = [
    pytest.param("/", id="root"),
    pytest.param("/notes", id="path"),
    pytest.param("/notes?page=2", id="query"),
    pytest.param("/notes/1/edit#title", id="fragment"),
    pytest.param("/search?q=https://evil.example", id="url-in-query"),
    pytest.param("/%2F%2Fevil.example", id="encoded-slashes-stay-a-path"),
    pytest.param("/%09/evil.example", id="encoded-tab-stays-a-path"),
    pytest.param("/caf\u00e9", id="unicode-path"),
]

ELSEWHERE = [
    pytest.param(None, id="none"),
    pytest.param("", id="empty"),
    pytest.param("https://evil.example", id="absolute-https"),
    pytest.param("http://localhost/notes", id="absolute-same-host"),
    pytest.param("//evil.example", id="protocol-relative"),
    pytest.param("///evil.example", id="triple-slash"),
    pytest.param("/\\evil.example", id="slash-backslash"),
    pytest.param("\\/evil.example", id="backslash-slash"),
    pytest.param("\\\\evil.example", id="double-backslash"),
    pytest.param("/\t/evil.example", id="tab"),
    pytest.param("/\n/evil.example", id="newline"),
    pytest.param("/\r\n/evil.example", id="crlf"),
    pytest.param("/\x00/evil.example", id="nul"),
    pytest.param("/\x7f/evil.example", id="del"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("JAVASCRIPT:alert(1)", id="javascript-upper"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data"),
    pytest.param("http:evil.example", id="scheme-without-slashes"),
    pytest.param("https:/evil.example", id="scheme-one-slash"),
    pytest.param(" //evil.example", id="leading-space"),
    pytest.param(" /notes", id="leading-space-path"),
    pytest.param("notes", id="relative-path"),
    pytest.param("evil.example", id="bare-host"),
    pytest.param("?next=//evil.example", id="query-only"),
]


@pytest.mark.parametrize("target", SAME_SITE)
def test_same_site_path_is_kept(target):
    """A plain path on this site is returned unchanged."""
    assert safe_next_url(target, FALLBACK) == target


@pytest.mark.parametrize("target", ELSEWHERE)
def test_anything_else_gets_the_fallback(target):
    """An absolute, protocol-relative, backslashed, control-character or scheme URL is refused."""
    assert safe_next_url(target, FALLBACK) == FALLBACK


@pytest.mark.parametrize("target", SAME_SITE + ELSEWHERE)
def test_result_never_leaves_the_site(target):
    """Whatever the input, a browser resolves the result to this same https origin."""
    resolved = urlsplit(urljoin(LOGIN_PAGE, safe_next_url(target, FALLBACK)))
    assert (resolved.scheme, resolved.netloc) == ("https", "localhost")
