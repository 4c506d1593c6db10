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


def email_field(label: str = "Email") -> Any:
    """An email field that refuses what is not an address, as every form here needs."""
    return EmailField(
        label,
        validators=[
            DataRequired(),
            Length(max=EMAIL_MAX_LENGTH),
            Email(message="Enter a valid email address.", check_deliverability=False),
        ],
    )


def password_fields(label: str) -> tuple[Any, Any]:
    """A new password and its confirmation (validated by :func:`check_password_policy`)."""
    password = PasswordField(label, validators=[DataRequired()])
    confirm = PasswordField(
        f"Repeat the {label.lower()}",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    return password, confirm


def check_password_policy(password: str | None, email: str) -> None:
    """Raise ``ValidationError`` with the policy's reasons if ``password`` is refused."""
    policy = current_app.extensions["bastion"].password_policy
    problems = policy.problems_for_account(password or "", email)
    if problems:
        raise ValidationError(" ".join(problems))


class RegisterForm(FlaskForm):
    """Email, password and its confirmation, checked against the password policy."""

    email = email_field()
    password, confirm = password_fields("Password")

    def validate_password(self, field: Any) -> None:
        """Apply the password policy, with the email as a word an attacker would try."""
        check_password_policy(field.data, self.email.data or "")
