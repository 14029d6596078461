"""The sample plans rendered once per test session (.docx, .html, and .pdf when
LibreOffice is installed); every text layout of the corpus is derived from these."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from plan_builder import build_docx, build_html, build_pdfs, soffice


@dataclass
class Rendered:
    seeds: list[Path]
    docx: dict[str, Path]
    html: dict[str, Path]
    pdf: dict[str, Path]  # empty without LibreOffice


@pytest.fixture(scope="session")
def rendered(seeds_dir, gold_rows, tmp_path_factory) -> Rendered:
    folder = tmp_path_factory.mktemp("rendered")
    seeds = sorted(seeds_dir.glob("*.txt"))
    docx = {s.name: build_docx(s, gold_rows, folder / f"{s.stem}.docx") for s in seeds}
    html = {s.name: build_html(s, gold_rows, folder / f"{s.stem}.html") for s in seeds}
    pdf: dict[str, Path] = {}
    if soffice() is not None:
        # One LibreOffice run for the five (its start-up is most of the cost).
        pdfs = build_pdfs([docx[s.name] for s in seeds], folder)
        pdf = {s.name: p for s, p in zip(seeds, pdfs, strict=True)}
    return Rendered(seeds, docx, html, pdf)
