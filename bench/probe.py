"""Prepare each scenario's request against a running app, and check that it does what it says.

A benchmark of requests that fail (a 400 for a bad token, a redirect to the login page) would
measure the wrong thing, so each request is sent once and its answer checked before ``wrk``
repeats it.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.apps.common import EMAIL, PASSWORD
from bench.servers import PROXY_HEADERS

SCENARIOS = ("anon", "auth", "post", "login")
USER_AGENT = "flask-bastion-bench"
_TOKEN_INPUT = re.compile(r"<input[^>]*name=\"csrf_token\"[^>]*>")
_VALUE = re.compile(r"value=\"([^\"]+)\"")


@dataclass(frozen=True)
class Request:
    """One HTTP request, as ``wrk`` will repeat it."""

    method: str
    path: str
    headers: dict[str, str]
    body: str = ""


@dataclass
class Client:
    """A tiny browser for one app: keeps cookies, sends the proxy's headers."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def headers(self, method: str) -> dict[str, str]:
        """What a browser behind Nginx sends: for a POST, also its Origin and Referer."""
        headers = {**PROXY_HEADERS, "User-Agent": USER_AGENT, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            origin = f"https://127.0.0.1:{self.port}"
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": f"{origin}/page",
                }
            )
        return headers

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Request:
        """The request a browser would send now."""
        body = urlencode(form) if form is not None else ""
        return Request(method, path, self.headers(method), body)

    def send(self, req: Request) -> tuple[int, dict[str, str], str]:
        """Send ``req``, keep the cookies it sets, return status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(req.method, req.path, body=req.body or None, headers=req.headers)
            response = connection.getresponse()
            body = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep(header)
            return response.status, dict(response.headers), body
        finally:
            connection.close()

    def get_token(self, path: str) -> str | None:
        """GET ``path`` and return the CSRF token of its form, if it has one."""
        status, _, body = self.send(self.request("GET", path))
        _expect(status == 200, f"GET {path} answered {status}")
        match = _TOKEN_INPUT.search(body)
        value = _VALUE.search(match.group(0)) if match else None
        return value.group(1) if value else None

    def _keep(self, header: str) -> None:
        name, _, value = header.split(";", 1)[0].partition("=")
        if value and "max-age=0" not in header.lower():
            self.cookies[name.strip()] = value
        else:
            self.cookies.pop(name.strip(), None)


def prepare(scenario: str, port: int) -> Request:
    """The request of ``scenario``, checked once against the app on ``port``."""
    preparers = {"anon": _anon, "auth": _auth, "post": _post, "login": _login}
    return preparers[scenario](port)


def _anon(port: int) -> Request:
    client = Client(port)
    req = client.request("GET", "/page")
    status, _, body = client.send(req)
    _expect(status == 200 and "<form" in body, f"anon: GET /page answered {status}")
    return req


def _login_form(client: Client) -> dict[str, str]:
    form = {"email": EMAIL, "password": PASSWORD}
    token = client.get_token("/login")
    if token:
        form["csrf_token"] = token
    return form


def _login(port: int) -> Request:
    client = Client(port)
    req = client.request("POST", "/login", _login_form(client))
    status, headers, _ = client.send(req)
    location = headers.get("Location", "")
    _expect(status in (302, 303) and "login" not in location, f"login answered {status}")
    return req


def _auth(port: int) -> Request:
    """A page view of a user some time after logging in: the first page after a login may
    set cookies (a login starts a fresh session, whose CSRF secret the first form makes), so
    it is requested once, and its cookies kept, before the request that is repeated."""
    client = Client(port)
    client.send(client.request("POST", "/login", _login_form(client)))
    client.send(client.request("GET", "/private"))
    req = client.request("GET", "/private")
    status, _, body = client.send(req)
    _expect(status == 200 and "Hello again" in body, f"auth: GET /private answered {status}")
    return req


def _post(port: int) -> Request:
    client = Client(port)
    token = client.get_token("/page")
    form = {"title": "A note", "body": "Some text for the note."}
    if token:
        form["csrf_token"] = token
    req = client.request("POST", "/page", form)
    status, _, body = client.send(req)
    _expect(status == 200 and "Saved: A note" in body, f"post: POST /page answered {status}")
    return req


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"The benchmark request is wrong: {message}.")
