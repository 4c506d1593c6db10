"""The errors Flask-Bastion raises.

Every error derives from :class:`BastionError`, so an application can catch the whole family.
Errors that reach HTTP derive from Werkzeug's exceptions as well, so ``app.errorhandler`` can
customise them like any other HTTP error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from werkzeug.exceptions import BadRequest, Forbidden, UnprocessableEntity, UnsupportedMediaType


class BastionError(Exception):
    """Root of every error raised by Flask-Bastion."""


class ConfigurationError(BastionError):
    """A setting is unknown or has a value Flask-Bastion cannot work with."""


class UnsafeConfigurationError(ConfigurationError):
    """A production start was refused because a setting is unsafe.

    The message lists every problem found and the setting that fixes each one.
    """


class MailDeliveryError(BastionError):
    """The mail server could not be reached, refused the login or the message, or its TLS
    certificate did not verify. The message names the server and never the password.
    """


class InvalidPassword(BastionError):
    """The password does not match the stored hash, or there is no such account.

    :meth:`flask_bastion.passwords.PasswordHasher.verify` raises this rather than returning
    ``False``, so a forgotten ``if`` can never let a wrong password in.
    """


class ClientFacingError(BastionError):
    """An HTTP error whose description is written for the client and shown on its error page.

    Other HTTP errors show only a generic message, since a library may put internal detail in
    its descriptions.
    """


class HTTPSRequired(ClientFacingError, Forbidden):
    """A state-changing request arrived over plain HTTP.

    It is refused rather than redirected: a redirect would turn a POST into a GET and silently
    drop the data, and the credentials or tokens it carried have already crossed the network in
    clear text.
    """

    description = (
        "This site accepts changes only over HTTPS. Send the request again to the https:// address."
    )


class NulCharacterRefused(ClientFacingError, BadRequest):
    """A form field or query parameter contained a NUL character, which no text column holds."""

    description = "Text cannot contain a null character. Remove it and send the form again."


class JSONRequired(ClientFacingError, UnsupportedMediaType):
    """A JSON API endpoint was sent a body that is not labelled JSON (a form post, say)."""

    description = "Send the body as JSON, with the header Content-Type: application/json."


class MalformedJSON(ClientFacingError, BadRequest):
    """A request body labelled JSON could not be parsed as JSON."""

    description = "The body is not valid JSON. Check its syntax and send it again."


class InvalidFields(ClientFacingError, UnprocessableEntity):
    """Well-formed input whose values break the endpoint's schema.

    ``fields`` maps each field name to what is wrong with it, so a client can show every
    problem next to its field at once; a JSON error answer carries it as ``error.fields``.
    """

    description = "Some fields are not valid; error.fields says what to change in each."

    def __init__(self, fields: Mapping[str, Sequence[str]], description: str | None = None) -> None:
        super().__init__(description)
        self.fields = {name: list(messages) for name, messages in fields.items()}
