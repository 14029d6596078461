"""How long importing 100,000 observations and evaluating a national-scale database take,
on SQLite and on PostgreSQL.

Everything in the database is GENERATED (seeded random numbers) and labelled so: every
city and county of the seeded GB/T 2260 list gets a plan titled
"【生成数据·基准测试】{地区}卫生健康规划（2021—2025年）" (source_name "generated") with
30 targets (catalogue indicators whose direction is higher or lower: ≥X / ≤X, some
"X左右", a few "在2020年基础上提高/下降5%" that are not vectorised), 2020 baselines, and
six years (2020–2025) of observations per target, all with the source
"生成数据（基准测试用，非真实）"; the nation gets generated figures too (the benchmark
beside each target). The series move smoothly, so that the import's checks (years in the
plan period, values within the catalogue's bounds, no jumps) pass without warnings.

1. build: the database minus the rows held out for the import, by bulk inserts
   (reported, not the headline figure);
2. import: the held-out rows (100,000: every 2025 value, then 2024 values) written to a
   CSV (its source column carries the label) and imported through
   ``healthplan.imports.import_observations``, the path ``healthplan import`` takes;
   undone (the batch's rows deleted) between repeats, kept after the last one;
3. evaluate: ``evaluate_all_plans(session, 2024)`` over every plan, and
   ``evaluate_stored_plan`` for one county plan and for one city plan (with its
   counties' plans) for comparison.

    .venv/bin/python bench/bench_storage.py [--regions N] [--db sqlite,postgresql]

PostgreSQL is used through a schema of its own (``--pg-schema``, created and dropped),
and skipped with a message when the server cannot be reached. Medians are printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import platform
import random
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.exc import OperationalError

from healthplan import catalog
from healthplan.imports import import_observations
from healthplan.store.database import open_database
from healthplan.store.evaluation import evaluate_all_plans, evaluate_stored_plan
from healthplan.store.models import (
    AuditEntry,
    ImportBatch,
    Observation,
    Plan,
    Region,
    Target,
    User,
)
from healthplan.targets import parse_target

SOURCE = "生成数据（基准测试用，非真实）"
NOTE = "生成数据，仅供基准测试"
TITLE = "【生成数据·基准测试】{name}卫生健康规划（2021—2025年）"
START, END, BASE_YEAR = 2021, 2025, 2020
YEARS = tuple(range(BASE_YEAR, END + 1))
EVAL_YEAR = 2024
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHUNK = 20_000


# --------------------------------------------------------------------------- generation


def eligible_indicators() -> list[catalog.Indicator]:
    """Catalogue indicators a target can be generated for (one measure, higher or lower)."""
    return [i for i in catalog.all_indicators()
            if i.direction in ("higher", "lower") and not i.fused]


def fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def series_values(rng: random.Random, indicator: catalog.Indicator) -> dict[int, float]:
    """Six smooth GENERATED yearly values (2020–2025) well inside the indicator's bounds:
    at most about 1 % of the plausible range a year (under the import's jump limit)."""
    low, high = indicator.bounds
    span = high - low
    sign = 1.0 if indicator.direction == "higher" else -1.0
    if indicator.unit == "岁":  # life expectancies: jumps are limited to 1 岁 a year
        level, step, noise = rng.uniform(70, 82), rng.uniform(-0.1, 0.4), 0.1
    else:
        level, step, noise = (low + span * rng.uniform(0.35, 0.65),
                              span * rng.uniform(-0.002, 0.008), span * 0.001)
    out = {}
    for year in YEARS:
        out[year] = round(level, 2)
        level += sign * step + rng.gauss(0, noise)
    return out


def target_text(rng: random.Random, indicator: catalog.Indicator,
                values: dict[int, float]) -> str:
    """≥X / ≤X mostly, some X左右, a few relative to the 2020 baseline (not vectorised)."""
    low, high = indicator.bounds
    draw = rng.random()
    if draw < 0.1:
        return f"在{BASE_YEAR}年基础上{'提高' if indicator.direction == 'higher' else '下降'}5%"
    goal = values[END] + rng.gauss(0, (high - low) * 0.01)
    goal = min(max(goal, low + (high - low) * 0.05), high - (high - low) * 0.05)
    if draw < 0.3:
        return f"{fmt(goal)}左右"
    return f"{'≥' if indicator.direction == 'higher' else '≤'}{fmt(goal)}"


class National:
    """The generated national-scale data set: plans, targets, series and held-out rows."""

    def __init__(self, regions: list[Region], nation_id: int, *, per_plan: int,
                 import_rows: int, seed: int = 2026):
        rng = random.Random(seed)
        pool = eligible_indicators()
        self.regions = regions
        self.nation_id = nation_id
        self.targets: dict[int, list[dict]] = {}  # region id → target rows (no plan id yet)
        self.series: list[tuple[int, str, str, dict[int, float]]] = []  # region, ind, unit, values
        rules: dict[tuple, dict] = {}
        for region in regions:
            rows = []
            for position, indicator in enumerate(rng.sample(pool, per_plan), start=1):
                values = series_values(rng, indicator)
                goal = target_text(rng, indicator, values)
                key = (goal, indicator.direction, indicator.unit,
                       values[BASE_YEAR] if goal.startswith("在") else None)
                if key not in rules:
                    rules[key] = parse_target(
                        goal, direction=indicator.direction, baseline=values[BASE_YEAR],
                        baseline_year=BASE_YEAR, target_year=END, unit=indicator.unit).to_json()
                rows.append({
                    "position": position, "table_caption": "主要指标（生成数据）",
                    "seq": str(position), "name": indicator.name, "unit": indicator.unit,
                    "indicator_id": indicator.id, "match_method": "exact",
                    "baseline_text": fmt(values[BASE_YEAR]), "baseline_value": values[BASE_YEAR],
                    "baseline_year": BASE_YEAR, "target_text": goal, "target_year": END,
                    "attribute": "约束性" if rng.random() < 0.3 else "预期性",
                    "rule": rules[key], "line_start": position, "line_end": position,
                })
                self.series.append((region.id, indicator.id, indicator.unit, values))
            self.targets[region.id] = rows
        for indicator in pool:  # the national benchmark figures
            self.series.append((nation_id, indicator.id, indicator.unit,
                                series_values(rng, indicator)))
        # Held out for the import: every 2025 value of the regions, then 2024 values.
        keys = [(year, rng.random(), k) for k, (rid, *_) in enumerate(self.series)
                if rid != nation_id for year in (END, END - 1)]
        keys.sort(key=lambda k: (-k[0], k[1]))
        self.held_out = {(k, year) for year, _, k in keys[:import_rows]}

    @property
    def observation_count(self) -> int:
        return len(self.series) * len(YEARS)

    def stored_rows(self, user_id: int):
        """Observation rows for the build (all but the held-out ones), in chunks."""
        chunk = []
        for k, (region_id, indicator_id, unit, values) in enumerate(self.series):
            for year, value in values.items():
                if (k, year) in self.held_out:
                    continue
                chunk.append({"region_id": region_id, "indicator_id": indicator_id,
                              "year": year, "version": 1, "value": value, "unit": unit,
                              "source": SOURCE, "note": NOTE, "recorded_by": user_id})
                if len(chunk) == CHUNK:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def write_csv(self, path: Path) -> int:
        codes = {r.id: r.code for r in self.regions}
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(["region", "indicator", "year", "value", "source", "note"])
            for k, year in sorted(self.held_out):
                region_id, indicator_id, _, values = self.series[k]
                out.writerow([codes[region_id], indicator_id, year, fmt(values[year]),
                              SOURCE, NOTE])
        return len(self.held_out)


def planned_regions(session, limit: int | None) -> tuple[list[Region], int]:
    """The cities and counties (the first ``limit`` in code order), and the nation's id."""
    regions = list(session.scalars(select(Region).where(Region.level.in_(("city", "county")))
                                   .order_by(Region.code)))
    nation_id = session.scalar(select(Region.id).where(Region.level == "nation"))
    return (regions[:limit] if limit else regions), nation_id


# --------------------------------------------------------------------------- build


def build(db, data: National, user_id: int) -> dict[str, float]:
    """Insert the generated plans, targets and observations (minus the held-out rows)."""
    times = {}
    t0 = time.perf_counter()
    with db.session() as session:
        levels = {r.id: r.level for r in data.regions}
        parents = {r.id: r.parent_id for r in data.regions}
        plan_ids: dict[int, int] = {}
        for level in ("city", "county"):  # cities first: a county plan points at its city's
            rows = [{
                "region_id": r.id, "title": TITLE.format(name=r.name), "period_start": START,
                "period_end": END, "status": "final", "origin": "document",
                "issuer": "（生成数据，非真实文件）", "source_name": "generated",
                "source_format": "generated",
                "source_sha256": hashlib.sha256(f"generated:{r.code}".encode()).hexdigest(),
                "parent_id": plan_ids.get(parents[r.id]), "loaded_by": user_id,
            } for r in data.regions if levels[r.id] == level]
            if rows:
                session.execute(insert(Plan), rows)
            plan_ids.update((region_id, plan_id) for region_id, plan_id
                            in session.execute(select(Plan.region_id, Plan.id)))
        targets = [{**row, "plan_id": plan_ids[region_id]}
                   for region_id, rows in data.targets.items() for row in rows]
        for start in range(0, len(targets), CHUNK):
            session.execute(insert(Target), targets[start:start + CHUNK])
    times["plans + targets"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with db.session() as session:
        for chunk in data.stored_rows(user_id):
            session.execute(insert(Observation), chunk)
    times["observations"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    analyse(db)
    times["vacuum analyze"] = time.perf_counter() - t0
    return times


def analyse(db) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum would after a bulk load or a bulk delete
    (done now so that every run sees the same statistics). SQLite: nothing (the
    application never runs ANALYZE)."""
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def undo_import(db, batch_id: int) -> None:
    with db.session() as session:
        session.execute(delete(Observation).where(Observation.import_id == batch_id))
        session.execute(delete(AuditEntry).where(AuditEntry.object_type == "import",
                                                 AuditEntry.object_id == batch_id))
        session.execute(delete(ImportBatch).where(ImportBatch.id == batch_id))
    analyse(db)


# --------------------------------------------------------------------------- timing


def median_of(times: list[float]) -> str:
    return (f"median {statistics.median(times):.3f} s of {len(times)} "
            f"(min {min(times):.3f}, max {max(times):.3f})")


def run(db, args, label: str) -> dict:
    print(f"\n== {label}: {db.describe()}")
    with db.session() as session:
        regions, nation_id = planned_regions(session, args.regions)
        user = User(name="bench", display_name="基准测试（生成数据）", role="admin")
        session.add(user)
        session.flush()
        user_id = user.id
    t0 = time.perf_counter()
    data = National(regions, nation_id, per_plan=args.indicators, import_rows=args.rows)
    generated = time.perf_counter() - t0
    build_times = build(db, data, user_id)
    n_targets = sum(len(rows) for rows in data.targets.values())
    print(f"build: {len(regions):,} GENERATED plans, {n_targets:,} targets, "
          f"{data.observation_count - len(data.held_out):,} GENERATED observations "
          f"(+{len(data.held_out):,} held out for the import) in "
          f"{generated + sum(build_times.values()):.1f} s (generating {generated:.1f} s, "
          + ", ".join(f"{k} {v:.1f} s" for k, v in build_times.items()) + ")")
    result: dict = {"label": label, "build": generated + sum(build_times.values())}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated_observations.csv"
        rows = data.write_csv(path)
        times = []
        for k in range(args.repeat_import):
            t0 = time.perf_counter()
            imported = import_observations(db, path, user_id=user_id)
            times.append(time.perf_counter() - t0)
            assert imported.added == rows and not imported.warnings, imported.summary()
            print(f"  import run {k + 1}: {times[-1]:.2f} s ({rows / times[-1]:,.0f} rows/s)")
            if k < args.repeat_import - 1:
                undo_import(db, imported.batch_id)
    result["import"] = statistics.median(times)
    result["import_rows"] = rows
    print(f"import of {rows:,} GENERATED rows (CSV, import_observations, no warnings): "
          f"{median_of(times)}; {rows / result['import']:,.0f} rows/s")

    times = []
    for _ in range(args.repeat_eval):
        with db.session() as session:
            t0 = time.perf_counter()
            verdicts = evaluate_all_plans(session, EVAL_YEAR)
            times.append(time.perf_counter() - t0)
    counts = Counter(v for by_target in verdicts.values() for v in by_target.values())
    evaluated = sum(counts.values())
    assert evaluated == n_targets, (evaluated, n_targets)
    result["evaluate_all"] = statistics.median(times)
    result["plans"], result["targets"] = len(verdicts), evaluated
    print(f"evaluate_all_plans({EVAL_YEAR}): {len(verdicts):,} plans, {evaluated:,} targets: "
          f"{median_of(times)}; generated verdicts: "
          + ", ".join(f"{k} {v}" for k, v in counts.most_common()))

    with db.session() as session:
        county = session.scalar(select(Plan.id).join(Region, Plan.region_id == Region.id)
                                .where(Region.level == "county").order_by(Plan.id))
        city = session.scalar(select(Plan.id).where(
            Plan.id.in_(select(Plan.parent_id).where(Plan.parent_id.is_not(None))))
            .order_by(Plan.id))
    for name, plan_id in (("county plan", county), ("city plan + its counties", city)):
        if plan_id is None:
            continue
        times = []
        for _ in range(args.repeat_plan):
            with db.session() as session:
                t0 = time.perf_counter()
                evaluation = evaluate_stored_plan(session, plan_id, EVAL_YEAR)
                times.append(time.perf_counter() - t0)
        result[name] = statistics.median(times)
        print(f"evaluate_stored_plan({EVAL_YEAR}), {name}: plan {plan_id}, "
              f"{len(evaluation.targets)} targets, {len(evaluation.children)} child plans: "
              f"{median_of(times)}")
    return result


def open_postgresql(url: str, schema: str):
    """The bench's own schema on the server (dropped first if left over), or None."""
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            version = conn.scalar(text("SHOW server_version"))
    except OperationalError as exc:
        admin.dispose()
        print(f"\nPostgreSQL skipped: cannot connect to {url} "
              f"({str(exc.orig).strip().splitlines()[0]})")
        return None, None
    sep = "&" if "?" in url else "?"
    db = open_database(f"{url}{sep}options=-csearch_path%3D{schema}")
    print(f"\nPostgreSQL {version}")
    return db, admin


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=None,
                    help="plan only the first N cities and counties (default: all)")
    ap.add_argument("--indicators", type=int, default=30, help="targets per plan")
    ap.add_argument("--rows", type=int, default=100_000, help="rows imported (at most "
                    "2 per target: its 2025 and 2024 values)")
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--pg-schema", default="hp_bench")
    ap.add_argument("--repeat-import", type=int, default=3)
    ap.add_argument("--repeat-eval", type=int, default=5)
    ap.add_argument("--repeat-plan", type=int, default=20)
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}; everything below "
          "runs on GENERATED data (labelled in titles and sources), not real figures")
    results = []
    for kind in args.db.split(","):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                db = open_database(f"sqlite:///{tmp}/bench.sqlite3")
                try:
                    results.append(run(db, args, "SQLite"))
                finally:
                    db.close()
        elif kind == "postgresql":
            db, admin = open_postgresql(args.pg_url, args.pg_schema)
            if db is None:
                continue
            try:
                results.append(run(db, args, "PostgreSQL"))
            finally:
                db.close()
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{args.pg_schema}" CASCADE'))
                admin.dispose()
        else:
            ap.error(f"unknown database {kind!r} (sqlite, postgresql)")
    report(results)


