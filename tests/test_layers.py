"""The layers of DESIGN.md: the core imports neither the database nor the web framework,
and nothing but the command itself imports the CLI.

Checked twice: by importing every core module in a fresh interpreter and looking at what
got loaded, and by reading every import statement of the source (function-level imports
included, which an import alone would not run).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import healthplan

PACKAGE = Path(healthplan.__file__).parent
# The core: plain functions over plain data (DESIGN.md "The flow of data").
CORE_PACKAGES = ("documents", "extract", "catalog")
CORE_MODULES = ("targets", "evaluate", "search", "mapping", "audit", "tracking", "textutil",
                "simulated", "bulletins", "early_warning", "matrix")
FORBIDDEN = ("sqlalchemy", "alembic", "psycopg", "fastapi", "starlette", "uvicorn",
             "healthplan.store", "healthplan.web", "healthplan.cli")


def _core_files() -> list[Path]:
    files = [PACKAGE / f"{name}.py" for name in CORE_MODULES]
    for name in CORE_PACKAGES:
        files.extend(sorted((PACKAGE / name).rglob("*.py")))
    return files


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module))
    return out


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_the_core_files_exist():
    # A renamed module would silently drop out of the checks below.
    assert all(path.is_file() for path in _core_files())
    assert len(_core_files()) > 20


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_imports_no_database_web_or_cli(path):
    bad = [(line, module) for line, module in _imports(path) if _forbidden(module)]
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_importing_the_core_loads_no_database_or_web_framework():
    modules = sorted({_module_name(path) for path in _core_files()})
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=PACKAGE.parent)
    loaded = json.loads(result.stdout)
    assert "healthplan.search" in loaded and "healthplan.catalog" in loaded
    assert not [name for name in loaded if _forbidden(name)]


def test_nothing_but_the_command_imports_the_cli():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "cli" or relative == Path("__main__.py"):
            continue
        offenders.extend((str(relative), line, module) for line, module in _imports(path)
                         if module == "healthplan.cli" or module.startswith("healthplan.cli."))
    assert not offenders
