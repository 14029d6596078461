"""How long the final evaluation report of one plan takes (target: under 3 s).

Builds the demo database (the five sample plans and the national bulletin figures; real,
sourced data — nothing generated) in a temporary SQLite file, then for every plan
produces its final report (``kind="final"``) in each format, in-process:
``build_report`` + the writer (charts included), median of ``--repeat`` runs. It also
times the whole command, ``healthplan report --kind final`` in a new process (start-up,
opening the database and writing the file included), median of 3.

    .venv/bin/python bench/bench_reports.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from healthplan.demo import build_demo
from healthplan.reports import write_report
from healthplan.reports.content import build_report
from healthplan.store.database import open_database


def timed(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        db = open_database(url)
        plans = [s.plan for s in build_demo(db, None).plans]
        # The first chart pays for importing matplotlib and loading the font: once.
        with db.session() as session:
            write_report(build_report(session, plans[0].id, "final"), f"{folder}/warm.docx", "docx")
        print(f"{'plan':<44} {'indicators':>10} {'docx':>8} {'html':>8} {'xlsx':>8} {'command':>9}")
        for plan in plans:
            row = []
            for fmt in ("docx", "html", "xlsx"):
                def work(fmt=fmt, plan=plan):
                    with db.session() as session:
                        report = build_report(session, plan.id, "final")
                    write_report(report, f"{folder}/p{plan.id}.{fmt}", fmt)
                row.append(timed(work, args.repeat))
            command = [sys.executable, "-m", "healthplan", "--db", url, "report", "--plan",
                       str(plan.id), "--kind", "final", "-o", f"{folder}/c{plan.id}.docx"]
            whole = timed(lambda command=command: subprocess.run(command, check=True,
                                                                 capture_output=True), 3)
            with db.session() as session:
                n = len(build_report(session, plan.id, "final").indicators)
            name = f"{plan.id} {plan.region.name} {plan.period}"
            print(f"{name:<44} {n:>10} {row[0]:>7.2f}s {row[1]:>7.2f}s {row[2]:>7.2f}s "
                  f"{whole:>8.2f}s")
        db.close()
    print(Path(__file__).name, "done")


if __name__ == "__main__":
    main()
