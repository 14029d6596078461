"""The two readers of observation files depend on the plain rows, not on each other."""

from __future__ import annotations

import ast
from pathlib import Path

IMPORTS = Path(__file__).parents[2] / "src" / "healthplan" / "imports"


def imported(module: str) -> set[str]:
    tree = ast.parse((IMPORTS / f"{module}.py").read_text("utf-8"))
    return {node.module for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module}


def test_template_does_not_import_reading():
    assert "healthplan.imports.reading" not in imported("template")
    assert "healthplan.imports.rows" in imported("template")


def test_rows_import_neither_reader():
    assert not {m for m in imported("rows") if m.startswith("healthplan.imports")}


def test_the_package_imports_without_a_cycle():
    import subprocess
    import sys

    for module in ("rows", "template", "reading"):  # each first, in a fresh interpreter
        done = subprocess.run([sys.executable, "-c", f"import healthplan.imports.{module}"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
