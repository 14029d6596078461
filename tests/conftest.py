"""Shared fixtures. The real sample plans and their gold transcriptions live in
../shared beside the repository; tests that need them skip when it is absent
(a user's fresh clone), and CI always has it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__import__("os").environ.get("HEALTHPLAN_SHARED", REPO.parent / "shared"))
NO_SHARED = "../shared (sample plans and gold transcriptions) not found beside the repository"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip(NO_SHARED)
    return path


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    path = SHARED / "gold"
    if not path.is_dir():
        pytest.skip(NO_SHARED)
    return path


@pytest.fixture(scope="session")
def gold_rows(gold_dir) -> list[dict]:
    with open(gold_dir / "indicator_rows.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def gold_projects(gold_dir) -> list[dict]:
    with open(gold_dir / "projects.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_text(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path
