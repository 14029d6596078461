"""The search index on PostgreSQL: ``tsvector`` with a GIN index (migration 0003).

``search_index`` holds one row per document line (its id, plan, section and a
``tsvector`` of its words); ``search_terms`` one row per word and plan document: how
many of the document's lines hold the word, in all and per section (``in_heading`` …).
The tsvector is written out word by word (``'医联体':1 '建设':2``) as the core segments
the line (``healthplan.search.index_terms``), so PostgreSQL's parser, whose word
boundaries depend on the server's locale, never re-splits Chinese; no stemming, as with
the 'simple' configuration. Ranking is ts_rank_cd.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from healthplan.search import Query, render_query
from healthplan.store import search_index as shared
from healthplan.store.search_index import (
    INDEX_TABLE,
    TERM_SECTIONS,
    TERMS_TABLE,
    DocumentScope,
    Filters,
)

DIRECT_MAX = 1000  # up to an upper bound of this many matching lines, all are ranked at once
LINE_KEY = "line_id"  # the index's column holding the line id


# --------------------------------------------------------------------------- queries


def tsquery_string(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(query: Query, *, any_word: bool = False) -> str:
    """The query as a tsquery: every word (&), or any of them (|)."""
    return render_query(query, quote=tsquery_string, all_of="&", any_of="|", any_word=any_word)


# --------------------------------------------------------------------------- search


def candidates(session: Session, query: Query, filters: Filters, pool: int,
               any_word: bool, want: int) -> list[tuple]:
    """The best ``pool`` lines by ts_rank_cd (rows as ``search_index.LINE_COLUMNS``).

    Ranking every matching line costs up to some 20 microseconds a line for a long line
    and several words. So the per-word line counts (``search_terms``) give the plans that
    can match, best first, and an upper bound of the matching lines: when it is at most
    DIRECT_MAX and the plans fit in the batches, the lines of all of them are ranked at
    once; otherwise PLAN_BATCH plans at a time, until ``want`` lines are found."""
    q = tsquery(query, any_word=any_word)
    plans, estimate = _best_plans(session, query, any_word, filters,
                                  shared.PLAN_BATCH * shared.MAX_BATCHES)
    if not plans:
        return []
    if estimate is not None and estimate <= DIRECT_MAX:
        return _ranked_lines(session, q, filters, pool, plans=plans)
    return shared.in_batches(plans, want,
                             lambda batch: _ranked_lines(session, q, filters, pool, plans=batch))


def _best_plans(session: Session, query: Query, any_word: bool, filters: Filters,
                n: int) -> tuple[list[int], int | None]:
    """The ``n`` plans that pass the plan-level filters and whose documents hold the
    most lines (of the section asked for, if any) that can match, best first; and an
    upper bound of the matching lines of all plans, None when more than ``n`` plans can
    match. Read from ``search_terms`` alone (an index-only scan of one entry per plan and
    word), never from the matching lines.

    A plan's count: a word's is its number of lines, a word also found through its
    parts adds the smallest of theirs; all words (AND) the smallest of the words', any
    word (OR) their sum. So a plan that lacks a word is never picked for AND."""
    column = f"in_{filters.section}" if filters.section else "lines"
    params: dict = {"n": n}
    allowed = shared.allowed_plans(session, filters)
    if allowed is not None:
        if not allowed:
            return [], 0
        params["plans"] = allowed
    only = "AND {t}.plan_id = ANY(CAST(:plans AS integer[])) " if allowed is not None else ""
    if not any_word and not any(group.split for group in query.groups):
        # The common case: each word's entries, in plan order, merge-joined.
        joins, counts = [], []
        for k, group in enumerate(query.groups):
            params[f"t{k}"] = group.word
            counts.append(f"t{k}.{column}")
            on = f"t{k}.term = :t{k} AND t{k}.{column} > 0"
            if k:
                on += f" AND t{k}.plan_id = t0.plan_id"
                joins.append(f"JOIN {TERMS_TABLE} t{k} ON {on}")
            else:
                first = on + " " + only.format(t="t0")
        score = f"least({', '.join(counts)})"
        sql = (f"SELECT t0.plan_id, sum({score}) OVER (), count(*) OVER () "
               f"FROM {TERMS_TABLE} t0 {' '.join(joins)} WHERE {first}"
               f"ORDER BY {score} DESC, t0.plan_id LIMIT :n")
    else:
        terms: list[str] = []

        def count(term: str) -> str:
            if term not in terms:
                terms.append(term)
                params[f"t{len(terms) - 1}"] = term
            return f"coalesce(max(t.{column}) FILTER (WHERE t.term = :t{terms.index(term)}), 0)"

        groups = []
        for group in query.groups:
            found = count(group.word)
            if group.split:
                found += f" + least({', '.join(count(p) for p in group.split)})"
            groups.append(found)
        score = " + ".join(groups) if any_word else f"least({', '.join(groups)})"
        listed = ", ".join(f":t{k}" for k in range(len(terms)))
        sql = (f"SELECT plan_id, sum(score) OVER (), count(*) OVER () FROM ("
               f"SELECT t.plan_id, {score} AS score FROM {TERMS_TABLE} t "
               f"WHERE t.term IN ({listed}) AND t.{column} > 0 {only.format(t='t')}"
               f"GROUP BY t.plan_id) x WHERE score > 0 ORDER BY score DESC, plan_id LIMIT :n")
    rows = session.execute(text(sql), params).all()
    if not rows:
        return [], 0
    _, total, count_ = rows[0]
    return [row[0] for row in rows], (int(total) if count_ <= n else None)


def _ranked_lines(session: Session, q: str, filters: Filters, pool: int,
                  plans: list[int] | None) -> list[tuple]:
    """The best ``pool`` matching lines of ``plans`` that pass the filters."""
    params: dict = {"q": q}
    statement_params = []
    inner = (f"SELECT s.line_id, ts_rank_cd(s.terms, q.q, 1) AS rank FROM {INDEX_TABLE} s, "
             "CAST(:q AS tsquery) AS q(q) WHERE s.terms @@ q.q")
    if plans is not None:
        inner += " AND s.plan_id IN :plans"
        params["plans"] = plans or [-1]
        statement_params.append(bindparam("plans", expanding=True))
        if filters.section:
            inner += " AND s.section = :section"
            params["section"] = filters.section
    return shared.ranked_rows(session, inner, params, statement_params, filters, pool, plans)


# --------------------------------------------------------------------------- the index


def index_lines(session: Session, lines: Iterable[tuple[int, list[str], str]],
                scope: DocumentScope | None) -> int:
    """Store ``(line id, words, section)`` of one document's lines and, when it sets out
    a plan, the per-word line counts of the document; the number of lines indexed."""
    batch, count = [], 0
    lines_with: dict[str, list[int]] = {}  # word → lines, in all and per section
    column = {section: k for k, section in enumerate(TERM_SECTIONS, start=1)}
    for line_id, terms, section in lines:
        batch.append({"id": line_id, "plan": scope.plan_id if scope else None,
                      "section": section, "terms": tsvector_literal(terms)})
        for term in set(terms):
            counts = lines_with.setdefault(term, [0] * (1 + len(TERM_SECTIONS)))
            counts[0] += 1
            if section in column:
                counts[column[section]] += 1
        if len(batch) >= 2000:
            count += _insert(session, batch)
            batch = []
    if batch:
        count += _insert(session, batch)
    if scope is not None and lines_with:
        names = ["lines", *(f"in_{section}" for section in TERM_SECTIONS)]
        arrays = ", ".join(f"CAST(:{name} AS integer[])" for name in names)
        params = {"terms": list(lines_with), "plan": scope.plan_id}
        for k, name in enumerate(names):
            params[name] = [counts[k] for counts in lines_with.values()]
        session.execute(text(f"INSERT INTO {TERMS_TABLE} (term, plan_id, {', '.join(names)}) "
                             f"SELECT term, :plan, {', '.join(names)} FROM unnest("
                             f"CAST(:terms AS text[]), {arrays}) AS u(term, {', '.join(names)})"),
                        params)
    return count


def _insert(session: Session, batch: list[dict]) -> int:
    session.execute(text(f"INSERT INTO {INDEX_TABLE} (line_id, plan_id, section, terms) "
                         "VALUES (:id, :plan, :section, CAST(:terms AS tsvector))"), batch)
    return len(batch)


def tsvector_literal(terms: list[str]) -> str:
    """A tsvector written out (``'医联体':1 '建设':2``): at most 16,383 positions and 256
    per word, PostgreSQL's limits."""
    positions: dict[str, list[int]] = {}
    for k, term in enumerate(terms[:16383], start=1):
        found = positions.setdefault(term, [])
        if len(found) < 256:
            found.append(k)
    return " ".join(tsquery_string(term) + ":" + ",".join(map(str, where))
                    for term, where in positions.items())


def clear_index(session: Session) -> None:
    for table in (INDEX_TABLE, TERMS_TABLE):
        session.execute(text(f"DELETE FROM {table}"))
