"""The note, search and share forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from flask_bastion.auth.forms import email_field
from reference_app.models import ACCESS_LABELS, BODY_MAX_LENGTH, READ, TITLE_MAX_LENGTH

SEARCH_MAX_LENGTH = 200


class NoteForm(FlaskForm):
    """A note's title and Markdown body."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX_LENGTH)])
    body = TextAreaField("Text (Markdown)", validators=[Length(max=BODY_MAX_LENGTH)])


class SearchForm(FlaskForm):
    """The search box; a GET form, so it changes nothing and needs no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField("Search your notes", validators=[DataRequired(), Length(max=SEARCH_MAX_LENGTH)])


class ShareForm(FlaskForm):
    """Another account's email address and the access its user gets. The access must be sent
    (never a silent default) and be one of the levels; anything else is "Not a valid choice"."""

    email = email_field("Share with (email address)")
    access = SelectField(
        "Access",
        choices=[SelectChoice(value, label) for value, label in ACCESS_LABELS.items()],
        default=READ,
        validators=[InputRequired()],
    )
