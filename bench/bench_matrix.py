"""The regional matrix at province size, in-process: GENERATED, labelled plans (bench_storage.py's
generator: titles and sources say 【生成数据】 / 生成数据), ``--children`` county plans
(default 120) re-pointed at one city plan so that it has that many subordinate regions ×
30 indicators × six years of generated values.

Times ``store.matrix.plan_matrix`` (cold: every verdict for every year evaluated) and
``GET /api/v1/plans/{id}/matrix`` through the app (warm: cached on the data version),
median of ``--repeat`` runs.

    .venv/bin/python bench/bench_matrix.py [--regions 600] [--children 120] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=600)
    ap.add_argument("--children", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    from bench_web import make_national
    from fastapi.testclient import TestClient
    from sqlalchemy import select, update

    from healthplan.store.database import open_database
    from healthplan.store.matrix import plan_matrix
    from healthplan.store.models import Plan, Region
    from healthplan.store.users import add_user, issue_token
    from healthplan.web.app import create_app
    from healthplan.web.settings import Settings

    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "national.sqlite3"
        t0 = time.perf_counter()
        make_national(path, args.regions)
        print(f"built the GENERATED database ({args.regions} regions) in {time.perf_counter() - t0:.0f} s")
        db = open_database(f"sqlite:///{path}")
        with db.session() as session:
            city = session.scalar(select(Plan).join(Region, Region.id == Plan.region_id)
                                  .where(Region.level == "city").order_by(Region.code))
            counties = list(session.scalars(select(Plan.id).join(Region, Region.id == Plan.region_id)
                                            .where(Region.level == "county").order_by(Region.code)
                                            .limit(args.children)))
            session.execute(update(Plan).where(Plan.id.in_(counties)).values(parent_id=city.id))
            city_id = city.id
            token = issue_token(session, add_user(session, "bench_viewer", "bench-password-x1",
                                                  role="viewer"), "bench")
        cold = []
        for _ in range(args.repeat):
            with db.session() as session:
                t0 = time.perf_counter()
                m = plan_matrix(session, city_id)
                cold.append(time.perf_counter() - t0)
        from healthplan.store.matrix import watch_list

        with db.session() as session:
            t0 = time.perf_counter()
            red = watch_list(session, None)
            watch = time.perf_counter() - t0
        print(f"watch list over every plan (cold): {len(red)} red binding items in {watch:.1f} s")
        print(f"matrix: {len(m.rows)} regions × {len(m.columns)} indicators, year {m.year}")
        app = create_app(db, Settings(secret_key="bench-secret-" + "x" * 32))
        warm = []
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            first = time.perf_counter()
            assert client.get(f"/api/v1/plans/{city_id}/matrix", headers=headers).status_code == 200
            first = time.perf_counter() - first
            for _ in range(args.repeat * 3):
                t0 = time.perf_counter()
                r = client.get(f"/api/v1/plans/{city_id}/matrix", headers=headers)
                warm.append(time.perf_counter() - t0)
                assert r.status_code == 200
        print(f"plan_matrix (cold, in-process): median {statistics.median(cold) * 1000:.0f} ms "
              f"(min {min(cold) * 1000:.0f}, max {max(cold) * 1000:.0f})")
        print(f"GET matrix first request (computes, JSON): {first * 1000:.0f} ms")
        print(f"GET matrix warm (cached): median {statistics.median(warm) * 1000:.1f} ms "
              f"(max {max(warm) * 1000:.1f})")
        db.close()


if __name__ == "__main__":
    main()
