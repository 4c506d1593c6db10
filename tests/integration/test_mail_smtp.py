"""Mail through a real SMTP server (aiosmtpd) on 127.0.0.1: TLS, certificates, login, failures.

Each test starts its own server on a free port and reads the message that server received.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from flask import Flask

from flask_bastion.config import apply_defaults
from flask_bastion.exceptions import ConfigurationError, MailDeliveryError
from flask_bastion.mail import Mailer, init_mail
from tests.support.services import require_binary

USER, PASSWORD = "mailer@example.org", "correct horse battery staple"


@dataclass
class Inbox:
    """What the server received: each message and each login it accepted."""

    messages: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """aiosmtpd's authenticator: accept USER with PASSWORD only, and record the login."""
        if not isinstance(data, LoginPassword) or data.password != PASSWORD.encode():
            return AuthResult(success=False, handled=False)
        self.logins.append((mechanism, data.login.decode()))
        return AuthResult(success=True)

    def only_message(self) -> EmailMessage:
        (envelope,) = self.messages
        return message_from_bytes(envelope.original_content or b"", policy=policy.default)  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Self-signed (certificate, key) pairs: one valid for 127.0.0.1, one for another host."""
    openssl = require_binary("openssl", "the openssl command")
    folder = tmp_path_factory.mktemp("certs")
    made = {}
    for name, san in [("loopback", "IP:127.0.0.1,DNS:localhost"), ("other", "DNS:mail.example")]:
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        key_type = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
        names = ["-subj", f"/CN={name}", "-addext", f"subjectAltName={san}"]
        files = ["-keyout", str(key), "-out", str(cert)]
        command = [openssl, "req", "-x509", *key_type, *names, *files]
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - fixed arguments
        made[name] = (cert, key)
    return made


def server_tls(certificates: dict[str, tuple[Path, Path]], name: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificates[name])
    return context


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """Start aiosmtpd servers on 127.0.0.1 with the given options; all stop at teardown."""
    running: list[Controller] = []

    def start(**options: Any) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        if options.pop("auth", False):
            options.update(authenticator=inbox.authenticate, auth_required=True)
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        running.append(controller)
        return inbox, port

    yield start
    for controller in running:
        controller.stop()


def mailer(tmp_path: Path, port: int, **config: Any) -> Mailer:
    """The mailer of a bare app sending through 127.0.0.1:port."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(
        {
            "BASTION_MAIL_BACKEND": "smtp",
            "BASTION_MAIL_SERVER": "127.0.0.1",
            "BASTION_MAIL_PORT": port,
            "BASTION_MAIL_SENDER": "Notes <no-reply@notes.example>",
            "BASTION_MAIL_TIMEOUT": 5,
            **config,
        }
    )
    apply_defaults(app)
    return init_mail(app)


def send_reset(target: Mailer) -> None:
    target.send("ada@example.org", "Reset your password", "https://notes.example/reset/abc")


def test_plain_smtp_on_loopback(tmp_path: Path, smtp_server: Any) -> None:
    """Security "none" to a loopback relay delivers the message with every header."""
    inbox, port = smtp_server()
    send_reset(mailer(tmp_path, port, BASTION_MAIL_SECURITY="none"))
    (envelope,) = inbox.messages
    assert envelope.mail_from == "no-reply@notes.example"
    assert envelope.rcpt_tos == ["ada@example.org"]
    message = inbox.only_message()
    assert message["From"] == "Notes <no-reply@notes.example>"
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Reset your password"
    assert message["Date"] and message["Message-ID"].endswith("@notes.example>")
    assert message.get_content().strip() == "https://notes.example/reset/abc"


def test_starttls_with_a_private_ca(tmp_path: Path, smtp_server: Any, certificates: Any) -> None:
    """STARTTLS verifies the server against BASTION_MAIL_CA_FILE and delivers."""
    inbox, port = smtp_server(
        tls_context=server_tls(certificates, "loopback"), require_starttls=True
    )
    ca_file = str(certificates["loopback"][0])
    target = mailer(tmp_path, port, BASTION_MAIL_CA_FILE=ca_file)
    target.send("ada@example.org", "Welcome", "text part", html="<p>html part</p>")
    message = inbox.only_message()
    assert message.get_body(("html",)).get_content().strip() == "<p>html part</p>"  # type: ignore[union-attr]


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_login_over_starttls(
    tmp_path: Path, smtp_server: Any, certificates: Any, mechanism: str
) -> None:
    """The credentials log in over STARTTLS with either mechanism; the server sees the user."""
    other = "PLAIN" if mechanism == "LOGIN" else "LOGIN"
    inbox, port = smtp_server(
        tls_context=server_tls(certificates, "loopback"),
        require_starttls=True,
        auth=True,
        auth_exclude_mechanism=[other],
    )
    credentials = {"BASTION_MAIL_USERNAME": USER, "BASTION_MAIL_PASSWORD": PASSWORD}
    ca_file = str(certificates["loopback"][0])
    send_reset(mailer(tmp_path, port, BASTION_MAIL_CA_FILE=ca_file, **credentials))
    assert inbox.logins == [(mechanism, USER)]
    assert inbox.only_message()["To"] == "ada@example.org"


