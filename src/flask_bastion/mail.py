"""Outgoing mail for the account flows (password reset, email confirmation).

The backend is chosen by ``BASTION_MAIL_BACKEND``:

- ``"smtp"``: a real mail server through :mod:`smtplib`, over STARTTLS (the default) or
  implicit TLS with the server's certificate verified, so a reset link cannot be read or
  changed on the way. Credentials are never sent in clear text to another machine.
- ``"file"``: each message becomes an ``.eml`` file, readable by its owner only.
- ``"console"``: each message, whole, is logged at INFO to the ``flask_bastion.mail`` logger.
  **For development only**: it puts password-reset and confirmation links, which are as good
  as a password, into the logs. Development mode uses it unless told otherwise.

Without a backend (the production default) :meth:`Mailer.send` raises, so a flow that needs
mail checks :attr:`Mailer.enabled` at start. :func:`init_mail` checks every setting, so a wrong
one stops the app at start rather than at the first password reset.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal, Protocol

from flask import Flask

from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError, MailDeliveryError

logger = logging.getLogger("flask_bastion.mail")

Security = Literal["starttls", "ssl", "none"]
SECURITY_MODES = ("starttls", "ssl", "none")
BACKENDS = ("console", "file", "smtp")
DEVELOPMENT_SENDER = "bastion@localhost"

# Every character that Python's str.splitlines() (and so the email package) may treat as the
# end of a header line: any of them in a header value could start a forged header.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class Backend(Protocol):
    """Delivers one finished message, or raises."""

    def deliver(self, message: EmailMessage) -> None: ...


class DisabledBackend:
    """No backend configured: sending is refused with the settings that turn mail on."""

    def deliver(self, message: EmailMessage) -> None:
        raise ConfigurationError(
            "Flask-Bastion has no mail backend. Set BASTION_MAIL_BACKEND = 'smtp' with "
            "BASTION_MAIL_SERVER and BASTION_MAIL_SENDER (or 'file' or 'console' for development)."
        )


class ConsoleBackend:
    """Logs the whole message at INFO; it puts reset links into the logs: development only."""

    def deliver(self, message: EmailMessage) -> None:
        """Log the headers and the decoded text, so a long link stays whole and clickable."""
        headers = "\n".join(
            f"{name}: {value}"
            for name, value in message.items()
            if not name.lower().startswith(("content-", "mime-"))
        )
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        logger.info("Mail (console backend, not sent):\n%s\n\n%s", headers, text)


@dataclass(frozen=True)
class FileBackend:
    """Writes each message to ``directory`` as an owner-only ``.eml`` file."""

    directory: Path

    def deliver(self, message: EmailMessage) -> None:
        name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
        descriptor = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.as_bytes())


@dataclass(frozen=True)
class SmtpBackend:
    """Sends through an SMTP server; any failure becomes a :class:`MailDeliveryError`."""

    server: str
    port: int
    security: Security
    timeout: float
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None

    def deliver(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.username is not None and self.password is not None:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailDeliveryError(self._failure(error)) from None

    def _connect(self) -> smtplib.SMTP:
        """A connection that is encrypted and verified, unless security is "none"."""
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.server, self.port, timeout=self.timeout, context=self._tls_context()
            )
        smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, against the system's CAs or the private one."""
        return ssl.create_default_context(cafile=self.ca_file)

    def _failure(self, error: BaseException) -> str:
        """What went wrong and what to check, without the password."""
        detail = f"{type(error).__name__}: {error}"
        if self.password:
            detail = detail.replace(self.password, "***")
        return (
            f"Sending mail through {self.server}:{self.port} ({self.security}) failed: {detail}. "
            "Check the server is up and matches BASTION_MAIL_SERVER, _PORT, _SECURITY and the "
            "credentials; to trust a private CA's certificate, set BASTION_MAIL_CA_FILE."
        )


class Mailer:
    """Builds messages with safe headers and hands them to the configured backend."""

    def __init__(self, backend: Backend, sender: str) -> None:
        self.backend = backend
        self.sender = sender
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"

    @property
    def enabled(self) -> bool:
        """Whether a backend is configured; a flow that sends mail checks this at start."""
        return not isinstance(self.backend, DisabledBackend)

    def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        """Send one message to one address, with a plain text body and an optional HTML one.

        A CR or LF (or another line break) in ``to`` or ``subject`` raises :class:`ValueError`
        rather than being sent: it would let whoever chose the value add headers or recipients.
        """
        _refuse_line_breaks("to", to)
        _refuse_line_breaks("subject", subject)
        _require_one_address(to)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self._domain)
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        self.backend.deliver(message)


