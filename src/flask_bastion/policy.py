"""Object-level authorization: one policy per model says what a user may do to one object.

Views never answer "may this user edit this note" with their own ``if`` statements; they ask
the model's policy, so the rule lives in one place and a page, a search and an API endpoint
cannot disagree. A policy is a class with one ``can_<action>(user, obj)`` method per action and
a :meth:`Policy.visible` method that narrows a query to the objects a user may see::

    @policy_for(Note)
    class NotePolicy(Policy):
        def can_view(self, user, note): return note.owner_id == user.id
        def visible(self, user, query): return query.where(Note.owner_id == user.id)

    note = get_or_404(Note, note_id, "edit")     # 404 unseen, 403 seen but not editable
    notes = db.session.scalars(visible(Note))    # lists and searches see what "view" sees

Everything fails closed: a model without a policy, or an action without its method, is a
:class:`~flask_bastion.exceptions.ConfigurationError` whoever asks (anonymous or not, the object
found or not), so the first test that touches the gap reports it; anonymous users may do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import Select, false, select

from flask_bastion.exceptions import ConfigurationError

Model = TypeVar("Model")
PolicyClass = TypeVar("PolicyClass", bound="type[Policy]")

#: The action that lets a user know an object exists. Without it, every answer is 404, the
#: same as for an object that does not exist, so ids and existence never leak.
VIEW: Final = "view"

_policies: dict[type, Policy] = {}


class Policy:
    """Base class of a model's policy: define ``can_view`` and :meth:`visible`, then one
    ``can_<action>`` method for each further action the app checks."""

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        """Whether ``user`` (logged in) may do ``action`` to ``obj``."""
        return bool(self._check(action)(user, obj))

    def visible(self, user: Any, query: Select[Any]) -> Select[Any]:
        """``query`` narrowed to the objects ``user`` may view: it must agree with ``can_view``."""
        raise ConfigurationError(
            f"{type(self).__name__} does not define visible(); define visible(user, query) to "
            "return the query narrowed to the objects can_view() allows."
        )

    def _check(self, action: str) -> Callable[[Any, Any], bool]:
        """The ``can_<action>`` method; raises if there is none, since nothing is allowed then."""
        check: Callable[[Any, Any], bool] | None = getattr(self, f"can_{action}", None)
        if check is None:
            raise ConfigurationError(
                f"{type(self).__name__} has no can_{action}() method; define it to allow "
                f"the {action!r} action (nothing is allowed without it)."
            )
        return check


def policy_for(model: type) -> Callable[[PolicyClass], PolicyClass]:
    """Class decorator: register the decorated :class:`Policy` as the one for ``model``."""

    def register(policy_class: PolicyClass) -> PolicyClass:
        if model in _policies:
            raise ConfigurationError(f"{model.__name__} already has a policy.")
        _policies[model] = policy_class()
        return policy_class

    return register


def policy_of(model: type) -> Policy:
    """The registered policy of ``model`` (or of its nearest base class that has one)."""
    for cls in model.__mro__:
        if cls in _policies:
            return _policies[cls]
    raise ConfigurationError(
        f"{model.__name__} has no policy; register one with @policy_for({model.__name__})."
    )


def can(action: str, obj: Any) -> bool:
    """Whether the current user may do ``action`` to ``obj`` (also a template global)."""
    if obj is None:
        return False
    check = policy_of(type(obj))._check(action)
    return bool(current_user.is_authenticated and check(current_user, obj))


def authorize(action: str, obj: Model | None) -> Model:
    """``obj`` if the current user may do ``action`` to it.

    Otherwise 404 when the user may not even see it (or it is ``None``), and 403 when they may
    see it but not do this: a reader of a shared note already knows that it exists.
    """
    if obj is None or not can(VIEW, obj):
        abort(404)
    if action != VIEW and not can(action, obj):
        abort(403)
    return obj


def get_or_404(model: type[Model], ident: Any, action: str = VIEW) -> Model:
    """Load ``model`` by primary key and :func:`authorize` ``action`` on it."""
    policy = policy_of(model)
    for needed in (VIEW, action):  # a gap raises even when no such object exists
        policy._check(needed)
    db = current_app.extensions["sqlalchemy"]
    obj: Model | None = db.session.get(model, ident)
    return authorize(action, obj)


def visible(model: type[Model], query: Select[Any] | None = None) -> Select[Any]:
    """A query for the ``model`` objects the current user may view (``query`` narrowed, or
    all of them); for an anonymous user it finds nothing."""
    policy = policy_of(model)
    query = select(model) if query is None else query
    if not current_user.is_authenticated:
        return query.where(false())
    return policy.visible(current_user, query)
