"""Expensive test inputs made once per test run, even when pytest-xdist spreads the tests
over several worker processes: the first worker to ask builds them in a folder shared by
the run's workers (under a file lock), the others wait and reuse it. Without xdist it is
the session's own temporary folder, as for any session fixture."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock


def shared_folder(tmp_path_factory, name: str, build: Callable[[Path], dict]) -> dict:
    """The record `build(folder)` returned (plain JSON data), building it at most once per run."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        return build(folder)
    # Each worker's basetemp is <run>/popen-gwN; their parent is this run's alone.
    root = tmp_path_factory.getbasetemp().parent
    folder, record = root / name, root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if record.is_file():
            return json.loads(record.read_text(encoding="utf-8"))
        folder.mkdir(exist_ok=True)
        result = build(folder)
        record.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return result
