"""The form that creates a personal access token on the settings page."""

from __future__ import annotations

from typing import Any, Final

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from flask_bastion.models import ACCESS_TOKEN_NAME_MAX_LENGTH
from flask_bastion.tokens.scopes import PRESETS
from flask_bastion.tokens.store import TokenStore

#: The lifetimes offered, in days; those above ``BASTION_TOKEN_MAX_LIFETIME_DAYS`` are left out.
LIFETIMES: Final = (7, 30, 90, 365)
DEFAULT_LIFETIME: Final = 30


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class NewTokenForm(FlaskForm):
    """A name, what the token may do (a preset of scopes), and how many days it lives."""

    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=ACCESS_TOKEN_NAME_MAX_LENGTH)],
        filters=[_strip],
    )
    scope = RadioField("Access", default="read", validators=[InputRequired()])
    expires_in_days = SelectField("Expires after", coerce=int, validators=[InputRequired()])

    def __init__(self, store: TokenStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scope.choices = [
            (value, preset.label)
            for value, preset in PRESETS.items()
            if set(preset.scopes) <= set(store.scopes)
        ]
        days = [d for d in LIFETIMES if d <= store.max_lifetime.days] or [store.max_lifetime.days]
        self.expires_in_days.choices = [(d, f"{d} days") for d in days]
        if self.expires_in_days.data is None:
            self.expires_in_days.data = min(days, key=lambda d: abs(d - DEFAULT_LIFETIME))
