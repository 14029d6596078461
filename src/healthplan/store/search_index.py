"""The search index of the stored plan documents, and searching it.

What a line is indexed as and how a query is read are plain functions of the core
(``healthplan.search``: segmentation, ``parse_query``, snippets, scoring); this module
and one per database hold the SQL. SQLite keeps the index in FTS5 tables
(``store.search_sqlite``), PostgreSQL in a ``tsvector`` table with a GIN index and a
table of per-word line counts (``store.search_postgres``), both made by migration 0003.
Here: what both share — the filters, the lines and plans a hit names, which plans a
document's lines belong to, (re)building the index — and the entry points::

    from healthplan.search import SearchError
    from healthplan.store.search_index import search

    try:
        hits = search(session, "急救 反应时间", region="无锡市", level=None,
                      section=None, limit=20)
    except SearchError as exc:   # bad query or filter; str(exc) is a Chinese message
        ...

``search(session, query, *, region=None, level=None, section=None, plan=None,
limit=20) -> list[Hit]``, best first (the module docstring of ``healthplan.search``
says how words, filters, ranking and snippets work).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from healthplan.search import (
    LEVELS,
    SECTIONS,
    Hit,
    Query,
    SearchError,
    choice,
    highlight_spans,
    index_terms,
    make_snippet,
    parse_query,
    score,
    tokenizer,
)

INDEX_TABLE = "search_index"  # one row per document line (both databases)
DOCUMENT_TABLE = "search_documents"  # SQLite: one row per plan document
TERMS_TABLE = "search_terms"  # PostgreSQL: one row per word and plan document
TERM_SECTIONS = ("heading", "body", "table", "project")  # its columns in_heading …

CANDIDATES = 100  # lines ranked by the index, then re-ranked with the section boost
PLAN_BATCH = 40  # beyond the direct way, the lines of the best-matching plans, this many at a time
MAX_BATCHES = 5

log = logging.getLogger(__name__)


def _backend(session: Session) -> ModuleType:
    """The module that speaks this database's full-text search."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from healthplan.store import search_sqlite
        return search_sqlite
    if dialect == "postgresql":
        from healthplan.store import search_postgres
        return search_postgres
    raise SearchError(f"数据库 {dialect} 不支持全文检索")  # pragma: no cover


# --------------------------------------------------------------------------- search


def search(session: Session, query: str, *, region: str | None = None,
           level: str | None = None, section: str | None = None, plan: int | None = None,
           limit: int = 20) -> list[Hit]:
    """The lines of stored plan documents that match ``query``, best first (see the
    module docstring of ``healthplan.search``); ``plan`` restricts the search to one
    plan's document. Raises SearchError for a query or filter that cannot be used."""
    parsed = parse_query(query)
    limit = max(1, min(int(limit), 1000))
    filters = _filters(session, region, level, section, plan)
    ensure_index(session)
    backend = _backend(session)
    pool = max(limit * 5, CANDIDATES)
    # The words as jieba cuts them first; their parts (千人口床位数 → 千/人口/床位数) only
    # when that finds too little: parts are common words, slow to rank over many plans.
    strict = parsed.strict()
    want = 2 * limit
    rows = backend.candidates(session, strict, filters, pool, any_word=False, want=want)
    if len(rows) < limit and strict != parsed:
        rows = backend.candidates(session, parsed, filters, pool, any_word=False, want=want)
    partial = False
    if not rows and len(parsed.groups) > 1:
        rows = backend.candidates(session, parsed, filters, pool, any_word=True, want=want)
        partial = True
    scored = sorted(((score(row[1], row[3], row[5], parsed), row) for row in rows),
                    key=lambda item: (-item[0], item[1][6], item[1][2]))
    return [_hit(row, value, parsed, partial) for value, row in scored[:limit]]


@dataclass
class Filters:
    region_ids: list[int] | None = None  # the region and every region below it
    region_code: str | None = None
    level: str | None = None
    section: str | None = None
    plan: int | None = None

    @property
    def plan_level(self) -> bool:
        return bool(self.region_ids is not None or self.level or self.plan is not None)


