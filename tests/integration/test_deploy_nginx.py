"""The deployment files, together: a real Nginx in front of a real Gunicorn serving the app.

Nginx runs ``deploy/nginx/flask-bastion.conf`` with only the host name, ports, certificate and
webroot substituted; Gunicorn runs ``deploy/gunicorn.conf.py`` unchanged. Both listen on
127.0.0.1 only, on free high ports, with a throwaway self-signed certificate for ``localhost``.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
STARTUP_SECONDS = 30.0
ONE_MIB = 1024 * 1024
ACME_TOKEN = "test-token-Zx9"
PASSWORD = "quiet harbour lantern orbit 42"
#: ``openssl`` options for a one-day, self-signed P-256 certificate for ``localhost``.
CERTIFICATE_OPTIONS = (
    *("req", "-x509", "-nodes", "-days", "1"),
    *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
    *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
)


@dataclass(frozen=True)
class Stack:
    """The running servers: where to reach them and how to trust their certificate."""

    http_port: int
    https_port: int
    app_port: int
    tls: ssl.SSLContext


@dataclass(frozen=True)
class Reply:
    """One HTTP response, read completely."""

    status: int
    headers: Message
    body: bytes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_binary(path: str) -> None:
    """Skip when ``path`` is missing, except in CI, where a missing server must fail the run."""
    if os.access(path, os.X_OK):
        return
    message = f"{path} is not installed; install it to run the deployment tests."
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed ECDSA certificate for ``localhost``, valid for one day."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [OPENSSL, *CERTIFICATE_OPTIONS, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def replace(text: str, old: str, new: str) -> str:
    """Replace ``old`` everywhere, failing if it is gone, so a change to the site is noticed."""
    assert old in text, f"{old!r} no longer appears in the Nginx site; update this test."
    return text.replace(old, new)


def site_config(ports: Mapping[str, int], cert: Path, key: Path, webroot: Path) -> str:
    """The shipped Nginx site with only the deployment-specific values substituted."""
    text = (DEPLOY / "nginx" / "flask-bastion.conf").read_text()
    text = replace(text, "/etc/letsencrypt/live/example.org/fullchain.pem", str(cert))
    text = replace(text, "/etc/letsencrypt/live/example.org/privkey.pem", str(key))
    text = replace(text, "/var/www/letsencrypt", str(webroot))
    text = replace(text, "example.org", "localhost")
    text = replace(text, "127.0.0.1:8000", f"127.0.0.1:{ports['app']}")
    text, ipv6 = re.subn(r"^\s*listen \[::\]:\d+[^;]*;.*$\n", "", text, flags=re.MULTILINE)
    assert ipv6, "the site no longer listens on IPv6; update this test."
    for public, name in ((80, "http"), (443, "https")):
        text = re.sub(rf"\blisten {public}\b", f"listen 127.0.0.1:{ports[name]}", text)
    return text


def main_config(directory: Path, site: Path) -> str:
    """A minimal ``nginx.conf`` keeping every file Nginx writes inside ``directory``."""
    return f"""
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log {directory}/nginx-access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {site};
}}
"""


def app_environment(directory: Path, app_port: int) -> dict[str, str]:
    """The environment of a production deployment, with the fast test hashing profile."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "GUNICORN_")) and key != "WEB_CONCURRENCY"
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        BIND=f"127.0.0.1:{app_port}",
        FLASK_SECRET_KEY=secrets.token_hex(32),
        FLASK_DATABASE_URL=f"sqlite:///{directory}/app.db",
        FLASK_BASTION_PROXY_HOPS="1",
        FLASK_BASTION_PASSWORD_HASHING="fast-insecure-for-tests",
        FLASK_BASTION_REGISTRATION="true",
    )
    return env


