"""PDFs with a text layer: the reader beside pdfplumber's own `extract_tables`, and beside
pdfium's text extraction (the floor of a pypdfium2-based reader), same files, same run.

The five samples rebuilt as .docx and rendered by LibreOffice (tests/plan_builder.py).
For each file: median seconds of (a) `pdfplumber` opening the file and calling
`extract_tables()` on every page, (b) `read_document` + `extract_plan` (what `ingest`
does), (c) `pypdfium2` reading every page's text with character boxes; plus the gold
rows the reader gets exact (tests/gold_compare.py).

    .venv/bin/python bench/bench_pdf.py [--repeat 3]
"""

from __future__ import annotations

import argparse
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


def plumber_tables(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(page.extract_tables()) for page in pdf.pages)


def pdfium_text(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    chars = 0
    for page in pdf:
        text = page.get_textpage()
        count = text.count_chars()
        for i in range(count):
            text.get_charbox(i)
        chars += len(text.get_text_range())
        text.close()
        page.close()
    pdf.close()
    return chars


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from plan_builder import build_docx, build_pdfs, read_gold

    shared = REPO.parent / "shared"
    gold = read_gold(shared / "gold" / "indicator_rows.csv")
    seeds = sorted((shared / "seeds").glob("*.txt"))
    print(f"{platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
          f"median of {args.repeat}")
    print("plan | pages | extract_tables s | reader s | pdfium text s | reader exact")
    sums = [0.0, 0.0, 0.0, 0, 0]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        pdfs = build_pdfs([build_docx(s, gold, out / f"{s.stem}.docx") for s in seeds], out)
        for seed, pdf in zip(seeds, pdfs, strict=True):
            plumber = median_seconds(lambda pdf=pdf: plumber_tables(pdf), args.repeat)
            reader = median_seconds(lambda pdf=pdf: extract_plan(read_document(pdf)), args.repeat)
            pdfium = median_seconds(lambda pdf=pdf: pdfium_text(pdf), args.repeat)
            document = read_document(pdf)
            result = compare(extract_plan(document), gold, seed.name)
            pages = max(line.page or 0 for line in document.lines)
            print(f"{seed.name[:3]} | {pages} | {plumber:.2f} | {reader:.2f} | {pdfium:.3f} | "
                  f"{result.exact}/{result.gold}")
            for i, value in enumerate((plumber, reader, pdfium, result.exact, result.gold)):
                sums[i] += value
    print(f"all | | {sums[0]:.2f} | {sums[1]:.2f} | {sums[2]:.3f} | {sums[3]}/{sums[4]}")


if __name__ == "__main__":
    main()
