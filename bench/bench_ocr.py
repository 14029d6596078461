"""Scanned copies of the five sample plans, read by OCR: accuracy against the gold rows and
seconds per page.

The samples are rebuilt as .docx and rendered to PDF by LibreOffice (tests/plan_builder.py),
then every page is rasterised with `pdftoppm -r DPI -gray` and the images are put back into
a PDF with no text layer (Pillow) — a scan of the printed plan. Each scan is read once by
`read_document` (OCR) and `extract_plan`; rows are compared with the gold
(tests/gold_compare.py). A row is flagged when the extractor marks it `doubtful` (a
cell below the OCR confidence threshold, a character below LOW_CHARACTER, a cell of the
wrong shape); flagged rows that are exact are false alarms. Seconds per page: each scan
read once, the median over the scans of (seconds / pages).

    .venv/bin/python bench/bench_ocr.py [--dpi 200] [--only 003] [--context 1]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from gold_compare import compare  # noqa: E402
from healthplan.documents import read_document  # noqa: E402
from healthplan.extract import extract_plan  # noqa: E402
from scans import scan_pdf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--only", default="")
    parser.add_argument("--context", type=int, default=None,
                        help="keep only this many paragraphs around each table (fewer pages; "
                             "every table and row is kept)")
    args = parser.parse_args()
    from plan_builder import build_docx, build_pdfs, read_gold

    shared = REPO.parent / "shared"
    gold = read_gold(shared / "gold" / "indicator_rows.csv")
    seeds = [s for s in sorted((shared / "seeds").glob("*.txt")) if s.name.startswith(args.only)]
    print(f"{platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}, scans at {args.dpi} dpi, context {args.context}")
    totals = [0, 0, 0, 0, 0, 0, 0, 0.0]  # exact, gold, extra, wrong, wrong flagged, false alarms, pages, seconds
    per_page = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        pdfs = build_pdfs([build_docx(s, gold, out / f"{s.stem}.docx", context=args.context) for s in seeds], out)
        for seed, pdf in zip(seeds, pdfs, strict=True):
            scanned = scan_pdf(pdf, out / f"{seed.stem}.scan.pdf", args.dpi)
            start = time.perf_counter()
            document = read_document(scanned)
            plan = extract_plan(document)
            seconds = time.perf_counter() - start
            pages = max(line.page or 0 for line in document.lines)
            result = compare(plan, gold, seed.name)
            wrong = {id(row) for _, row in result.wrong}
            wrong_flagged = sum(1 for _, row in result.wrong if row.doubtful)
            alarms = [row for t in plan.indicator_tables for row in t.rows
                      if row.doubtful and id(row) not in wrong]
            per_page.append(seconds / pages)
            print(f"{seed.name}: {result.exact}/{result.gold} exact, {result.extra} extra, "
                  f"{wrong_flagged}/{len(result.wrong)} not-exact rows flagged, "
                  f"{len(alarms)} exact rows flagged, {pages} pages, {seconds / pages:.2f} s/page")
            for key, row in result.wrong:
                print(f"    read  {'|'.join(key)}  (doubtful: {row.doubtful})")
            for row in alarms:
                print(f"    false alarm  {row.name}  ({row.doubtful})")
            for key in result.missing:
                print(f"    gold  {'|'.join(key)}")
            for i, value in enumerate((result.exact, result.gold, result.extra, len(result.wrong),
                                       wrong_flagged, len(alarms), pages, seconds)):
                totals[i] += value
    exact, total, extra, wrong, wrong_flagged, alarms, pages, seconds = totals
    print(f"all: {exact}/{total} exact, {wrong} not exact ({wrong_flagged} flagged), {extra} extra, "
          f"{alarms} exact rows flagged, {pages} pages, median {statistics.median(per_page):.2f} "
          f"s/page (all pages: {seconds / pages:.2f}); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    csv.field_size_limit(1 << 20)
    main()