def report(results: list[dict]) -> None:
    if not results:
        return
    rows = [("build (bulk inserts, not the headline)", "build", "s"),
            ("import (median)", "import", "s"), ("import rows/s", "rate", ""),
            ("evaluate_all_plans (median)", "evaluate_all", "s"),
            ("evaluate_stored_plan, county (median)", "county plan", "ms"),
            ("evaluate_stored_plan, city + counties (median)", "city plan + its counties", "ms")]
    for r in results:
        r["rate"] = r["import_rows"] / r["import"]
    print("\n" + f"{'':48}" + "".join(f"{r['label']:>14}" for r in results)
          + ("   SQLite/PostgreSQL" if len(results) == 2 else ""))
    for name, key, unit in rows:
        if not all(key in r for r in results):
            continue
        cells = [r[key] * (1000 if unit == "ms" else 1) for r in results]
        line = f"{name:48}" + "".join(
            f"{c:>12,.0f}  " if key == "rate" else f"{c:>11.3f} {unit:2}" for c in cells)
        if len(cells) == 2:
            line += f"   {cells[0] / cells[1]:.2f}"
        print(line)
    r = results[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"({r['plans']:,} plans, {r['targets']:,} targets, {r['import_rows']:,} rows imported; "
          f"peak memory of this process {peak:,.0f} MiB)")


if __name__ == "__main__":
    main()
