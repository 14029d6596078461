"""Reporting rounds at province scale on PostgreSQL: open a round over every region of a
province (its cities and counties), read the board, bulk-approve.

The plans and values are GENERATED and labelled so (titles start with 【生成数据】, sources
say 生成的基准测试数据): one plan per region of 江苏省 with 30 catalogue indicators each,
and a 2025 value for every indicator of every region. Runs in a schema of its own that is
dropped afterwards.

    PYTHONPATH=src .venv/bin/python bench/bench_rounds.py [--runs 5] [--server postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pg_helpers import postgres_schema  # noqa: E402

LABEL = "【生成数据】"
SOURCE = "生成的基准测试数据（非真实数值）"


def build(db, province_code: str = "320000", indicators: int = 30):
    from sqlalchemy import select

    from healthplan import catalog
    from healthplan.permissions import Principal
    from healthplan.store.models import Plan, Region, Target, User
    from healthplan.store.observations import NewObservation, record
    from healthplan.store.rounds import descendants

    ids = [i.id for i in catalog.load_catalog().indicators if not i.fused][:indicators]
    with db.session() as session:
        province = session.scalar(select(Region).where(Region.code == province_code))
        regions = [province, *descendants(session, province)]
        admin = User(name="bench_admin", role="admin")
        session.add(admin)
        session.flush()
        plans = {}
        for k, region in enumerate(regions):
            plan = Plan(region_id=region.id, title=f"{LABEL}{region.name}卫生健康规划",
                        period_start=2021, period_end=2025, status="final",
                        source_name=f"generated-{region.code}.txt", source_format="txt",
                        source_sha256=f"{k:064d}",
                        parent_id=plans[region.parent_id].id if region.parent_id in plans else None)
            session.add(plan)
            session.flush()
            plans[region.id] = plan
            session.add_all(Target(plan_id=plan.id, position=n, name=i, indicator_id=i,
                                   rule={"kind": "needs_judgement"}, line_start=n, line_end=n)
                            for n, i in enumerate(ids))
        cat = catalog.load_catalog()
        items = []
        for k, region in enumerate(regions):
            for n, i in enumerate(ids):
                low, high = cat.get(i).bounds
                span = (high - low) if high < 1e9 else 100
                items.append(NewObservation(region.id, i, 2025,
                                            round(low + span * (0.3 + 0.001 * ((k * 7 + n) % 50)), 3),
                                            SOURCE))
        record(session, items, user_id=admin.id)
        me = Principal(admin.id, admin.name, "admin", None)
        return me, plans[province.id].id, len(regions), len(ids)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    from healthplan.store import rounds as store
    from healthplan.store.database import open_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    results: dict[str, list[float]] = {"open": [], "board": [], "bulk approve": []}
    with postgres_schema(args.server, "hp_bench") as url:
        db = open_database(url)
        me, plan_id, n_regions, n_indicators = build(db)
        print(f"{n_regions} regions × {n_indicators} indicators (generated, labelled)")
        for year in range(2021, 2021 + args.runs):
            holder = {}

            def open_it(year=year, holder=holder):
                with db.session() as session:
                    holder["id"] = store.open_round(session, me, plan_id=plan_id, year=year,
                                                    deadline=date(year, 12, 31),
                                                    subregions=True).id
            results["open"].append(timed(open_it))
            round_id = holder["id"]
            # every task submitted (2025 values are there for the round of 2025 only; the
            # others are submitted with their values marked present through the 2025 data)
            with db.session() as session:
                from sqlalchemy import update

                from healthplan.store.models import ReportTask
                session.execute(update(ReportTask).where(ReportTask.round_id == round_id)
                                .values(status="submitted"))

            def read_board(round_id=round_id):
                with db.session() as session:
                    rows = store.board(session, round_id)
                    store.round_rates(rows)
                    assert len(rows) == n_regions
            results["board"].append(timed(read_board))

            def approve_all(round_id=round_id):
                with db.session() as session:
                    approved, skipped = store.bulk_approve(session, me, round_id)
                    assert len(approved) == n_regions, (len(approved), skipped[:3])
            results["bulk approve"].append(timed(approve_all))
        db.close()
    for name, times in results.items():
        print(f"{name:>13}: median {statistics.median(times) * 1000:.0f} ms "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {len(times)} runs)")


if __name__ == "__main__":
    main()
