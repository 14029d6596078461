"""How fast full-text search (healthplan.search) answers over 3,000 plans, on SQLite and
on PostgreSQL.

Everything searched is GENERATED from the five sample plans and labelled so: plan i is
sample i mod 5 with its region's name replaced by the name of a real city or county
of the GB/T 2260 list (3,000 of them, the samples' own regions left out) and every
number in its indicator table lines changed (seeded random ±0–20 %); its title is
"【生成数据】{地区}…" and its source name "generated-NNNN-….txt". The outline paths and
sections are the sample's own (the generated text keeps its lines). The plans' lines
are stored in ``document_lines`` and indexed with ``store.search_index.index_lines``,
as ``healthplan load`` does.

Then each query (the set below: words, several words, a region, a level, a section) is
run ``--repeat`` times (default 20) through ``store.search_index.search`` with
``limit=20``, each in a new session, after one warm-up run; median and p95 per query
are printed.

    .venv/bin/python bench/bench_search.py [--plans 3000] [--repeat 20] [--db sqlite,postgresql]
                                           [--keep DIR]

SQLite is a file in a temporary folder (``--keep DIR`` keeps it there and reuses it
next time); PostgreSQL a schema of its own (``--pg-schema``, created and dropped unless
``--keep``), skipped with a message when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.exc import OperationalError

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.search import tokenizer
from healthplan.store.database import open_database
from healthplan.store.documents import line_sections, outline_paths
from healthplan.store.models import DocumentLine, Plan, Region
from healthplan.store.search_index import document_scope, index_lines, search

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LABEL = "【生成数据】"

# (query, filters): what the evaluation set asks, plus filtered variants.
QUERIES = [
    ("急救 反应时间", {}),
    ("医联体", {}),
    ("家庭医生签约服务", {}),
    ("互联网医院", {}),
    ("电子病历 应用水平", {}),
    ("千人口床位数", {}),
    ("公立医院绩效考核", {}),
    ("健康素养水平", {}),
    ("老年医院 护理院 医养结合机构", {}),
    ("医联体 量子计算机", {}),  # no line has both: the OR fallback
    ("医联体", {"region": "江苏省"}),
    ("托位", {"region": "320500"}),
    ("孕产妇死亡率", {"level": "county", "section": "table"}),
    ("监测评估", {"section": "heading"}),
]

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def templates():
    """Per sample: its lines, outline paths, sections, title and region name."""
    out = []
    for path in sample_paths():
        document = read_document(str(path))
        extracted = extract_plan(document)
        count = len(document.lines)
        out.append({
            "lines": [line.text for line in document.lines],
            "paths": outline_paths(extracted, count),
            "sections": line_sections(extracted, count),
            "title": extracted.document.title or path.stem,
            "region": extracted.document.region or "",
            "period": extracted.document.period,
        })
    return out


def _vary_numbers(line: str, rng: random.Random) -> str:
    def change(match):
        value = float(match.group())
        new = value * (1 + rng.uniform(-0.2, 0.2))
        return f"{new:.{len(match.group().split('.')[1])}f}" if "." in match.group() else str(round(new))
    return _NUMBER.sub(change, line)


def generate(db, plans: int, seed: int = 7) -> dict:
    """Store ``plans`` generated plans with their lines and index them; timings."""
    rng = random.Random(seed)
    samples = templates()
    own = {t["region"] for t in samples}
    tokenizer()
    timings = {"store": 0.0, "index": 0.0, "lines": 0}
    with db.session() as session:
        regions = session.execute(
            select(Region.id, Region.name).where(Region.level.in_(("city", "county")))
            .order_by(Region.code)).all()
    regions = [r for r in regions if r.name not in own]
    step = len(regions) / plans
    chosen = [regions[int(k * step)] for k in range(plans)]
    for start in range(0, plans, 100):
        with db.session() as session:
            for k in range(start, min(start + 100, plans)):
                sample = samples[k % len(samples)]
                region_id, name = chosen[k]
                old = sample["region"]
                short_old, short_new = old[:-1], name[:-1] if len(name) > 2 else name
                t0 = time.perf_counter()
                texts = []
                for line, section in zip(sample["lines"], sample["sections"], strict=True):
                    line = line.replace(old, name)
                    if len(short_old) >= 2:
                        line = line.replace(short_old, short_new)
                    if section == "table":
                        line = _vary_numbers(line, rng)
                    texts.append(line)
                sha = hashlib.sha256(("\n".join(texts) + f"#{k}").encode()).hexdigest()
                title = LABEL + sample["title"].replace(old, name).replace(short_old, short_new)
                plan = Plan(region_id=region_id, title=title[:300],
                            period_start=sample["period"].start, period_end=sample["period"].end,
                            status="final", origin="document",
                            source_name=f"generated-{k:04d}-{name}.txt", source_format="txt",
                            source_sha256=sha)
                session.add(plan)
                session.flush()
                session.execute(insert(DocumentLine), [
                    {"source_sha256": sha, "line": n, "text": line, "page": None, "cells": None,
                     "table_index": None, "outline_path": sample["paths"][n - 1],
                     "section": sample["sections"][n - 1]}
                    for n, line in enumerate(texts, start=1)])
                ids = session.execute(select(DocumentLine.id).where(
                    DocumentLine.source_sha256 == sha).order_by(DocumentLine.line)).scalars().all()
                t1 = time.perf_counter()
                scope = document_scope(session, [sha]).get(sha)
                index_lines(session, zip(ids, texts, sample["sections"], strict=True), scope)
                t2 = time.perf_counter()
                timings["store"] += t1 - t0
                timings["index"] += t2 - t1
                timings["lines"] += len(texts)
        print(f"  {min(start + 100, plans)} plans stored and indexed "
              f"(index {timings['index']:.0f} s, store {timings['store']:.0f} s)", flush=True)
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            for table in ("search_index", "search_documents"):
                conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES('optimize')")
    return timings


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "load average unknown"


def run_queries(db, repeat: int) -> list[dict]:
    print(f"  {time.strftime('%Y-%m-%d %H:%M')}, {_load()}", flush=True)
    results = []
    for query, filters in QUERIES:
        with db.session() as session:  # warm-up
            hits = search(session, query, limit=20, **filters)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            with db.session() as session:
                search(session, query, limit=20, **filters)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        label = query + "".join(f" --{k} {v}" for k, v in filters.items())
        results.append({"query": label, "hits": len(hits), "median": statistics.median(times),
                        "p95": p95, "max": times[-1]})
        print(f"  {label:<40} hits {len(hits):>2}  median {statistics.median(times):6.1f} ms"
              f"  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms", flush=True)
    print(f"  after the queries: {_load()}", flush=True)
    return results


def bench(kind: str, args) -> None:
    print(f"\n== {kind}", flush=True)
    schema = None
    if kind == "sqlite":
        folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hp-search-"))
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / f'search-{args.plans}.sqlite3'}"
    else:
        try:
            engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
            with engine.begin() as conn:
                if not args.keep:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {args.pg_schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {args.pg_schema}"))
        except OperationalError as exc:
            print(f"  PostgreSQL not reachable, skipped: {str(exc).splitlines()[0]}")
            return
        schema = args.pg_schema
        url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    db = open_database(url)
    try:
        with db.session() as session:
            have = session.scalar(select(func.count()).select_from(Plan)
                                  .where(Plan.title.startswith(LABEL)))
        if have != args.plans:
            t0 = time.perf_counter()
            timings = generate(db, args.plans)
            print(f"  built {args.plans} generated plans, {timings['lines']:,} lines, in "
                  f"{time.perf_counter() - t0:.0f} s (segmenting + indexing {timings['index']:.0f} s)")
        else:
            print(f"  reusing {have} generated plans in {db.describe()}")
        run_queries(db, args.repeat)
    finally:
        db.close()
        if schema and not args.keep:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the databases")
    parser.add_argument("--pg-schema", default="hp_bench_search")
    args = parser.parse_args()
    print(f"healthplan search benchmark: {args.plans} generated plans, {args.repeat} repeats; "
          f"Python {platform.python_version()}, {platform.machine()}")
    for kind in args.db.split(","):
        bench(kind.strip(), args)


if __name__ == "__main__":
    main()
