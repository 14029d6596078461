"""Scanned copies of PDFs for the OCR tests and bench: every page rasterised by pdftoppm
(poppler-utils) in grey and put back into a PDF with no text layer (Pillow)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def page_images(pdf: str | Path, folder: str | Path, dpi: int = 200,
                first: int | None = None, last: int | None = None) -> list[Path]:
    command = ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
    if first is not None:
        command += ["-f", str(first), "-l", str(last or first)]
    subprocess.run([*command, str(pdf), f"{folder}/page"], check=True, capture_output=True)
    return sorted(Path(folder).glob("page*.png"))


def scan_pdf(pdf: str | Path, out: str | Path, dpi: int = 200,
             first: int | None = None, last: int | None = None) -> Path:
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        images = [Image.open(p).convert("L") for p in page_images(pdf, folder, dpi, first, last)]
        images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return Path(out)
