"""Time-based one-time passwords (RFC 6238) on pyotp, and the QR code that enrols a phone.

A code is accepted for its own 30-second time step and one step either side (a phone clock a
little off, a code typed as it changes), and only for a step later than the last one accepted
for that user: a code seen over a shoulder or captured by a phishing page is dead once used.
"""

from __future__ import annotations

import base64
import hmac
import io
from datetime import datetime

import pyotp

#: Seconds per time step, and digits per code: what every authenticator app expects.
STEP_SECONDS = 30
DIGITS = 6
#: Time steps accepted before and after the current one (pyotp's ``valid_window``).
WINDOW = 1


def new_secret() -> str:
    """A random 160-bit secret in base32, as authenticator apps take it."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four characters, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI that authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def qr_data_url(uri: str) -> str:
    """The QR code of ``uri`` as a ``data:`` URL of an SVG image, for an ``<img src>``.

    An image, not inline markup: it needs no script and no style attribute, so the page keeps
    its strict Content-Security-Policy (``img-src 'self' data:``), and an SVG loaded as an
    image can run nothing.
    """
    import segno  # the enrolment page alone draws QR codes: 1.2 MiB per worker otherwise

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def looks_like_code(value: str) -> bool:
    """Whether ``value`` has the form of a TOTP code (six digits)."""
    return len(value) == DIGITS and value.isascii() and value.isdigit()


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step within the window whose code is ``code`` and that is later than
    ``last_step``, or ``None``.

    The caller must still claim the step atomically (see
    :meth:`flask_bastion.two_factor.factor.TwoFactor.verify`), so that two requests racing with
    the same code cannot both pass.
    """
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
