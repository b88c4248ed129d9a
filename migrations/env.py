"""Alembic environment for the station schema.

At run time the app passes an open connection to the encrypted store in
``config.attributes["connection"]``. For developers, ``alembic -c migrations/alembic.ini revision
--autogenerate -m "..."`` compares the models against a scratch plain SQLite file upgraded to head.
"""

from alembic import context
from sqlalchemy import TypeDecorator, create_engine
from sqlalchemy.types import TypeEngine

from app.store.models import Base
from app.store.models.case_records import is_unmapped_search_table

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Render the app's column types as the plain types they store, so that a migration never
    depends on application code that may change later."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl if isinstance(obj.impl, TypeEngine) else obj.impl()
        return f"sa.{impl!r}"
    return False


def include_name(name, type_, parent_names) -> bool:
    """The FTS5 search table (and its shadow tables) is made in SQL by 0003_cases, not by a model."""
    return not (type_ == "table" and is_unmapped_search_table(name))


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=True,  # SQLite: ALTER through table copies
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///migrations/scratch.sqlite"
    engine = create_engine(url)
    with engine.begin() as conn:
        run_with(conn)
