"""Object-level policies: every decision comes from the model's policy, and gaps fail closed.

A small app of its own (an in-memory SQLite database, Flask-Login, no Flask-Bastion): documents
that their owner may view and edit, and that anyone logged in may view once published.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_login import LoginManager, UserMixin, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Integer, Select, or_
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.exceptions import Forbidden, NotFound

from flask_bastion import Policy, authorize, can, get_or_404, policy_for, visible
from flask_bastion.exceptions import ConfigurationError

OWNER, OTHER = 1, 2


class Base(DeclarativeBase):
    """The declarative base of this module's models only."""


db = SQLAlchemy(model_class=Base)


class Doc(db.Model):  # type: ignore[name-defined,misc]
    """A document its owner may change; others may read it once it is published."""

    __tablename__ = "doc"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False)


class Undeclared(db.Model):  # type: ignore[name-defined,misc]
    """A model nobody wrote a policy for."""

    __tablename__ = "undeclared"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Sketch:
    """A class whose policy defines ``can_view`` and nothing else."""


class Draft(Sketch):
    """A subclass without a policy of its own."""


@policy_for(Doc)
class DocPolicy(Policy):
    def can_view(self, user: Any, doc: Doc) -> bool:
        return doc.owner_id == user.id or doc.published

    def can_edit(self, user: Any, doc: Doc) -> bool:
        return doc.owner_id == user.id

    def visible(self, user: Any, query: Select[Any]) -> Select[Any]:
        return query.where(or_(Doc.owner_id == user.id, Doc.published))


@policy_for(Sketch)
class SketchPolicy(Policy):
    def can_view(self, user: Any, sketch: Sketch) -> bool:
        return True


class Person(UserMixin):
    def __init__(self, user_id: int) -> None:
        self.id = user_id


@pytest.fixture
def app() -> Iterator[Flask]:
    """An app with an owner's private document (1), and a published one (2)."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="unit-test", SQLALCHEMY_DATABASE_URI="sqlite://")
    db.init_app(app)
    LoginManager(app).user_loader(lambda _user_id: None)
    with app.app_context():
        db.create_all()
        db.session.add_all([Doc(id=1, owner_id=OWNER), Doc(id=2, owner_id=OWNER, published=True)])
        db.session.commit()
    with app.test_request_context():
        yield app
        db.session.remove()


def log_in(user_id: int) -> None:
    login_user(Person(user_id))


def doc(doc_id: int) -> Doc:
    found = db.session.get(Doc, doc_id)
    assert found is not None
    return found


def test_model_without_policy_is_a_configuration_error(app):
    """Asking about a model with no registered policy raises, naming the decorator to add."""
    log_in(OWNER)
    with pytest.raises(ConfigurationError, match=r"@policy_for\(Undeclared\)"):
        can("view", Undeclared(id=1))
    with pytest.raises(ConfigurationError):
        visible(Undeclared)
    with pytest.raises(ConfigurationError):
        get_or_404(Undeclared, 1)  # even though there is no such object


def test_missing_method_raises_even_when_no_object_is_found(app):
    """Loading a missing object for an action without its method raises rather than 404."""
    log_in(OWNER)
    with pytest.raises(ConfigurationError, match=r"can_archive\(\)"):
        get_or_404(Doc, 3, "archive")


def test_action_without_method_is_a_configuration_error(app):
    """An action the policy has no ``can_<action>`` method for raises instead of allowing."""
    log_in(OWNER)
    with pytest.raises(ConfigurationError, match=r"can_archive\(\)"):
        can("archive", doc(1))
    with pytest.raises(ConfigurationError, match=r"can_archive\(\)"):
        authorize("archive", doc(1))


def test_policy_without_visible_is_a_configuration_error(app):
    """A policy that cannot narrow a query raises rather than list every object."""
    log_in(OWNER)
    with pytest.raises(ConfigurationError, match=r"visible\(\)"):
        SketchPolicy().visible(Person(OWNER), Doc.__table__.select())


@pytest.mark.parametrize("action", ["view", "edit"])
def test_anonymous_may_do_nothing(app, action):
    """An anonymous user may do no action, even on a published document."""
    assert not can(action, doc(2))
    with pytest.raises(NotFound):
        authorize(action, doc(2))
    with pytest.raises(NotFound):
        get_or_404(Doc, 2, action)


def test_gaps_raise_for_anonymous_users_too(app):
    """A missing policy or method raises for anonymous users as well, so no test misses it."""
    with pytest.raises(ConfigurationError):
        can("view", Undeclared(id=1))
    with pytest.raises(ConfigurationError):
        visible(Undeclared)
    with pytest.raises(ConfigurationError, match=r"can_archive\(\)"):
        can("archive", doc(2))


def test_anonymous_sees_nothing(app):
    """For an anonymous user a list finds nothing and loading by id is 404, published or not."""
    assert db.session.scalars(visible(Doc)).all() == []
    for doc_id in (1, 2):
        with pytest.raises(NotFound):
            get_or_404(Doc, doc_id)


def test_unseen_is_404_and_seen_but_refused_is_403(app):
    """Another user gets 404 for a document they may not view, 403 for one they may only view."""
    log_in(OTHER)
    with pytest.raises(NotFound):
        get_or_404(Doc, 1)
    with pytest.raises(Forbidden):
        get_or_404(Doc, 2, "edit")
    assert get_or_404(Doc, 2) is doc(2)


def test_missing_object_is_404(app):
    """A missing object is 404, exactly like one the user may not view."""
    log_in(OWNER)
    with pytest.raises(NotFound):
        get_or_404(Doc, 3)
    with pytest.raises(NotFound):
        authorize("view", None)


def test_owner_may_edit(app):
    """Control: the owner may view and edit their private document."""
    log_in(OWNER)
    assert get_or_404(Doc, 1, "edit") is doc(1)
    assert can("edit", doc(1))


@pytest.mark.parametrize("user_id", [OWNER, OTHER])
def test_visible_agrees_with_can_view(app, user_id):
    """The query lists exactly the documents ``can_view`` allows."""
    log_in(user_id)
    listed = db.session.scalars(visible(Doc)).all()
    viewable = [d for d in db.session.scalars(Doc.__table__.select()).all() if can("view", doc(d))]
    assert sorted(d.id for d in listed) == sorted(viewable)


def test_second_policy_for_a_model_is_refused():
    """A model has one policy: registering another raises instead of silently replacing it."""
    with pytest.raises(ConfigurationError, match="already has a policy"):

        @policy_for(Doc)
        class Lenient(Policy):
            def can_view(self, user: Any, doc: Doc) -> bool:
                return True


def test_subclass_is_judged_by_its_base_policy(app):
    """An object of a subclass without a policy of its own is judged by its base's policy."""
    log_in(OWNER)
    assert can("view", Draft())
    with pytest.raises(ConfigurationError, match=r"SketchPolicy has no can_edit\(\)"):
        can("edit", Draft())
