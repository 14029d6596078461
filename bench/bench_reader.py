"""How long reading one plan takes, in-process, for each input format.

Reads each of the five sample plans as .txt (the built-in samples) and as .docx,
.html and .pdf rebuilt from them (tests/plan_builder.py, which needs ../shared
for the gold rows and LibreOffice for the PDF), and times `read_document` +
`extract_plan` together: everything `healthplan ingest` does but printing.

    .venv/bin/python bench/bench_reader.py [--repeat N]

Prints the median time per plan and format, and the median over the five plans.
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

from healthplan.documents import read_document  # noqa: E402
from healthplan.extract import extract_plan  # noqa: E402
from healthplan.samples import sample_paths  # noqa: E402


def time_read(path: Path, repeat: int) -> float:
    """Median seconds for reading and extracting one document."""
    extract_plan(read_document(path))  # warm-up: imports, regex compilation
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        extract_plan(read_document(path))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_formats(folder: Path) -> dict[str, list[Path]]:
    from plan_builder import build_docx, build_html, build_pdfs, read_gold, soffice

    shared = REPO.parent / "shared"
    gold = read_gold(shared / "gold" / "indicator_rows.csv")
    seeds = sorted((shared / "seeds").glob("*.txt"))
    files = {
        "docx": [build_docx(s, gold, folder / f"{s.stem}.docx") for s in seeds],
        "html": [build_html(s, gold, folder / f"{s.stem}.html") for s in seeds],
    }
    if soffice():
        files["pdf"] = build_pdfs(files["docx"], folder)
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {"txt": sample_paths(), **build_formats(Path(tmp))}
        print(f"python {platform.python_version()} on {platform.machine()}, "
              f"repeat {args.repeat} (pdf: {max(3, args.repeat // 10)})")
        print(f"{'format':6} " + " ".join(f"{p.stem[:3]:>9}" for p in files["txt"]) + "   median")
        for kind, paths in files.items():
            repeat = max(3, args.repeat // 10) if kind == "pdf" else args.repeat
            ms = [time_read(p, repeat) * 1000 for p in paths]
            print(f"{kind:6} " + " ".join(f"{m:7.1f}ms" for m in ms)
                  + f" {statistics.median(ms):7.1f}ms")


if __name__ == "__main__":
    main()