def test_wrong_password_fails_without_showing_it(
    tmp_path: Path, smtp_server: Any, certificates: Any
) -> None:
    """A refused login raises MailDeliveryError whose message does not hold the password."""
    _, port = smtp_server(
        tls_context=server_tls(certificates, "loopback"), require_starttls=True, auth=True
    )
    wrong = "not-the-password-1234"
    credentials = {"BASTION_MAIL_USERNAME": USER, "BASTION_MAIL_PASSWORD": wrong}
    ca_file = str(certificates["loopback"][0])
    with pytest.raises(MailDeliveryError) as refused:
        send_reset(mailer(tmp_path, port, BASTION_MAIL_CA_FILE=ca_file, **credentials))
    assert "127.0.0.1" in str(refused.value)
    assert wrong not in str(refused.value)


def test_implicit_ssl(tmp_path: Path, smtp_server: Any, certificates: Any) -> None:
    """Security "ssl" speaks TLS from the first byte and verifies the certificate."""
    inbox, port = smtp_server(ssl_context=server_tls(certificates, "loopback"))
    ca_file = str(certificates["loopback"][0])
    send_reset(mailer(tmp_path, port, BASTION_MAIL_SECURITY="ssl", BASTION_MAIL_CA_FILE=ca_file))
    assert inbox.only_message()["Subject"] == "Reset your password"


UNVERIFIED = {
    "self-signed-not-trusted": ("loopback", None),
    "wrong-host-name": ("other", "other"),
}


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize(("served", "trusted"), UNVERIFIED.values(), ids=UNVERIFIED.keys())
def test_certificate_that_does_not_verify_is_refused(
    tmp_path: Path,
    smtp_server: Any,
    certificates: Any,
    security: str,
    served: str,
    trusted: str | None,
) -> None:
    """A certificate not signed by a trusted CA, or for another host, stops the send."""
    context = server_tls(certificates, served)
    tls = {"tls_context": context} if security == "starttls" else {"ssl_context": context}
    inbox, port = smtp_server(**tls)
    ca_file = None if trusted is None else str(certificates[trusted][0])
    target = mailer(tmp_path, port, BASTION_MAIL_SECURITY=security, BASTION_MAIL_CA_FILE=ca_file)
    with pytest.raises(MailDeliveryError, match="SSLCertVerificationError"):
        send_reset(target)
    assert inbox.messages == []


def test_server_without_starttls_is_not_used_in_clear(tmp_path: Path, smtp_server: Any) -> None:
    """A server (or attacker) that does not offer STARTTLS gets no message: no downgrade."""
    inbox, port = smtp_server()
    with pytest.raises(MailDeliveryError, match="STARTTLS"):
        send_reset(mailer(tmp_path, port))
    assert inbox.messages == []


def test_server_down_fails_at_once(tmp_path: Path) -> None:
    """Nothing listening on the port: MailDeliveryError, without waiting."""
    started = time.monotonic()
    with pytest.raises(MailDeliveryError, match="ConnectionRefused"):
        send_reset(mailer(tmp_path, free_port(), BASTION_MAIL_SECURITY="none"))
    assert time.monotonic() - started < 2


def test_silent_server_times_out(tmp_path: Path) -> None:
    """A server that accepts but never answers fails after BASTION_MAIL_TIMEOUT seconds."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        target = mailer(tmp_path, port, BASTION_MAIL_SECURITY="none", BASTION_MAIL_TIMEOUT=0.5)
        started = time.monotonic()
        with pytest.raises(MailDeliveryError, match="timed out"):
            send_reset(target)
    assert time.monotonic() - started < 3


def test_credentials_in_clear_to_another_host_are_refused(tmp_path: Path) -> None:
    """Security "none" with credentials to a non-loopback host fails at start, sending nothing."""
    with pytest.raises(ConfigurationError, match="clear text"):
        mailer(
            tmp_path,
            25,
            BASTION_MAIL_SERVER="mail.example.org",
            BASTION_MAIL_SECURITY="none",
            BASTION_MAIL_USERNAME=USER,
            BASTION_MAIL_PASSWORD=PASSWORD,
        )
