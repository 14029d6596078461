"""How long reading a 40-page bulletin PDF into candidate observations takes.

Builds a GENERATED bulletin (labelled so in its title): the real national sentences of
../shared/real/national_observations.csv spread over 40 pages of filler paragraphs (text
without catalogue figures, and sentences with absolute counts and growth rates, as a
statistical bulletin has), renders it to PDF with LibreOffice, then times
`read_document` and `extract_candidates` separately.

    .venv/bin/python bench/bench_bulletins.py [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

from healthplan.bulletins import extract_candidates  # noqa: E402
from healthplan.documents import read_document  # noqa: E402

FILLER = ("全年卫生健康系统坚持以人民健康为中心，深化医药卫生体制改革，推进健康中国建设，"
          "公共卫生服务体系不断完善，基层医疗卫生服务能力持续提升。")
COUNTS = "年末全国医疗卫生机构床位1017.4万张，比上年增加42.4万张，卫生总费用增长5.3%。"


def build(folder: Path, pages: int) -> Path:
    rows = list(csv.DictReader((SHARED / "real" / "national_observations.csv")
                               .open(encoding="utf-8")))
    quotes = list(dict.fromkeys(r["quote"] for r in rows))
    lines = ["2023年我国卫生健康事业发展统计公报（生成的测试文档，非真实出版物）",
             "国家卫生健康委员会"]
    for page in range(pages):
        for i in range(26):
            lines.append(FILLER if i % 4 else COUNTS)
        lines.append(quotes[page % len(quotes)] + "。")
    text = folder / "bulletin.txt"
    text.write_text("\n".join(lines), encoding="utf-8")
    program = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([program, "--headless", "--convert-to", "pdf", "--outdir", str(folder),
                    str(text)], check=True, capture_output=True, timeout=300)
    return folder / "bulletin.pdf"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = build(Path(tmp), args.pages)
        document = read_document(pdf)
        pages = max(line.page or 0 for line in document.lines)
        reads, extracts, found = [], [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            document = read_document(pdf)
            middle = time.perf_counter()
            found = len(extract_candidates(document).candidates)
            reads.append(middle - start)
            extracts.append(time.perf_counter() - middle)
        print(f"{pages} pages, {len(document.lines)} lines, {found} candidates")
        print(f"read_document      median {statistics.median(reads):.2f} s")
        print(f"extract_candidates median {statistics.median(extracts):.2f} s")
        print(f"total              median "
              f"{statistics.median(r + e for r, e in zip(reads, extracts, strict=True)):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
