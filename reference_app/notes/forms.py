"""The note and search forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from reference_app.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH

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
