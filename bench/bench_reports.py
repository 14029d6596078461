"""How long the final evaluation report of one plan takes (target: under 3 s).

Builds the demo database (the five sample plans and the national bulletin figures; real,
sourced data — nothing generated) in a temporary SQLite file, then for every plan and
every format (docx, html, xlsx) times the final report (``kind="final"``):

* in-process: ``build_report`` + ``write_report`` (charts included), median of
  ``--repeat`` runs, after one warm-up report per format that pays for importing
  matplotlib, python-docx … once;
* the whole command: ``healthplan report --plan N --kind final --format F --out FILE``
  in a new process (start-up, opening the database, charts and writing the file
  included), median of ``--command-repeat`` runs. The runs go round the plans and
  formats rather than repeating one command back to back, so that a burst of load from
  other work on the machine spreads over all of them.

    .venv/bin/python bench/bench_reports.py [--repeat 5] [--command-repeat 5]

Prints one line per plan and a Markdown table of the medians, with the load average
before and after (the machine is shared).
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

FORMATS = ("docx", "html", "xlsx")


def median_time(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="in-process runs per report")
    parser.add_argument("--command-repeat", type=int, default=5,
                        help="runs of the command per plan and format")
    parser.add_argument("--no-command", action="store_true", help="in-process only")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"load average {load()}")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        db = open_database(url)
        plans = [(s.plan.id, f"{s.plan.id} {s.plan.region.name} {s.plan.period}")
                 for s in build_demo(db, None).plans]

        def report(plan_id: int, fmt: str) -> None:
            with db.session() as session:
                content = build_report(session, plan_id, "final")
            write_report(content, f"{folder}/p{plan_id}.{fmt}", fmt)

        for fmt in FORMATS:  # warm-up: imports, font, the first chart
            report(plans[0][0], fmt)
        inprocess: dict[tuple[int, str], float] = {}
        indicators: dict[int, int] = {}
        for plan_id, _ in plans:
            with db.session() as session:
                indicators[plan_id] = len(build_report(session, plan_id, "final").indicators)
            for fmt in FORMATS:
                inprocess[plan_id, fmt] = median_time(lambda p=plan_id, f=fmt: report(p, f),
                                                      args.repeat)
        db.close()

        command: dict[tuple[int, str], float] = {}
        if not args.no_command:
            runs: dict[tuple[int, str], list[float]] = {}
            for _ in range(args.command_repeat):
                for plan_id, _ in plans:
                    for fmt in FORMATS:
                        argv = [sys.executable, "-m", "healthplan", "--db", url, "report",
                                "--plan", str(plan_id), "--kind", "final", "--format", fmt,
                                "--out", f"{folder}/c{plan_id}.{fmt}"]
                        start = time.perf_counter()
                        subprocess.run(argv, check=True, capture_output=True)
                        runs.setdefault((plan_id, fmt), []).append(time.perf_counter() - start)
            command = {key: statistics.median(times) for key, times in runs.items()}

    print(f"load average after: {load()}")
    print()
    head = "| plan | indicators | " + " | ".join(f"in-process {f}" for f in FORMATS)
    if command:
        head += " | " + " | ".join(f"command {f}" for f in FORMATS)
    print(head + " |")
    print("|" + "---|" * (head.count("|")))
    for plan_id, name in plans:
        cells = [name, str(indicators[plan_id])]
        cells += [f"{inprocess[plan_id, f]:.2f} s" for f in FORMATS]
        if command:
            cells += [f"{command[plan_id, f]:.2f} s" for f in FORMATS]
        print("| " + " | ".join(cells) + " |")
    columns = [("in-process", inprocess)] + ([("command", command)] if command else [])
    for label, figures in columns:
        for f in FORMATS:
            values = [figures[p, f] for p, _ in plans]
            print(f"{label} {f}: median over the plans {statistics.median(values):.2f} s, "
                  f"slowest {max(values):.2f} s")
    print(Path(__file__).name, "done")


if __name__ == "__main__":
    main()
