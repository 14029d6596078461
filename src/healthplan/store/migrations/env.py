"""Alembic environment: run with the connection healthplan.store.database passes in
(``config.attributes["connection"]``), or with ``sqlalchemy.url`` from alembic.ini when a
developer runs ``alembic`` by hand."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from healthplan.store.models import Base
from healthplan.store.search_index import include_in_schema_comparison

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
        compare_type=True,
        include_name=include_in_schema_comparison,  # the search index has no model
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        run(conn)
