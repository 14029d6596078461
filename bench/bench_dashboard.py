"""The dashboard page under load beside the evaluation API, in the same run: a real
server (uvicorn, ``--workers`` processes) and two ``wrk`` processes at once — half the
connections ask for plans' dashboard pages (``GET /plans/{id}``, a viewer's session
cookie), half for their evaluations (``GET /api/v1/plans/{id}/evaluation``, a bearer
token) — after a warm-up pass over the plans.

Databases as bench_web.py makes them: demo, and national (GENERATED, labelled: 3,185
plans of 30 targets with six years of generated values).

    .venv/bin/python bench/bench_dashboard.py [--db demo,national] [--workers 2]
        [--clients 20] [--duration 15] [--plans 200] [--keep DIR]

To measure another checkout's code (e.g. before a change), run with
PYTHONPATH=that/src: the server inherits it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_web import WRK_SCRIPT, Server, make_demo, make_national, plan_ids  # noqa: E402

COOKIE_SCRIPT = WRK_SCRIPT.replace(
    '{["Authorization"] = "Bearer " .. token}', '{["Cookie"] = token}')
PASSWORD = "bench-password-not-secret-1"


def viewer(path: Path) -> str:
    from sqlalchemy import select

    from healthplan.store.database import open_database
    from healthplan.store.models import User
    from healthplan.store.users import add_user, issue_token

    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == "bench_page_viewer"))
        if user is None:
            user = add_user(session, "bench_page_viewer", PASSWORD, role="viewer")
        token = issue_token(session, user, "bench")
    db.close()
    return token


def cookie(base: str) -> str:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        r = client.post("/login", data={"username": "bench_page_viewer", "password": PASSWORD,
                                        "csrf": csrf, "next": "/"})
        assert r.status_code in (200, 303), r.status_code
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def wrk(base, script, secret, paths, duration, connections, out, key):
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "s.lua").write_text(script)
        (Path(tmp) / "p.txt").write_text("".join(p + "\n" for p in paths))
        env = {**os.environ, "BENCH_PATHS": str(Path(tmp) / "p.txt"), "BENCH_TOKEN": secret}
        text = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s",
                               "--timeout", "10s", "-s", str(Path(tmp) / "s.lua"), base],
                              env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in text.splitlines() if x.startswith("RESULT"))
    f = dict(item.split("=") for item in line.split()[1:])
    out[key] = {"requests": int(f["requests"]), "non2xx": int(f["non2xx"]),
                "errors": int(f["errors"]),
                "rate": int(f["requests"]) / (int(f["duration_us"]) / 1e6),
                **{k: int(f[k]) / 1000 for k in ("p50", "p95", "p99")}}


async def _warm(base, headers, paths) -> float:
    """One pass over ``paths``, 8 at a time; the slowest answer (s)."""
    import httpx

    slowest = 0.0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as client:
        queue = list(paths)

        async def one():
            nonlocal slowest
            while queue:
                t0 = time.perf_counter()
                r = await client.get(queue.pop())
                slowest = max(slowest, time.perf_counter() - t0)
                assert r.status_code == 200, r.status_code

        await asyncio.gather(*(one() for _ in range(8)))
    return slowest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="demo,national")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--plans", type=int, default=200)
    ap.add_argument("--keep", default=None)
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-dash-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; uvicorn "
          f"{args.workers} workers; wrk {args.clients // 2} + {args.clients // 2} connections")
    for kind in args.db.split(","):
        path = folder / f"{kind}.sqlite3"
        if not path.exists():
            (make_demo if kind == "demo" else lambda p: make_national(p, None))(path)
        token = viewer(path)
        ids, total = plan_ids(path, args.plans)
        server = Server(path, args.workers)
        try:
            session = cookie(server.base)
            pages = [f"/plans/{i}" for i in ids]
            api = [f"/api/v1/plans/{i}/evaluation" for i in ids]
            t0 = time.perf_counter()
            # until every worker has every plan: passes until none answers slowly
            for _ in range(16):
                slow = max(asyncio.run(_warm(server.base, {"Cookie": session}, pages)),
                           asyncio.run(_warm(server.base, {"Authorization": f"Bearer {token}"},
                                             api)))
                if slow < 0.25:
                    break
            warm_s = time.perf_counter() - t0
            out: dict = {}
            half = args.clients // 2
            threads = [threading.Thread(target=wrk, args=(server.base, COOKIE_SCRIPT, session,
                                                          pages, args.duration, half, out, "page")),
                       threading.Thread(target=wrk, args=(server.base, WRK_SCRIPT, token, api,
                                                          args.duration, half, out, "api"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            server.stop()
        print(f"== {kind}: {total:,} plans, load over {len(ids)}; warm-up {warm_s:.0f} s")
        for key, label in (("page", "dashboard page"), ("api", "evaluation API")):
            r = out[key]
            print(f"  {label:15} {r['requests']:,} requests, {r['rate']:,.0f}/s, median "
                  f"{r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, "
                  f"non-2xx {r['non2xx']}, errors {r['errors']}")


if __name__ == "__main__":
    main()
