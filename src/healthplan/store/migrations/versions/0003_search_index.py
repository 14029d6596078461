"""full-text search index over the stored document lines

SQLite: two contentless FTS5 tables. ``search_index`` has a row per line, its rowid
``document_lines.id``: ``terms`` holds the line's words as segmented by
healthplan.search (jieba), space-separated, which FTS5's unicode61 tokenizer splits on
the spaces; ``scope`` the tokens of its plan (``p<id>``, ``p<id>s<section>``).
``search_documents`` has a row per plan document, its rowid the plan's id: all its
words, and the tokens of its region, the regions above it and its level, so that the
plans that match best can be found without ranking every line.
PostgreSQL: ``search_index``, a row per line with its plan, its section and a
``tsvector`` of the same words (written out by healthplan.search: no stemming, as with
the 'simple' configuration), with a GIN index; and ``search_terms``, a row per word
and plan document: the number of the document's lines that hold the word, in all and
per section (heading, body, table, project), read from a B-tree index alone (the
counts are ``INCLUDE``d), so that the plans that match best are picked from one index
entry per plan and word rather than from every matching line.

The index has no SQLAlchemy model (it is dialect-specific); schema comparisons leave it
out (``healthplan.store.search_index.include_in_schema_comparison``). Lines stored
before this revision are indexed on the first search
(``healthplan.store.search_index.ensure_index``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in ("search_index", "search_documents"):
            op.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(terms, scope, content='', "
                       "tokenize = 'unicode61 remove_diacritics 0')")
    elif dialect == "postgresql":
        op.create_table(
            "search_index",
            sa.Column("line_id", sa.Integer(), nullable=False),
            sa.Column("plan_id", sa.Integer(), nullable=True),
            sa.Column("section", sa.String(length=20), nullable=False),
            sa.Column("terms", postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(["line_id"], ["document_lines.id"], ondelete="CASCADE",
                                    name="fk_search_index_line_id_document_lines"),
            sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE",
                                    name="fk_search_index_plan_id_plans"),
            sa.PrimaryKeyConstraint("line_id", name="pk_search_index"),
        )
        op.create_index("ix_search_index_terms", "search_index", ["terms"],
                        postgresql_using="gin")
        op.create_index("ix_search_index_plan_id", "search_index", ["plan_id"])
        op.create_table(
            "search_terms",
            sa.Column("term", sa.Text(), nullable=False),
            sa.Column("plan_id", sa.Integer(), nullable=False),
            sa.Column("lines", sa.Integer(), nullable=False),
            sa.Column("in_heading", sa.Integer(), nullable=False),
            sa.Column("in_body", sa.Integer(), nullable=False),
            sa.Column("in_table", sa.Integer(), nullable=False),
            sa.Column("in_project", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE",
                                    name="fk_search_terms_plan_id_plans"),
        )
        # The key in the order a search reads it (a word, every plan, in plan order: the
        # words of a query are merge-joined), the counts carried in the index: an
        # index-only scan.
        op.create_index("ux_search_terms", "search_terms", ["term", "plan_id"], unique=True,
                        postgresql_include=["lines", "in_heading", "in_body", "in_table",
                                            "in_project"])
        op.create_index("ix_search_terms_plan_id", "search_terms", ["plan_id"])
    else:
        raise NotImplementedError(f"no search index for {dialect}")


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_documents")
    else:
        op.execute("DROP TABLE search_terms")
