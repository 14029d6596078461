"""The ranking chart of one indicator across the subordinate regions: a horizontal bar per
region (best first, coloured by verdict, the verdict written beside it), the parent
plan's target and the national figure as vertical lines. Plain SVG, drawn on the server."""

from __future__ import annotations

from markupsafe import Markup, escape

from healthplan.evaluate import VERDICT_CN
from healthplan.web.pages.svg import VERDICT_COLOURS


def ranking_svg(column, ranking, *, parent: str, width: int = 760) -> Markup:
    """``ranking``: (row, cell) pairs best first (``Matrix.ranking``)."""
    from healthplan.reports.content import format_number

    bar_h, gap, left, right, top = 22, 6, 130, 190, 46
    height = top + max(len(ranking), 1) * (bar_h + gap) + 30
    values = [cell.value for _, cell in ranking]
    lines = []
    if column.parent_threshold is not None:
        lines.append((column.parent_threshold, f"{parent}目标 {column.parent_target or format_number(column.parent_threshold)}", "#c00000"))
    if column.national is not None:
        lines.append((column.national[1], f"全国 {format_number(column.national[1])}（{column.national[0]}年）", "#1f4e79"))
    scale = values + [v for v, _, _ in lines]
    low = min([0.0, *scale]) if scale else 0.0
    high = max(scale) if scale else 1.0
    if high - low < 1e-9:
        high = low + 1
    span = width - left - right

    def x(v: float) -> float:
        return left + (v - low) / (high - low) * span

    unit = f"（{column.unit}）" if column.unit else ""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ranking" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" font-size="13">',
             f'<title>{escape(column.name)}：下级地区排名</title>',
             f'<text x="8" y="18" font-size="15" font-weight="bold">{escape(column.name)}{escape(unit)}'
             f'　{"越低越好" if column.direction == "lower" else "越高越好" if column.direction == "higher" else "越接近目标越好"}</text>']
    if not ranking:
        parts.append(f'<text x="8" y="{top + 14}" fill="#57606a">各下级地区均无该指标的监测值。</text>')
    for k, (row, cell) in enumerate(ranking):
        y = top + k * (bar_h + gap)
        colour = VERDICT_COLOURS.get(cell.verdict, "#8c959f")
        word = VERDICT_CN.get(cell.verdict, cell.verdict)
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{k + 1}. {escape(row.region)}</text>')
        x0, x1 = x(max(low, 0.0)), x(cell.value)
        parts.append(f'<rect x="{min(x0, x1):.1f}" y="{y}" width="{max(abs(x1 - x0), 1):.1f}" '
                     f'height="{bar_h}" fill="{colour}" opacity=".85"><title>{escape(row.region)} '
                     f'{format_number(cell.value)}（{cell.year}年）{word}</title></rect>')
        parts.append(f'<text x="{left + span + 12:.1f}" y="{y + 15}">{format_number(cell.value)} '
                     f'<tspan fill="#57606a" font-size="11">{cell.year}年</tspan> '
                     f'<tspan fill="{colour}">{word}</tspan></text>')
    bottom = top + max(len(ranking), 1) * (bar_h + gap)
    for k, (v, label, colour) in enumerate(lines):
        parts.append(f'<line x1="{x(v):.1f}" y1="{top - 6}" x2="{x(v):.1f}" y2="{bottom}" '
                     f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="5 3"/>')
        parts.append(f'<text x="{x(v):.1f}" y="{top - 10 if k == 0 else bottom + 16}" '
                     f'fill="{colour}" font-size="12" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