def _filters(session: Session, region, level, section, plan) -> Filters:
    out = Filters()
    if region is not None and str(region).strip():
        from healthplan.store.regions import RegionError, find_region

        try:
            found = find_region(session, str(region))
        except RegionError as exc:
            raise SearchError(str(exc)) from None
        if found.level != "nation":
            out.region_code = found.code
            out.region_ids = list(session.execute(text(
                "WITH RECURSIVE sub(id) AS (SELECT id FROM regions WHERE id = :root UNION ALL "
                "SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id) SELECT id FROM sub"),
                {"root": found.id}).scalars())
    out.level = choice(level, LEVELS, "层级", "nation、province、city、county")
    out.section = choice(section, SECTIONS, "部分", "heading、body、table、project")
    out.plan = int(plan) if plan is not None else None
    return out


# A candidate row: (line id, rank, line, text, outline path, section, plan id, title, source,
# region name, code, level), from the ranked lines ``c`` joined to their plan and region.
LINE_COLUMNS = ("dl.line, dl.text, dl.outline_path, dl.section, p.id, p.title, "
                "p.source_name, r.name, r.code, r.level")
LINE_JOIN = ("JOIN document_lines dl ON dl.id = c.line_id "
             "JOIN plans p ON p.source_sha256 = dl.source_sha256 AND p.origin = 'document' "
             "JOIN regions r ON r.id = p.region_id")


def in_batches(plans: list[int], want: int, rank) -> list[tuple]:
    """The lines ``rank(batch)`` finds in the plans, PLAN_BATCH plans at a time, best plans
    first, until ``want`` lines are found."""
    rows: list[tuple] = []
    seen: set = set()
    for start in range(0, len(plans), PLAN_BATCH):
        for row in rank(plans[start:start + PLAN_BATCH]):
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
        if len(rows) >= want:
            break
    return rows


def plan_conditions(filters: Filters, params: dict, statement_params: list) -> list[str]:
    """SQL conditions on plans ``p`` and regions ``r`` for the plan-level filters (region
    and those below it, level, plan); their values go into ``params``."""
    where = []
    if filters.region_ids is not None:
        where.append("p.region_id IN :regions")
        params["regions"] = filters.region_ids
        statement_params.append(bindparam("regions", expanding=True))
    if filters.level:
        where.append("r.level = :level")
        params["level"] = filters.level
    if filters.plan is not None:
        where.append("p.id = :plan")
        params["plan"] = filters.plan
    return where


def allowed_plans(session: Session, filters: Filters) -> list[int] | None:
    """The document plans that pass the plan-level filters; None for no such filter."""
    if not filters.plan_level:
        return None
    params, statement_params = {}, []
    where = ["p.origin = 'document'", *plan_conditions(filters, params, statement_params)]
    sql = text("SELECT p.id FROM plans p JOIN regions r ON r.id = p.region_id "
               f"WHERE {' AND '.join(where)}")
    if statement_params:
        sql = sql.bindparams(*statement_params)
    return list(session.execute(sql, params).scalars())


def ranked_rows(session: Session, inner: str, params: dict, statement_params: list,
                filters: Filters, pool: int, plans: list[int] | None) -> list[tuple]:
    """The best ``pool`` lines of the ranking query ``inner`` (line_id, rank), joined to
    their plans; without ``plans`` (the direct way: every matching line ranked) the
    filters are applied here, after ranking."""
    where = []
    if plans is None:
        where.extend(plan_conditions(filters, params, statement_params))
        if filters.section:
            where.append("dl.section = :section")
            params["section"] = filters.section
    else:
        inner += " ORDER BY rank DESC LIMIT :pool"
    params["pool"] = pool
    sql = (f"SELECT c.line_id, c.rank, {LINE_COLUMNS} FROM ({inner}) c {LINE_JOIN} "
           + (f"WHERE {' AND '.join(where)} " if where else "")
           + "ORDER BY c.rank DESC, p.id LIMIT :pool")
    statement = text(sql)
    if statement_params:
        statement = statement.bindparams(*statement_params)
    rows, seen = [], set()
    for row in session.execute(statement, params):
        if row[0] not in seen:  # one plan per line, should a document have two
            seen.add(row[0])
            rows.append(tuple(row))
    return rows


def _hit(row: tuple, value: float, query: Query, partial: bool) -> Hit:
    (_line_id, _rank, line, line_text, outline_path, section, plan_id, title, source,
     region_name, code, level) = row
    snippet_text, snippet_spans = make_snippet(line_text, highlight_spans(line_text, query))
    return Hit(plan_id=plan_id, plan_title=title, region=region_name, region_code=code,
               level=level, document=source, line=line, outline_path=outline_path or "",
               section=section, score=value, text=line_text, snippet_text=snippet_text,
               spans=snippet_spans, partial=partial)


