"""The login and registration forms (Flask-WTF, so each carries its CSRF token)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from flask_bastion.models import EMAIL_MAX_LENGTH

#: The one message for a wrong password and for an unknown email, so the form never says
#: which addresses have accounts.
INVALID_CREDENTIALS = "Invalid email or password."


class LoginForm(FlaskForm):
    """Email, password and "remember me"."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Remember me for 7 days")


class RegisterForm(FlaskForm):
    """Email, password and its confirmation, checked against the password policy."""

    email = EmailField(
        "Email",
        validators=[
            DataRequired(),
            Length(max=EMAIL_MAX_LENGTH),
            Email(message="Enter a valid email address.", check_deliverability=False),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )

    def validate_password(self, field: Any) -> None:
        """Apply the password policy, with the email as a word an attacker would try."""
        from flask_bastion.extension import state_for

        email = (self.email.data or "").strip().lower()
        hints = [email, email.partition("@")[0]] if email else []
        problems = state_for(current_app).password_policy.problems(field.data or "", hints)
        if problems:
            raise ValidationError(" ".join(problems))
