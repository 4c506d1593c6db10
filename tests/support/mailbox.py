"""A real SMTP server (aiosmtpd) on 127.0.0.1 whose received messages a test can read.

The ``smtp_server`` fixture (registered in ``tests/conftest.py``) starts one per test; pass
``smtp_server.settings`` to ``app_factory`` and the app sends through it over SMTP.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_LINK = re.compile(r"https?://\S+")


@dataclass
class Mailbox:
    """Every message the server accepted, parsed, in order."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        parsed = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    @property
    def settings(self) -> dict[str, Any]:
        """App settings that send mail through this server (plain SMTP on loopback)."""
        return {
            "BASTION_MAIL_BACKEND": "smtp",
            "BASTION_MAIL_SERVER": "127.0.0.1",
            "BASTION_MAIL_PORT": self.port,
            "BASTION_MAIL_SECURITY": "none",
            "BASTION_MAIL_SENDER": "Notes <no-reply@notes.example.org>",
            "BASTION_MAIL_TIMEOUT": 5,
        }

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address``, oldest first."""
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str) -> EmailMessage:
        """The newest message sent to ``address``; fails the test if there is none."""
        received = self.to(address)
        assert received, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return received[-1]

    def link_to(self, address: str) -> str:
        """The one link in the newest message sent to ``address``."""
        (link,) = links_in(self.last_to(address))
        return link


def links_in(message: EmailMessage) -> list[str]:
    """Every http(s) URL in the plain-text body of ``message``."""
    return _LINK.findall(message.get_content())


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """An SMTP server on a free loopback port; yields the mailbox it fills."""
    mailbox = Mailbox(free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
