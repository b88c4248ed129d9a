"""Alembic environment of the district schema (apart from the station's ``migrations/``).

The server passes an open connection in ``config.attributes["connection"]``.
"""

from alembic import context
from sqlalchemy import TypeDecorator
from sqlalchemy.types import TypeEngine

from app.district.models import Base


def render_item(type_, obj, autogen_context):
    """Render the app's column types as the plain types they store."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl if isinstance(obj.impl, TypeEngine) else obj.impl()
        return f"sa.{impl!r}"
    return False


config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=render_item,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
