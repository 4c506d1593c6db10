"""Alembic's entry point for the reference app: migrate the database of the current Flask app.

Run through Flask-Migrate (``flask --app reference_app db upgrade``), which pushes the app
context this module reads the engine and the models' metadata from.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

fileConfig(context.config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
database = current_app.extensions["migrate"].db


def skip_empty_autogenerate(migration_context, revision, directives):
    """``flask db migrate`` with no model change writes no empty revision."""
    autogenerate = getattr(context.config.cmd_opts, "autogenerate", False)
    if autogenerate and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("The models match the database; no revision written.")


def run_offline():
    """Print the SQL instead of running it (``flask db upgrade --sql``)."""
    context.configure(
        url=database.engine.url.render_as_string(hide_password=False),
        target_metadata=database.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    """Run the migrations on a connection of the app's engine."""
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=database.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