def create_tables(env: Mapping[str, str]) -> None:
    """Run the app's migrations, as an operator does before the first start."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "reference_app", "db", "upgrade"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode:
        pytest.fail(f"`flask db upgrade` failed:\n{result.stdout}\n{result.stderr}")


def start(
    command: list[str], log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a server with its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - fixed arguments
            command, cwd=ROOT, env=None if env is None else dict(env), stdout=out, stderr=out
        )


def wait_for_port(port: int, process: subprocess.Popen[bytes], logs: list[Path]) -> None:
    """Return once ``port`` accepts connections; fail with the logs if the server died."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.1)
        else:
            return
    output = "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')}" for log in logs if log.exists()
    )
    pytest.fail(f"{process.args[0]} did not start listening on port {port}:\n{output}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server gracefully, then forcibly."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def nginx_paths(directory: Path, conf: Path) -> list[str]:
    """Nginx options keeping its prefix, configuration and early error log in ``directory``."""
    return ["-p", str(directory), "-c", str(conf), "-e", str(directory / "nginx-error.log")]


def check_nginx_config(conf: Path, directory: Path) -> None:
    """``nginx -t``, so that a broken site fails with Nginx's own explanation."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [NGINX, "-t", *nginx_paths(directory, conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        pytest.fail(f"nginx -t rejected the site:\n{result.stderr}")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """Nginx with the shipped site in front of Gunicorn with the shipped config."""
    require_binary(NGINX)
    require_binary(OPENSSL)
    directory = Path(tempfile.mkdtemp(prefix="bastion-deploy-"))
    # Nginx workers run as an unprivileged user when the tests run as root: let them in.
    directory.chmod(0o755)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        yield _start_stack(directory, processes)
    finally:
        for process in processes:
            stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def _start_stack(directory: Path, processes: list[subprocess.Popen[bytes]]) -> Stack:
    ports = {"http": free_port(), "https": free_port(), "app": free_port()}
    cert, key = make_certificate(directory)
    webroot = directory / "webroot"
    challenge = webroot / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / ACME_TOKEN).write_text(f"{ACME_TOKEN}.key-authorization")
    for path in (webroot, webroot / ".well-known", challenge):
        path.chmod(0o755)
    (challenge / ACME_TOKEN).chmod(0o644)

    env = app_environment(directory, ports["app"])
    create_tables(env)
    app_log = directory / "gunicorn.log"
    config = str(DEPLOY / "gunicorn.conf.py")
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", config, "reference_app:create_app()"]
    processes.append(start(gunicorn, app_log, env))
    wait_for_port(ports["app"], processes[-1], [app_log])

    site = directory / "site.conf"
    site.write_text(site_config(ports, cert, key, webroot))
    conf = directory / "nginx.conf"
    conf.write_text(main_config(directory, site))
    check_nginx_config(conf, directory)
    nginx_log = directory / "nginx-error.log"
    processes.append(start([NGINX, *nginx_paths(directory, conf)], directory / "nginx.out"))
    for name in ("http", "https"):
        wait_for_port(ports[name], processes[-1], [nginx_log, directory / "nginx.out"])
    tls = ssl.create_default_context(cafile=cert)
    return Stack(ports["http"], ports["https"], ports["app"], tls)


def fetch(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> Reply:
    """Send one request on a fresh connection and read the whole response."""
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def session_cookie(reply: Reply) -> str:
    """The ``name=value`` of the session cookie a response set, for the next request."""
    for cookie in reply.headers.get_all("Set-Cookie") or []:
        if cookie.startswith("__Host-session="):
            return cookie.split(";", 1)[0]
    raise AssertionError(f"no __Host-session cookie was set: {reply.headers}")


def via_https(stack: Stack) -> http.client.HTTPSConnection:
    """A connection to Nginx's TLS port, verifying the test certificate for ``localhost``."""
    return http.client.HTTPSConnection("localhost", stack.https_port, context=stack.tls, timeout=10)


def via_http(stack: Stack) -> http.client.HTTPConnection:
    """A connection to Nginx's plain-HTTP port."""
    return http.client.HTTPConnection("localhost", stack.http_port, timeout=10)


def test_plain_http_is_redirected_to_https(stack: Stack) -> None:
    """Nginx answers plain HTTP with a 301 to the same path on https://, on the standard port."""
    reply = fetch(via_http(stack), "GET", "/notes?page=2")

    assert reply.status == 301
    assert reply.headers["Location"] == "https://localhost/notes?page=2"


def test_acme_challenge_is_served_over_plain_http(stack: Stack) -> None:
    """Certbot's webroot token is served over plain HTTP, not redirected, so renewals work."""
    reply = fetch(via_http(stack), "GET", f"/.well-known/acme-challenge/{ACME_TOKEN}")

    assert reply.status == 200
    assert reply.body == f"{ACME_TOKEN}.key-authorization".encode()


def test_unknown_host_on_plain_http_gets_no_answer(stack: Stack) -> None:
    """A request naming another host on port 80 is dropped without a response."""
    with pytest.raises(http.client.RemoteDisconnected):
        fetch(via_http(stack), "GET", "/", headers={"Host": "unknown.example"})


def test_unknown_server_name_fails_the_tls_handshake(stack: Stack) -> None:
    """A TLS client asking for another server name is refused before any certificate is sent."""
    anything = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    anything.check_hostname = False
    anything.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw,
        pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"),
    ):
        anything.wrap_socket(raw, server_hostname="unknown.example").close()


