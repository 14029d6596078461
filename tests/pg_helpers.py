"""A PostgreSQL schema of its own for a test or a module of tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def schema_url(server_url: str, schema: str) -> str:
    return f"{server_url}?options=-csearch_path%3D{schema}"


@contextmanager
def postgres_schema(server_url: str, prefix: str = "hp_test") -> Iterator[str]:
    """Create a fresh schema on ``server_url`` and yield a URL that uses it; drop it after."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text(f"create schema {schema}"))
    try:
        yield schema_url(server_url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))
        engine.dispose()
