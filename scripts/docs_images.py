"""Make the README's images in docs/ — run on purpose, never by the test suite.

    .venv/bin/python scripts/docs_images.py

It runs the two tests that draw them (the browser test of a clerk's upload, which ends
on the dashboard and an indicator page, and the report test, which renders two pages of
无锡市's final evaluation) with HEALTHPLAN_DOCS_IMAGES naming docs/, so that they write
their screenshots there instead of into their temporary folders. Needs what those tests
need: Debian's Chromium, LibreOffice and poppler-utils.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
TESTS = [
    "tests/web/test_e2e_pages.py::test_clerk_uploads_fixes_and_sees_the_dashboard_change",
    "tests/reports/test_report_pages.py::test_every_sample_plan_in_every_format",
]
IMAGES = ["web-dashboard.png", "web-indicator.png", "report-page-1.png", "report-page-2.png"]


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    before = {name: _mtime(DOCS / name) for name in IMAGES}
    env = {**os.environ, "HEALTHPLAN_DOCS_IMAGES": str(DOCS), "HEALTHPLAN_REQUIRE_BROWSER": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             *TESTS], cwd=REPO, env=env)
    if result.returncode != 0:
        print("docs_images: the tests that draw the images failed; docs/ may be incomplete",
              file=sys.stderr)
        return result.returncode
    stale = [name for name in IMAGES if _mtime(DOCS / name) in (None, before[name])]
    if stale:
        print(f"docs_images: not redrawn: {', '.join(stale)}", file=sys.stderr)
        return 1
    print("docs_images: redrawn " + ", ".join(f"docs/{name}" for name in IMAGES))
    return 0


def _mtime(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