def test_https_home_page_has_hsts_and_hides_versions(stack: Stack) -> None:
    """The home page over HTTPS is 200 with one year-long HSTS header and no server version."""
    reply = fetch(via_https(stack), "GET", "/")

    assert reply.status == 200
    hsts = reply.headers.get_all("Strict-Transport-Security")
    assert hsts is not None and len(hsts) == 1
    assert "max-age=31536000" in hsts[0]
    assert "includeSubDomains" in hsts[0]
    assert reply.headers["Server"] == "nginx"


def test_login_page_sets_a_host_prefixed_secure_cookie(stack: Stack) -> None:
    """The login page over HTTPS sets a valid ``__Host-`` cookie, so the app saw HTTPS."""
    reply = fetch(via_https(stack), "GET", "/login")

    assert reply.status == 200
    cookies = reply.headers.get_all("Set-Cookie") or []
    host_cookies = [c for c in cookies if c.startswith("__Host-")]
    assert host_cookies, f"no __Host- cookie in {cookies}"
    for cookie in host_cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "secure" in attributes
        assert "path=/" in attributes
        assert not any(a.startswith("domain=") for a in attributes)


def test_forged_forwarded_headers_are_overwritten(stack: Stack) -> None:
    """A client claiming plain HTTP in forwarded headers is still served, with no redirect loop."""
    forged = {"X-Forwarded-Proto": "http", "X-Forwarded-Ssl": "off", "X-Forwarded-Port": "80"}
    reply = fetch(via_https(stack), "GET", "/login", headers=forged)

    assert reply.status == 200
    assert any(c.startswith("__Host-") for c in reply.headers.get_all("Set-Cookie") or [])


def test_registration_through_the_proxy_passes_the_csrf_origin_check(stack: Stack) -> None:
    """Registering over HTTPS through Nginx succeeds, so the app rebuilt the browser's origin."""
    origin = f"https://localhost:{stack.https_port}"
    form_page = fetch(via_https(stack), "GET", "/register")
    cookie = session_cookie(form_page)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', form_page.body)
    assert token is not None, "the registration form has no CSRF token"
    fields = {
        "csrf_token": token.group(1).decode(),
        "email": f"deploy-{secrets.token_hex(4)}@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
        "Referer": f"{origin}/register",
    }
    reply = fetch(via_https(stack), "POST", "/register", headers, urlencode(fields).encode())

    assert reply.status in (302, 303), reply.body.decode(errors="replace")
    notes = fetch(via_https(stack), "GET", "/notes", {"Cookie": session_cookie(reply)})
    assert notes.status == 200


def test_gunicorn_alone_redirects_plain_http(stack: Stack) -> None:
    """Reached directly, without the proxy's headers, the app itself redirects to HTTPS."""
    direct = http.client.HTTPConnection("127.0.0.1", stack.app_port, timeout=10)
    reply = fetch(direct, "GET", "/notes")

    assert reply.status == 301
    assert reply.headers["Location"] == f"https://127.0.0.1:{stack.app_port}/notes"


def test_body_over_one_mebibyte_is_refused_by_nginx(stack: Stack) -> None:
    """A request body over 1 MiB gets Nginx's 413, still with HSTS, and never reaches the app."""
    body = b"x" * (ONE_MIB + 1)
    headers = {"Content-Type": "application/octet-stream"}
    reply = fetch(via_https(stack), "POST", "/login", headers=headers, body=body)

    assert reply.status == 413
    assert b"nginx" in reply.body
    assert "max-age=31536000" in reply.headers["Strict-Transport-Security"]


def test_body_of_one_mebibyte_passes_nginx(stack: Stack) -> None:
    """A body of exactly 1 MiB passes Nginx and is not refused as too large by the app."""
    body = b"x" * ONE_MIB
    headers = {"Content-Type": "application/octet-stream"}
    reply = fetch(via_https(stack), "POST", "/login", headers=headers, body=body)

    assert reply.status != 413
    assert b"nginx" not in reply.body
