"""PDFs with a text layer: the reader (pdfium) beside pdfplumber's own `extract_tables`
and beside the previous pdfplumber-based reader, same files, same run.

The five samples rebuilt as .docx and rendered by LibreOffice (tests/plan_builder.py).
For each file: median seconds of (a) `pdfplumber` opening the file and calling
`extract_tables()` on every page, (b) the reader (run in turn with (a)), `read_document` + `extract_plan` (what
`ingest` does: pdfium for characters and ruling lines, documents/pdf_pdfium.py), (c) the
same with the pages read by pdfplumber as before (`pdf._read_pages`, kept in the reader
for files pdfium cannot open and pages with rotated text), (d) `pypdfium2` reading every
page's text with character boxes (the floor); plus the gold rows (b) and (c) get exact
(tests/gold_compare.py). (c) is slow (about as slow as (a)): `--plumber-repeat` runs it
fewer times.

    .venv/bin/python bench/bench_pdf.py [--repeat 3] [--plumber-repeat 1]
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
from healthplan.documents import pdf as pdf_reader  # noqa: E402
from healthplan.documents import read_document  # noqa: E402
from healthplan.documents.model import Document  # noqa: E402
from healthplan.extract import extract_plan  # noqa: E402


def plumber_tables(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(page.extract_tables()) for page in pdf.pages)


def plumber_reader(path: Path) -> Document:
    """The reader as it was: every page read by pdfplumber."""
    pages = pdf_reader._read_pages(str(path), path.read_bytes())
    return Document(path=str(path), format="pdf", lines=pdf_reader.assemble_pages(pages))


def _differing_lines(document: Document, other: Document) -> int:
    """Lines (text and page, in order) of one document not matched in the other."""
    import difflib

    mine = [(line.page, line.text) for line in document.lines]
    theirs = [(line.page, line.text) for line in other.lines]
    matcher = difflib.SequenceMatcher(a=theirs, b=mine, autojunk=False)
    return len(theirs) - sum(block.size for block in matcher.get_matching_blocks())


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


def interleaved(works, repeat: int) -> list[float]:
    """Median seconds of each work, run in turn (a, b, a, b, …) so that a change in the
    machine's load falls on both."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(repeat):
        for work, spent in zip(works, times, strict=True):
            start = time.perf_counter()
            work()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plumber-repeat", type=int, default=1)
    args = parser.parse_args()
    import os

    from plan_builder import build_docx, build_pdfs, read_gold

    shared = REPO.parent / "shared"
    gold = read_gold(shared / "gold" / "indicator_rows.csv")
    seeds = sorted((shared / "seeds").glob("*.txt"))
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load {os.getloadavg()[0]:.1f}, "
          f"median of {args.repeat} (pdfplumber reader: {args.plumber_repeat})")
    print("plan | pages | extract_tables s | reader s | pdfplumber reader s | pdfium text s "
          "| reader exact | pdfplumber reader exact | extract_tables / reader "
          "| lines not as the pdfplumber reader's")
    sums = [0.0] * 4 + [0] * 5
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        pdfs = build_pdfs([build_docx(s, gold, out / f"{s.stem}.docx") for s in seeds], out)
        for seed, pdf in zip(seeds, pdfs, strict=True):
            plumber, reader = interleaved(
                [lambda pdf=pdf: plumber_tables(pdf),
                 lambda pdf=pdf: extract_plan(read_document(pdf))],
                args.repeat,
            )
            old = median_seconds(
                lambda pdf=pdf: extract_plan(plumber_reader(pdf)), args.plumber_repeat
            )
            pdfium = median_seconds(lambda pdf=pdf: pdfium_text(pdf), args.repeat)
            document = read_document(pdf)
            result = compare(extract_plan(document), gold, seed.name)
            old_document = plumber_reader(pdf)
            before = compare(extract_plan(old_document), gold, seed.name)
            differ = _differing_lines(document, old_document)
            pages = max(line.page or 0 for line in document.lines)
            print(f"{seed.name[:3]} | {pages} | {plumber:.2f} | {reader:.2f} | {old:.2f} | "
                  f"{pdfium:.3f} | {result.exact}/{result.gold} | {before.exact}/{before.gold} | "
                  f"{plumber / reader:.1f}× | {differ}/{len(old_document.lines)}")
            ratios.append(plumber / reader)
            values = (plumber, reader, old, pdfium, result.exact, before.exact, result.gold, differ,
                      len(old_document.lines))
            for i, value in enumerate(values):
                sums[i] += value
    print(f"all | | {sums[0]:.2f} | {sums[1]:.2f} | {sums[2]:.2f} | {sums[3]:.3f} | "
          f"{sums[4]}/{sums[6]} | {sums[5]}/{sums[6]} | {sums[0] / sums[1]:.1f}× "
          f"(median per file {statistics.median(ratios):.1f}×) | {sums[7]}/{sums[8]}")
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
