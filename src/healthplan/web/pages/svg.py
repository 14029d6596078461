"""Sparklines: a small inline SVG of an indicator's series for the dashboard table."""

from __future__ import annotations

from markupsafe import Markup, escape

VERDICT_COLOURS = {
    "achieved": "#1a7f37", "on_track": "#1a7f37", "at_risk": "#b35900", "off_track": "#c00000",
    "not_achieved": "#c00000", "no_data": "#8c959f", "needs_judgement": "#6639ba",
}


def sparkline(points: dict[int, float], *, first_year: int, last_year: int,
              target: float | None = None, baseline: tuple[int, float] | None = None,
              verdict: str = "no_data", width: int = 132, height: int = 30,
              label: str = "") -> Markup:
    """The series over the years ``first_year``…``last_year``: a line with dots, the
    target as a dashed red rule, the straight expected path from the baseline in grey."""
    pad_x, pad_y = 4.0, 4.0
    years = sorted(y for y in points if first_year <= y <= last_year)
    values = [points[y] for y in years]
    ys = list(values)
    if target is not None:
        ys.append(target)
    if baseline is not None:
        ys.append(baseline[1])
    title = f"<title>{escape(label)}</title>" if label else ""
    if not ys:
        return Markup(f'<svg class="spark" width="{width}" height="{height}" role="img" '
                      f'viewBox="0 0 {width} {height}">{title}'
                      f'<line x1="{pad_x}" y1="{height / 2}" x2="{width - pad_x}" y2="{height / 2}" '
                      f'stroke="#d0d7de" stroke-dasharray="2 3"/></svg>')
    low, high = min(ys), max(ys)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    span_years = max(last_year - first_year, 1)

    def x(year: float) -> float:
        return pad_x + (year - first_year) / span_years * (width - 2 * pad_x)

    def y(value: float) -> float:
        return height - pad_y - (value - low) / (high - low) * (height - 2 * pad_y)

    parts = [f'<svg class="spark" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}">{title}']
    if target is not None:
        parts.append(f'<line x1="{pad_x}" y1="{y(target):.1f}" x2="{width - pad_x}" '
                     f'y2="{y(target):.1f}" stroke="#c00000" stroke-width="1" '
                     f'stroke-dasharray="3 2" opacity=".7"/>')
    if baseline is not None and target is not None:
        parts.append(f'<line x1="{x(baseline[0]):.1f}" y1="{y(baseline[1]):.1f}" '
                     f'x2="{x(last_year):.1f}" y2="{y(target):.1f}" stroke="#8c959f" '
                     f'stroke-width="1" stroke-dasharray="1 2"/>')
    colour = VERDICT_COLOURS.get(verdict, "#1f4e79")
    if len(years) > 1:
        path = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in zip(years, values, strict=True))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f4e79" stroke-width="1.5"/>')
    for k, (yr, v) in enumerate(zip(years, values, strict=True)):
        last = k == len(years) - 1
        parts.append(f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="{2.6 if last else 1.6}" '
                     f'fill="{colour if last else "#1f4e79"}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
