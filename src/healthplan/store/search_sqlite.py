"""The search index on SQLite: FTS5 (migration 0003).

Two contentless FTS5 tables: ``search_index``, one row per document line (rowid = the
line's id) with its words in ``terms`` and, in ``scope``, the tokens of its plan
(``p12``) and of its plan and section (``p12sheading``); ``search_documents``, one row
per plan document (rowid = the plan's id) with all its words and the tokens of its plan,
regions and level (``document_scope``). Words are written out space-separated, as the
core segments them (``healthplan.search.index_terms``), so FTS5's unicode61 tokenizer
never cuts Chinese itself. Ranking is BM25; the scope column has weight 0: it only
selects.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from healthplan.search import Query, render_query
from healthplan.store import search_index as shared
from healthplan.store.search_index import DOCUMENT_TABLE, INDEX_TABLE, DocumentScope, Filters

DIRECT_MAX = 2000  # up to this many matching lines, every one is ranked
LINE_KEY = "rowid"  # the index's column holding the line id


# --------------------------------------------------------------------------- queries


def fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_query(query: Query, *, any_word: bool = False) -> str:
    """The query as an FTS5 expression: every word (AND), or any of them (OR)."""
    return render_query(query, quote=fts5_string, all_of="AND", any_of="OR", any_word=any_word)


# --------------------------------------------------------------------------- search


def candidates(session: Session, query: Query, filters: Filters, pool: int,
               any_word: bool, want: int) -> list[tuple]:
    """The best ``pool`` lines by BM25 (rows as ``search_index.LINE_COLUMNS``).

    Ranking every matching line costs a few microseconds a line, too much for a common
    word over thousands of plans. So the matching lines are counted up to DIRECT_MAX:
    when no more match, all are ranked and then filtered; otherwise the plans whose
    whole documents match best (BM25 over ``search_documents``, which also holds the
    region and level tokens the filters select by) are taken PLAN_BATCH at a time and
    their lines ranked, until ``want`` lines are found (at most MAX_BATCHES batches)."""
    q = fts5_query(query, any_word=any_word)
    if _count_capped(session, q, DIRECT_MAX + 1) <= DIRECT_MAX:
        return _ranked_lines(session, q, filters, pool, plans=None)
    plans = _best_documents(session, q, filters, shared.PLAN_BATCH * shared.MAX_BATCHES)
    return shared.in_batches(plans, want,
                             lambda batch: _ranked_lines(session, q, filters, pool, plans=batch))


def _count_capped(session: Session, q: str, cap: int) -> int:
    """How many lines match, counted up to ``cap``."""
    sql = (f"SELECT count(*) FROM (SELECT rowid FROM {INDEX_TABLE} "
           f"WHERE {INDEX_TABLE} MATCH :q LIMIT :cap)")
    return session.execute(text(sql), {"q": f"terms : ({q})", "cap": cap}).scalar() or 0


def _best_documents(session: Session, q: str, filters: Filters, n: int) -> list[int]:
    """The plans whose documents match best (BM25 over whole documents) and pass the
    plan-level filters."""
    match = f"terms : ({q})"
    if filters.region_code:
        match += f" AND scope : {fts5_string('r' + filters.region_code)}"
    if filters.level:
        match += f" AND scope : {fts5_string('l' + filters.level)}"
    if filters.plan is not None:
        match += f" AND scope : {fts5_string(f'p{filters.plan}')}"
    sql = (f"SELECT rowid FROM {DOCUMENT_TABLE} WHERE {DOCUMENT_TABLE} MATCH :q "
           f"ORDER BY bm25({DOCUMENT_TABLE}, 1.0, 0.0) LIMIT :n")
    return list(session.execute(text(sql), {"q": match, "n": n}).scalars())


def _ranked_lines(session: Session, q: str, filters: Filters, pool: int,
                  plans: list[int] | None) -> list[tuple]:
    """The best ``pool`` matching lines (of ``plans`` when given) that pass the filters."""
    match = f"terms : ({q})"
    if plans is not None:
        suffix = f"s{filters.section}" if filters.section else ""
        match += " AND scope : (" + " OR ".join(
            fts5_string(f"p{p}{suffix}") for p in plans) + ")"
    # bm25() is lower for better matches; negated, a higher rank is better.
    inner = (f"SELECT rowid AS line_id, -bm25({INDEX_TABLE}, 1.0, 0.0) AS rank "
             f"FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH :q")
    return shared.ranked_rows(session, inner, {"q": match}, [], filters, pool, plans)


# --------------------------------------------------------------------------- the index


def index_lines(session: Session, lines: Iterable[tuple[int, list[str], str]],
                scope: DocumentScope | None) -> int:
    """Store ``(line id, words, section)`` of one document's lines, and the document's
    row when it sets out a plan; the number of lines indexed."""
    batch, everything, count = [], [], 0
    for line_id, terms, section in lines:
        everything.extend(terms)
        plan_tokens = f"p{scope.plan_id} p{scope.plan_id}s{section}" if scope else ""
        batch.append({"id": line_id, "terms": " ".join(terms), "scope": plan_tokens})
        if len(batch) >= 2000:
            count += _insert(session, batch)
            batch = []
    if batch:
        count += _insert(session, batch)
    if scope is not None and count:
        session.execute(text(f"INSERT INTO {DOCUMENT_TABLE} (rowid, terms, scope) "
                             "VALUES (:id, :terms, :scope)"),
                        {"id": scope.plan_id, "terms": " ".join(everything),
                         "scope": " ".join(scope.tokens)})
    return count


def _insert(session: Session, batch: list[dict]) -> int:
    session.execute(text(f"INSERT INTO {INDEX_TABLE} (rowid, terms, scope) "
                         "VALUES (:id, :terms, :scope)"), batch)
    return len(batch)


def clear_index(session: Session) -> None:
    for table in (INDEX_TABLE, DOCUMENT_TABLE):  # contentless FTS5 tables
        session.execute(text(f"INSERT INTO {table}({table}) VALUES('delete-all')"))
