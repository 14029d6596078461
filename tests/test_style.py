"""The code base stays ruff clean (run as a test so the one test command covers it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", "src", "tests", "bench"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_test_imports_from_conftest():
    """`from conftest import …` means whichever of the several tests/**/conftest.py pytest
    imported first, so it passes or fails with the order of collection; shared names live
    in ordinary modules (shared_paths, web_helpers, …)."""
    import re

    pattern = re.compile(r"^\s*(from conftest import|import conftest)", re.M)
    offenders = [str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("*.py")
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