# --------------------------------------------------------------------------- the index


@dataclass
class DocumentScope:
    """Who a document's lines belong to: the plan it sets out (origin "document", not one
    rebuilt from its completion table) and the tokens of its region, every region above
    it but the nation (``r320200`` finds 江阴市 under 无锡市) and its level."""

    plan_id: int
    tokens: list[str]


def document_scope(session: Session, sha256s: Iterable[str]) -> dict[str, DocumentScope]:
    wanted = list(dict.fromkeys(sha256s))
    if not wanted:
        return {}
    regions = {rid: (code, level, parent) for rid, code, level, parent in session.execute(
        text("SELECT id, code, level, parent_id FROM regions"))}
    out: dict[str, DocumentScope] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(text(
            "SELECT source_sha256, id, region_id FROM plans WHERE origin = 'document' "
            "AND source_sha256 IN :shas ORDER BY id").bindparams(
                bindparam("shas", expanding=True)), {"shas": wanted[start:start + 500]}).all()
        for sha, plan_id, region_id in rows:
            if sha in out or region_id not in regions:
                continue
            tokens = [f"p{plan_id}", f"l{regions[region_id][1]}"]
            node = region_id
            while node is not None and node in regions:
                code, node_level, parent = regions[node]
                if node_level != "nation":
                    tokens.append(f"r{code}")
                node = parent
            out[sha] = DocumentScope(plan_id, tokens)
    return out


def index_lines(session: Session, rows: Iterable[Sequence],
                scope: DocumentScope | None) -> int:
    """Index the ``(document_lines.id, text, section)`` rows of one document (all of its
    lines), whose plan is ``scope`` (``document_scope``; None: no plan, so never found).
    The number of lines indexed."""
    tokenizer()  # the whole dictionary in memory: a document has thousands of words
    lines = ((line_id, index_terms(line_text or ""), section)
             for line_id, line_text, section in rows)
    return _backend(session).index_lines(session, lines, scope)


def index_document(session: Session, sha256: str) -> int:
    """Index the stored lines of one document (called when a document is stored, after
    its plan)."""
    rows = session.execute(text(
        "SELECT id, text, section FROM document_lines WHERE source_sha256 = :sha ORDER BY line"),
        {"sha": sha256}).all()
    return index_lines(session, rows, document_scope(session, [sha256]).get(sha256))


def clear_index(session: Session) -> None:
    _backend(session).clear_index(session)


def reindex(session: Session) -> int:
    """Rebuild the whole index from the stored lines; the number of lines indexed."""
    clear_index(session)
    shas = session.execute(text("SELECT DISTINCT source_sha256 FROM document_lines")).scalars().all()
    scopes = document_scope(session, shas)
    count = 0
    for sha in shas:
        rows = session.execute(text(
            "SELECT id, text, section FROM document_lines WHERE source_sha256 = :sha "
            "ORDER BY line"), {"sha": sha}).all()
        count += index_lines(session, rows, scopes.get(sha))
    return count


def index_is_stale(session: Session) -> bool:
    """Whether stored lines are missing from the index: lines stored before the index
    existed (migration 0003). Lines are never deleted and every line stored since is
    indexed with its document, so the check compares the lowest ids (two index lookups)."""
    first_line = session.execute(text("SELECT min(id) FROM document_lines")).scalar()
    if first_line is None:
        return False
    key = _backend(session).LINE_KEY
    first_indexed = session.execute(text(
        f"SELECT {key} FROM {INDEX_TABLE} ORDER BY {key} LIMIT 1")).scalar()
    return first_indexed is None or first_indexed > first_line


def ensure_index(session: Session) -> int:
    """Index the stored lines when the index lacks them; the number of lines indexed."""
    if not index_is_stale(session):
        return 0
    log.info("building the search index")
    return reindex(session)


def include_in_schema_comparison(name: str | None, type_: str, _parents: dict) -> bool:
    """For Alembic's ``include_name``: the search index is dialect-specific (two FTS5
    virtual tables and their shadow tables on SQLite, a tsvector table and a table of
    word counts on PostgreSQL, made by migration 0003) and has no model, so comparisons
    of models and schema leave it out."""
    return not (type_ == "table" and name is not None
                and any(name == t or name.startswith(t + "_")
                        for t in (INDEX_TABLE, DOCUMENT_TABLE, TERMS_TABLE)))
