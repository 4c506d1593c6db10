"""``escape_like``: a search term matches literally, whatever wildcards it contains; and
Flask-Bastion's own writes, committed on their own or together."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from flask_bastion.sql import LIKE_ESCAPE, committed, escape_like, one_commit

ROWS = ["100% sure", "1000 sure", "snake_case", "snakeXcase", "back\\slash", "plain", "C:\\%_"]


@pytest.mark.parametrize(
    ("term", "escaped"),
    [
        pytest.param("plain", "plain", id="plain"),
        pytest.param("%", "\\%", id="percent"),
        pytest.param("_", "\\_", id="underscore"),
        pytest.param("\\", "\\\\", id="backslash"),
        pytest.param("\\%", "\\\\\\%", id="backslash-then-percent"),
        pytest.param("%_%_%_%", "\\%\\_\\%\\_\\%\\_\\%", id="expensive-pattern"),
        pytest.param("' OR '1'='1", "' OR '1'='1", id="quotes-untouched"),
        pytest.param("crème brûlée", "crème brûlée", id="unicode"),
        pytest.param("", "", id="empty"),
    ],
)
def test_escape_like_escapes_wildcards_and_the_escape_character(term, escaped):
    """``%``, ``_`` and the escape character are prefixed; everything else is untouched."""
    assert escape_like(term) == escaped


def test_like_escape_is_a_single_character():
    """SQL's ``ESCAPE`` clause takes exactly one character."""
    assert len(LIKE_ESCAPE) == 1


@pytest.fixture(scope="module")
def table():
    """An in-memory SQLite table holding rows with wildcard characters in them."""
    engine = create_engine("sqlite://")
    metadata = MetaData()
    rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("text", String))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(rows), [{"text": text} for text in ROWS])
    yield engine, rows
    engine.dispose()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("%", ["100% sure", "C:\\%_"], id="percent"),
        pytest.param("_", ["snake_case", "C:\\%_"], id="underscore"),
        pytest.param("snake_case", ["snake_case"], id="underscore-in-word"),
        pytest.param("0%", ["100% sure"], id="percent-in-word"),
        pytest.param("\\", ["back\\slash", "C:\\%_"], id="backslash"),
        pytest.param("\\%_", ["C:\\%_"], id="all-three"),
        pytest.param("%%%%", [], id="only-wildcards"),
    ],
)
def test_escaped_term_matches_literally_in_sql(table, term, expected):
    """A LIKE built with ``escape_like`` finds only rows containing the term as typed."""
    engine, rows = table
    pattern = f"%{escape_like(term)}%"
    query = select(rows.c.text).where(rows.c.text.like(pattern, escape=LIKE_ESCAPE))
    with engine.connect() as connection:
        assert sorted(connection.scalars(query)) == sorted(expected)


def _events_table(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writes.db'}")
    table = Table("event", MetaData(), Column("id", Integer, primary_key=True))
    table.metadata.create_all(engine)
    return engine, table


def test_writes_in_one_commit_share_a_transaction(tmp_path):
    """Inside ``one_commit`` every ``committed`` block writes on the same connection, and the
    rows are stored when the outer block ends."""
    engine, table = _events_table(tmp_path)
    with Flask(__name__).app_context(), one_commit(engine):
        with committed(engine) as first:
            first.execute(insert(table).values(id=1))
        with committed(engine) as second:
            second.execute(insert(table).values(id=2))
        assert first is second
    with engine.connect() as connection:
        assert connection.execute(select(table.c.id)).scalars().all() == [1, 2]


def test_a_failure_in_one_commit_stores_nothing(tmp_path):
    """If the block fails after a write, that write is rolled back with the rest."""
    engine, table = _events_table(tmp_path)
    with Flask(__name__).app_context(), pytest.raises(RuntimeError), one_commit(engine):
        with committed(engine) as connection:
            connection.execute(insert(table).values(id=1))
        raise RuntimeError("the second write failed")
    with engine.connect() as connection:
        assert connection.execute(select(table.c.id)).scalars().all() == []
