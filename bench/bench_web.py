"""The plan dashboard API under load: a real server (uvicorn, on loopback) and `wrk`
with 20 concurrent connections asking for plans' evaluations and summaries.

Two databases (SQLite files, made in a temporary folder):

* demo — the five sample plans and the national bulletin figures (``healthplan demo``);
* national — GENERATED, labelled data at national scale, made by bench_storage.py's
  generator: every city and county (3,185 regions) gets a plan of 30 targets with six
  years of generated values (titles and sources say 【生成数据】 / 生成数据).

For each, the requests go round-robin-at-random over a set of plans, half
``GET /api/v1/plans/{id}/evaluation`` and half ``GET /api/v1/plans/{id}/summary``, with
a viewer's bearer token. Two phases per database:

* cold — the first request for each plan after the server starts (or after the data
  change): the evaluation is computed; measured by a Python client, one request at a
  time per plan, 20 at once;
* warm — the steady state of a dashboard whose data have not changed since it was last
  looked at: ``wrk -c 20`` for ``--duration`` seconds after a warm-up pass over the
  plans, latency percentiles from wrk's histogram.

    .venv/bin/python bench/bench_web.py [--db demo,national] [--workers 2] [--duration 20]
        [--regions N] [--plans 200]

Needs ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("BENCH_TOKEN")
math.randomseed(os.time())
request = function()
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d "
    .. "p50=%d p90=%d p95=%d p99=%d max=%d\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_demo(path: Path) -> None:
    from healthplan.demo import build_demo
    from healthplan.store.database import open_database
    from healthplan.store.users import ensure_user

    db = open_database(f"sqlite:///{path}")
    build_demo(db, ensure_user(db.sessions, "bench"))
    db.close()


def make_national(path: Path, regions: int | None) -> None:
    from bench_storage import National, build, planned_regions

    from healthplan.store.database import open_database
    from healthplan.store.models import User

    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        chosen, nation_id = planned_regions(session, regions)
        user = User(name="bench", display_name="基准测试（生成数据）", role="admin")
        session.add(user)
        session.flush()
        user_id = user.id
    data = National(chosen, nation_id, per_plan=30, import_rows=0)
    build(db, data, user_id)
    db.close()


def viewer_token(path: Path) -> str:
    from sqlalchemy import select

    from healthplan.store.database import open_database
    from healthplan.store.models import User
    from healthplan.store.users import add_user, issue_token

    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == "bench_viewer"))
        if user is None:
            user = add_user(session, "bench_viewer", "bench-password-not-secret", role="viewer")
        token = issue_token(session, user, "bench")
    db.close()
    return token


def plan_ids(path: Path, count: int, seed: int = 7) -> tuple[list[int], int]:
    """A random sample of ``count`` current plans (all when fewer), and how many there are."""
    from sqlalchemy import select

    from healthplan.store.database import open_database
    from healthplan.store.models import Plan
    from healthplan.store.plans import superseded_ids

    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        ids = sorted(set(session.scalars(select(Plan.id))) - superseded_ids(session))
    db.close()
    rng = random.Random(seed)
    return (ids if len(ids) <= count else sorted(rng.sample(ids, count))), len(ids)


class Server:
    def __init__(self, db_path: Path, workers: int):
        self.port = free_port()
        env = {**os.environ, "HEALTHPLAN_DATABASE_URL": f"sqlite:///{db_path}",
               "HEALTHPLAN_SECRET_KEY": "bench-secret-not-for-production"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "healthplan.web.server:app_from_environment",
             "--factory", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            env=env)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("the server did not start")
        time.sleep(1.0 if workers > 1 else 0.3)  # every worker up

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def _timed_requests(base: str, token: str, paths: list[str], concurrency: int
                          ) -> list[float]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    queue = list(paths)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:

        async def worker():
            while queue:
                path = queue.pop()
                t0 = time.perf_counter()
                r = await client.get(path)
                times.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def cold_pass(base: str, token: str, ids: list[int], concurrency: int) -> list[float]:
    """Each plan's evaluation once (a cache miss in whichever worker answers), then its
    summary; 20 at a time. Run in a separate process from the server (this one)."""
    paths = [f"/api/v1/plans/{i}/evaluation" for i in ids]
    return asyncio.run(_timed_requests(base, token, paths, concurrency))


def warm_up(base: str, token: str, ids: list[int], workers: int) -> None:
    paths = [f"/api/v1/plans/{i}/{what}" for i in ids for what in ("evaluation", "summary")]
    asyncio.run(_timed_requests(base, token, paths * (10 * workers), 20))


def run_wrk(base: str, token: str, ids: list[int], duration: int, connections: int,
            threads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "dashboard.lua"
        script.write_text(WRK_SCRIPT)
        paths_file = Path(tmp) / "paths.txt"
        paths_file.write_text("".join(f"/api/v1/plans/{i}/{what}\n" for i in ids
                                      for what in ("evaluation", "summary")))
        env = {**os.environ, "BENCH_PATHS": str(paths_file), "BENCH_TOKEN": token}
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections),
                              "-d", f"{duration}s", "--timeout", "10s", "-s", str(script), base],
                             env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    fields = dict(item.split("=") for item in line.split()[1:])
    n = int(fields["requests"])
    return {"requests": n, "rate": n / (int(fields["duration_us"]) / 1e6),
            "errors": int(fields["errors"]), "non2xx": int(fields["non2xx"]),
            **{k: int(fields[k]) / 1000 for k in ("p50", "p90", "p95", "p99", "max")}}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
    return values[k]


def bench(label: str, path: Path, args) -> dict:
    token = viewer_token(path)
    ids, total = plan_ids(path, args.plans)
    print(f"\n== {label}: {total:,} current plans; the load goes over {len(ids)} of them")
    result: dict = {"label": label, "plans": total, "sampled": len(ids)}
    server = Server(path, args.workers)
    try:
        cold = cold_pass(server.base, token, ids, args.clients)
        result["cold"] = {"n": len(cold), "p50": statistics.median(cold) * 1000,
                          "p95": percentile(cold, 95) * 1000, "p99": percentile(cold, 99) * 1000,
                          "max": max(cold) * 1000}
        print("cold (first evaluation of each plan, {n} requests, 20 at once): median "
              "{p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max:.1f} ms"
              .format(**result["cold"]))
        warm_up(server.base, token, ids, args.workers)
        runs = []
        for k in range(args.repeat):
            runs.append(run_wrk(server.base, token, ids, args.duration, args.clients,
                                args.wrk_threads))
            r = runs[-1]
            print(f"warm run {k + 1} (wrk -c {args.clients}, {args.duration} s): "
                  f"{r['requests']:,} requests, {r['rate']:,.0f} req/s, median {r['p50']:.1f} ms, "
                  f"p90 {r['p90']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, "
                  f"max {r['max']:.1f} ms, errors {r['errors']}, non-2xx {r['non2xx']}")
        result["warm"] = runs
    finally:
        server.stop()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="demo,national")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--clients", type=int, default=20, help="concurrent connections")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    ap.add_argument("--repeat", type=int, default=3, help="wrk runs per database")
    ap.add_argument("--plans", type=int, default=200,
                    help="plans the load goes over (a random sample; all when fewer)")
    ap.add_argument("--regions", type=int, default=None,
                    help="national: plan only the first N cities and counties (default all)")
    ap.add_argument("--keep", default=None, help="folder to keep the databases in (reused)")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_web.py needs wrk (apt-get install wrk)")
    print(f"python {platform.python_version()}; {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.2f}; server: uvicorn, {args.workers} worker(s); "
          f"load: wrk, {args.clients} connections")
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for kind in args.db.split(","):
            path = folder / f"{kind}.sqlite3"
            if not path.exists():
                t0 = time.perf_counter()
                if kind == "demo":
                    make_demo(path)
                elif kind == "national":
                    make_national(path, args.regions)
                else:
                    ap.error(f"unknown database {kind!r} (demo, national)")
                print(f"built {kind} database in {time.perf_counter() - t0:.1f} s"
                      + (" (GENERATED data, labelled)" if kind == "national" else ""))
            results.append(bench(kind, path, args))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print("\nwarm (median of the wrk runs' figures):")
    for r in results:
        warm = r["warm"]
        print(f"  {r['label']:9} median {statistics.median(w['p50'] for w in warm):.1f} ms, "
              f"p95 {statistics.median(w['p95'] for w in warm):.1f} ms, "
              f"p99 {statistics.median(w['p99'] for w in warm):.1f} ms, "
              f"{statistics.median(w['rate'] for w in warm):,.0f} req/s; load average now "
              f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
