"""The forms of two-factor authentication (Flask-WTF, so each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class CodeForm(FlaskForm):
    """A code from the authenticator app or, at login, a recovery code."""

    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=64)],
        render_kw={"inputmode": "text", "spellcheck": "false", "autocapitalize": "off"},
    )
