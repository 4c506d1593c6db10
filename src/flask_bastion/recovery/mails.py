"""The messages of the mailed-link flows: plain text from ``bastion/mail/*.txt`` templates.

An app overrides a message by putting a template of the same name in its own ``templates/``.
When delivery fails, the visitor gets a 503 page saying to try again later; the reason (the
mail server's answer) goes to the log only.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, render_template
from werkzeug.exceptions import ServiceUnavailable

from flask_bastion.errors import error_response
from flask_bastion.exceptions import ClientFacingError, MailDeliveryError

mail_log = logging.getLogger("flask_bastion.mail")

#: Subject of each message, by template name.
SUBJECTS = {
    "reset": "Reset your password",
    "reset_no_account": "Password reset requested",
    "confirm": "Confirm your email address",
    "already_registered": "Someone tried to register with your email address",
    "change_confirm": "Confirm your new email address",
    "change_notice": "Your email address is being changed",
    "change_taken": "Request to use your email address",
}


class MailUnavailable(ClientFacingError, ServiceUnavailable):
    """The message could not be delivered; the page asks the visitor to try again later."""

    description = "We could not send the email just now. Try again in a few minutes."


def send(template: str, to: str, **context: Any) -> None:
    """Render ``bastion/mail/<template>.txt`` and send it to ``to``."""
    state = current_app.extensions["bastion"]
    site = urlsplit(state.recovery.external_url or "").netloc or "this site"
    text = render_template(f"bastion/mail/{template}.txt", site=site, **context)
    try:
        state.mailer.send(to, SUBJECTS[template], text)
    except MailDeliveryError:
        mail_log.exception("Could not send the %r message.", template)
        raise MailUnavailable() from None


def mail_unavailable_page(error: MailUnavailable) -> Response:
    """The 503 page for :class:`MailUnavailable` (the generic handler hides 5xx messages)."""
    return error_response(503, "Email not sent", str(error.description))
