"""The extension objects, created once and bound to each app in ``create_app``."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from flask_bastion import Bastion


class Base(DeclarativeBase):
    """The declarative base of every model of the app."""


db = SQLAlchemy(model_class=Base)
bastion = Bastion(db=db)
migrate = Migrate()
User = bastion.User
Role = bastion.Role
