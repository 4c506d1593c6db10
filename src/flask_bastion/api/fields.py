"""Field types for API models whose rules hold for the database as well as for the schema.

Each rule is a constraint pydantic checks *and* writes into the JSON Schema, so the OpenAPI
document states exactly what the validation enforces. ``text()`` refuses the NUL character,
which no PostgreSQL text column can hold (the JSON twin of :mod:`flask_bastion.inputs`): a 422
rather than a 500 from the database. ``Timestamp`` always carries a time zone: SQLite hands
back naive datetimes, which are UTC here, and a client needs the offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from pydantic import AfterValidator, StringConstraints

#: Any text without a NUL character (``\u0000`` is understood by Python, Rust and ECMA regexes).
NO_NUL: Final = r"^[^\u0000]*$"
#: Text with at least one visible character and no NUL: what a required field must hold.
VISIBLE: Final = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
#: What a client is told when a value does not match one of the patterns above.
PATTERN_MESSAGES: Final = {
    NO_NUL: "Must not contain a null character.",
    VISIBLE: "Must not be blank, nor contain a null character.",
}


def text(max_length: int, *, required: bool = False) -> StringConstraints:
    """The rules of a string field: at most ``max_length`` characters and no NUL; ``required``
    text must also hold a visible character, as a form's required field does::

        title: Annotated[str, text(200, required=True)]
    """
    return StringConstraints(max_length=max_length, pattern=VISIBLE if required else NO_NUL)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: A datetime sent with its offset; a naive one (from SQLite) is taken as UTC.
Timestamp = Annotated[datetime, AfterValidator(_as_utc)]
