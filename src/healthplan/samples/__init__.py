"""The five real plans shipped as the built-in sample.

They are public documents (此件公开发布) of Chinese local governments: the
health development plans of 无锡市, 江阴市, 苏州市吴中区, 宿州市埇桥区 and
连云港市, as plain text. See README.md in this folder.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def sample_paths() -> list[Path]:
    return sorted(HERE.glob("*.txt"))
