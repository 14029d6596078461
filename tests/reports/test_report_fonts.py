"""The CJK font the charts use: shipped with mplfonts (OFL), found by matplotlib, and with
every glyph a report needs — a missing font shows as empty boxes and a warning."""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import pytest

from healthplan.reports.fonts import FAMILIES, cjk_font_path, use_cjk_font

TEXT = "婴儿死亡率（‰）≥83.5岁 每千常住人口医疗卫生机构床位数 目标区间 趋势外推 全国（2024年）"


def render_problems(family: str, text: str = TEXT, caplog=None) -> list[str]:
    """Render ``text`` in ``family`` to PNG and SVG; the glyph and font warnings raised."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with rc_context({"font.family": [family], "svg.fonttype": "path"}):
            fig = Figure(figsize=(6, 1))
            FigureCanvasAgg(fig)
            fig.text(0.02, 0.5, text)
            for fmt in ("png", "svg"):
                fig.savefig(io.BytesIO(), format=fmt)
    messages = [str(w.message) for w in caught]
    if caplog is not None:  # findfont reports a family it cannot find through logging
        messages += [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")]
    return [m for m in messages if "missing from font" in m or "not found" in m]


def test_the_fonts_are_the_ofl_noto_cjk_files_in_the_mplfonts_wheel():
    for kind in ("sans", "serif"):
        path = cjk_font_path(kind)
        assert path.is_file() and path.stat().st_size > 1_000_000
        assert path.parent.name == "fonts" and path.parent.parent.name == "mplfonts"
        assert path.name.startswith("Noto") and "SimHei" not in path.name
    with pytest.raises(ValueError):
        cjk_font_path("mono")


def test_use_cjk_font_registers_the_wheels_file_under_its_own_family():
    from matplotlib import font_manager

    family = use_cjk_font()
    assert family == FAMILIES["sans"]
    assert use_cjk_font() == family  # registered once: calling again changes nothing
    assert sum(e.name == family for e in font_manager.fontManager.ttflist) == 1
    found = font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
    # The alias resolves to the wheel's file even where the system has its own
    # "Noto Sans CJK SC" (a Linux distribution's .ttc), which would win for the real name.
    assert Path(found) == cjk_font_path("sans")
    serif = use_cjk_font("serif")
    assert Path(font_manager.findfont(font_manager.FontProperties(family=serif),
                                      fallback_to_default=False)) == cjk_font_path("serif")


def test_chinese_renders_without_missing_glyphs(caplog):
    caplog.set_level(logging.WARNING, logger="matplotlib")
    assert render_problems(use_cjk_font(), caplog=caplog) == []
    assert render_problems(use_cjk_font("serif"), caplog=caplog) == []


def test_the_check_would_catch_a_missing_font(caplog):
    """The same check with a font that has no Chinese: it must complain, or the test above
    proves nothing."""
    caplog.set_level(logging.WARNING, logger="matplotlib")
    problems = render_problems("DejaVu Sans", caplog=caplog)
    assert any("missing from font" in p for p in problems)
    caplog.clear()
    problems = render_problems("No Such CJK Font", caplog=caplog)
    assert problems  # not found → the default font → missing glyphs
