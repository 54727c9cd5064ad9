import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


# Search structures that each dialect keeps its own way (SQLite's FTS5 table and
# triggers, PostgreSQL's trigram index) are written by hand in the revisions, so
# autogenerate must not try to add or drop them.
HAND_MANAGED_PREFIXES = ("client_search",)
HAND_MANAGED_INDEXES = {"ix_clients_search_text_trgm"}


def render_item(type_, obj, autogen_context):
    """Revisions use plain SQLAlchemy types, never the app's (they must not import it)."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "StringEncryptedType":
        return "sa.Text()"  # ciphertext (base64) of any length
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """An encrypted column is text in the database: compare what it is stored as."""
    if type(metadata_type).__name__ == "StringEncryptedType":
        return not isinstance(inspected_type, sa.Text)
    return None  # Alembic's own comparison


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name.startswith(HAND_MANAGED_PREFIXES):
        return False
    return not (type_ == "index" and name in HAND_MANAGED_INDEXES)


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True, include_object=include_object
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("include_object", include_object)
    conf_args.setdefault("render_item", render_item)
    conf_args["compare_type"] = compare_type  # Flask-Migrate sets True; ours refines it
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # The app reads in autocommit on PostgreSQL; a migration is one transaction.
            connection = connection.execution_options(isolation_level="READ COMMITTED")
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