def init_mail(app: Flask) -> Mailer:
    """The app's mailer, built from its settings; a wrong setting raises ConfigurationError."""
    backend = setting(app, "BASTION_MAIL_BACKEND")
    sender = _sender(setting(app, "BASTION_MAIL_SENDER"), required=backend == "smtp")
    if backend is None:
        return Mailer(DisabledBackend(), sender)
    if backend == "console":
        _show_info_when_logging_is_unconfigured()
        return Mailer(ConsoleBackend(), sender)
    if backend == "file":
        return Mailer(_file_backend(app), sender)
    if backend == "smtp":
        return Mailer(_smtp_backend(app), sender)
    raise _invalid("BASTION_MAIL_BACKEND", backend, f"set one of {BACKENDS}, or None for no mail")


def _show_info_when_logging_is_unconfigured() -> None:
    """Let the console backend's messages reach stderr when the app configured no logging.

    Python drops INFO records by default, so under a bare ``gunicorn`` (``make run``) the mail,
    and the link it holds, would vanish. Like Flask's own ``default_handler``, this handler is
    added only when neither the root logger nor ``flask_bastion.mail`` has one.
    """
    if logging.getLogger().handlers or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s in mail: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _sender(value: Any, *, required: bool) -> str:
    """The From address; only the development backends may go without one."""
    if value is None and not required:
        return DEVELOPMENT_SENDER
    if not isinstance(value, str) or "@" not in value or _LINE_BREAKS.intersection(value):
        fix = "set the From address on one line, such as 'Notes <no-reply@example.org>'"
        raise _invalid("BASTION_MAIL_SENDER", value, fix)
    return value


def _file_backend(app: Flask) -> FileBackend:
    """The ``.eml`` folder, created owner-only now so a permission problem shows at start."""
    directory = Path(setting(app, "BASTION_MAIL_FILE_DIR") or Path(app.instance_path) / "mail")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        fix = f"{error}; set a folder the app can write"
        raise _invalid("BASTION_MAIL_FILE_DIR", str(directory), fix) from None
    return FileBackend(directory)


def _smtp_backend(app: Flask) -> SmtpBackend:
    """Every SMTP setting, checked; credentials in clear text only to this machine."""
    server, port, security, timeout, username, password, ca_file = (
        setting(app, f"BASTION_MAIL_{name}")
        for name in ("SERVER", "PORT", "SECURITY", "TIMEOUT", "USERNAME", "PASSWORD", "CA_FILE")
    )
    if not isinstance(server, str) or not server:
        raise _invalid("BASTION_MAIL_SERVER", server, "name the SMTP server's host")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise _invalid("BASTION_MAIL_PORT", port, "set 587 for STARTTLS or 465 for 'ssl'")
    if security not in SECURITY_MODES:
        raise _invalid("BASTION_MAIL_SECURITY", security, "set 'starttls', 'ssl' or 'none'")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise _invalid("BASTION_MAIL_TIMEOUT", timeout, "set a number of seconds above 0")
    if ca_file is not None and not Path(ca_file).is_file():
        raise _invalid("BASTION_MAIL_CA_FILE", ca_file, "point it at the private CA's PEM file")
    _check_credentials(server, security, username, password)
    return SmtpBackend(
        server, port, security, float(timeout), username, password, ca_file and str(ca_file)
    )


def _check_credentials(server: str, security: str, username: Any, password: Any) -> None:
    """Both credentials or neither; never in clear text to another machine."""
    if (username is None) != (password is None):
        raise ConfigurationError(
            "Set both BASTION_MAIL_USERNAME and BASTION_MAIL_PASSWORD, or neither."
        )
    if username is not None and security == "none" and not _is_loopback(server):
        raise ConfigurationError(
            f"Refusing to send the mail password in clear text to {server}: set "
            "BASTION_MAIL_SECURITY to 'starttls' or 'ssl' (or use a mail relay on this machine)."
        )


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine, judged without DNS, which an attacker may answer."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _invalid(key: str, value: Any, fix: str) -> ConfigurationError:
    return ConfigurationError(f"{key} is {value!r}: {fix}.")


def _refuse_line_breaks(name: str, value: str) -> None:
    if not isinstance(value, str) or _LINE_BREAKS.intersection(value):
        raise ValueError(f"The mail {name} must be one line; remove the line breaks: {value!r}.")


def _require_one_address(to: str) -> None:
    addresses = getaddresses([to])
    if len(addresses) != 1 or "@" not in addresses[0][1]:
        raise ValueError(f"The mail recipient must be exactly one email address, not {to!r}.")
