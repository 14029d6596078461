"""The CJK fonts the charts are drawn with, so that Chinese renders the same everywhere.

matplotlib's own fonts (DejaVu) have no Chinese glyphs: without a CJK font every
character becomes an empty box and matplotlib warns "Glyph … missing from font(s)".
The project relies on the fonts shipped in the ``mplfonts`` wheel — Noto Sans CJK SC
and Noto Serif CJK SC, both under the SIL Open Font License. (The wheel also carries
a SimHei.ttf whose licence is unclear; it is never used.)

The font is registered with matplotlib's font manager in memory (``addfont``): no
network, nothing written into site-packages or matplotlib's config, and no global
``rcParams`` changed — the chart code passes the family name in an ``rc_context``.

It is registered under a family name of its own (:data:`FAMILIES`) as well as its real
one. A machine may have a system copy of "Noto Sans CJK SC" (a .ttc from a Linux
distribution, possibly another version): matplotlib would pick that one for the real
name, and charts would differ from machine to machine. The alias resolves only to the
file in the wheel.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import threading
from pathlib import Path

# kind → (file in mplfonts/fonts, the family name the charts ask matplotlib for)
FONT_FILES = {
    "sans": "NotoSansCJKsc-Regular.otf",
    "serif": "NotoSerifCJKsc-Regular.otf",
}
FAMILIES = {
    "sans": "Noto Sans CJK SC (healthplan)",
    "serif": "Noto Serif CJK SC (healthplan)",
}

_lock = threading.Lock()
_registered: dict[str, str] = {}


class FontMissing(RuntimeError):
    """The CJK font cannot be found (mplfonts not installed, or a broken installation)."""


def _fonts_dir() -> Path:
    # find_spec does not import mplfonts (its __init__ pulls in fontmeta and pyplot helpers).
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FontMissing("未安装 mplfonts，图表无法显示中文（请安装依赖：pip install mplfonts）")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


def cjk_font_path(kind: str = "sans") -> Path:
    """The OFL-licensed Noto CJK SC font file shipped in the mplfonts wheel."""
    if kind not in FONT_FILES:
        raise ValueError(f"字体类型应为 {' 或 '.join(FONT_FILES)}，而不是 {kind!r}")
    path = _fonts_dir() / FONT_FILES[kind]
    if not path.is_file():
        raise FontMissing(f"找不到中文字体文件 {path}（mplfonts 安装不完整？）")
    return path


def use_cjk_font(kind: str = "sans") -> str:
    """Register the CJK font with matplotlib (once per process) and return its family name.

    Use the name in an ``rc_context({"font.family": [name]})`` or a ``FontProperties``;
    this does not change matplotlib's global settings.
    """
    with _lock:
        if kind in _registered:
            return _registered[kind]
        path = cjk_font_path(kind)
        from matplotlib import font_manager, ft2font

        entry = font_manager.ttfFontProperty(ft2font.FT2Font(str(path)))
        family = FAMILIES[kind]
        font_manager.fontManager.ttflist.append(dataclasses.replace(entry, name=family))
        # Also under its real name; addfont clears the font manager's lookup cache, so a
        # lookup made before this call cannot stick.
        font_manager.fontManager.addfont(str(path))
        _registered[kind] = family
        return family
