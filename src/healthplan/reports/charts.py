"""One chart per indicator for the evaluation reports (PNG for Word, SVG for HTML).

What a chart shows, all from an :class:`~healthplan.reports.content.IndicatorSection`:

* 基期值 — the baseline in the base year (a hollow square), when the plan gives one;
* 预期进度 — the straight line from the baseline to the target figure (dashed grey),
  the path the verdicts 进度正常 / 存在风险 are judged against;
* 目标 — the target figure at the target year (a red bar-shaped marker and a thin red
  line across the period), or the band of a range target (目标区间); none when the
  target needs a human judgement;
* 监测值 — the observations up to the report year (solid dark blue line, dots);
* 趋势外推 — the least-squares projection from the latest observation to the target year
  (dotted), with an error bar for its 95 % margin;
* 全国 — the national figure (a grey diamond);
* a note 规划期内暂无监测值 when nothing was observed after the base year.

Charts are drawn with matplotlib's Agg canvas on a ``Figure`` of their own (no pyplot, no
display, no global setting changed, nothing kept between calls) with the OFL Noto Sans
CJK SC font from :mod:`healthplan.reports.fonts`. Axis ticks, the title, the margins and
the legend are laid out by hand: matplotlib's layout engines and axis machinery would
double the time of a chart (≈55 ms each; a report has ≈30).

SVG keeps its text as glyph paths (``svg.fonttype: path``), so an HTML report shows the
Chinese without the reader having the font; each text is preceded by a comment holding
it, so the title can still be found in the file. The same input gives the same bytes
(fixed SVG hash salt, no date in the metadata). The ids inside an SVG start with
``hp<target id>-``, so the charts of one report can be inlined in one HTML page without
clashing.
"""

from __future__ import annotations

import io
import re
import threading
from typing import TYPE_CHECKING

from healthplan.reports.fonts import use_cjk_font
from healthplan.targets import _fmt, parse_target

if TYPE_CHECKING:
    from healthplan.reports.content import IndicatorSection

CHART_WIDTH_CM = 15.0
CHART_HEIGHT_CM = 7.0
FORMATS = ("png", "svg")

# Colours: restrained, print well in greyscale too.
OBSERVED = "#1f4e79"
TARGET = "#c00000"
PATH = "#7f7f7f"
NATIONAL = "#595959"
GRID = "#d9d9d9"
NOTE = "#7f7f7f"
AXIS = "#404040"

# One style per element, shared by the plot and its legend entry.
_TARGET_MARK = {"linestyle": "none", "marker": "_", "markersize": 16, "markeredgewidth": 2.2,
                "color": TARGET}
_PATH_LINE = {"linestyle": (0, (4, 3)), "linewidth": 1.0, "color": PATH}
_BASELINE_MARK = {"linestyle": "none", "marker": "s", "markersize": 5,
                  "markerfacecolor": "white", "markeredgecolor": OBSERVED,
                  "markeredgewidth": 1.2}
_OBSERVED_LINE = {"linestyle": "-", "linewidth": 1.6, "color": OBSERVED, "marker": "o",
                  "markersize": 4}
_PROJECTION_LINE = {"linestyle": ":", "linewidth": 1.4, "color": OBSERVED}
_PROJECTION_MARK = {"linestyle": "none", "marker": "o", "markersize": 3.5,
                    "markerfacecolor": "white", "markeredgecolor": OBSERVED,
                    "markeredgewidth": 1.0}
_NATIONAL_MARK = {"linestyle": "none", "marker": "D", "markersize": 4.5,
                  "markerfacecolor": NATIONAL, "markeredgecolor": "white",
                  "markeredgewidth": 0.6}

_TITLE_PT, _TICK_PT, _LEGEND_PT = 10, 8, 7.5
_TITLE_WIDTH = 34  # CJK characters per title line at 10 pt across 15 cm
_CM = 1 / 2.54
# rcParams is global: rendering holds this lock so concurrent calls (a web server's
# threads) cannot see each other's settings.
_lock = threading.Lock()


def indicator_chart(section: IndicatorSection, *, year: int, fmt: str = "png",
                    dpi: int = 150) -> bytes:
    """The chart of one indicator as PNG or SVG bytes, about 15 cm × 7 cm.

    ``year`` is the report year: later observations are left out. ``dpi`` applies to PNG
    (150 gives 886 × 413 pixels, sharp in a Word page at 15 cm).
    """
    if fmt not in FORMATS:
        raise ValueError(f"图表格式应为 png 或 svg，而不是 {fmt!r}")
    family = use_cjk_font("sans")
    from matplotlib import rc_context

    rc = {
        "font.family": [family],
        "font.size": 8,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "healthplan",
        "path.simplify": True,
    }
    with _lock, rc_context(rc):
        fig = _draw(section, year)
        buf = io.BytesIO()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Title": section.name, "Date": None,
                                                     "Creator": "healthplan"})
            svg = buf.getvalue().decode("utf-8")
            return _prefix_ids(svg, f"hp{section.target_id}-").encode("utf-8")
        # zlib level 1: a file ~5 % larger, encoded in half the time
        fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1},
                    metadata={"Title": section.name, "Software": "healthplan"})
    return buf.getvalue()


_SVG_ID_RE = re.compile(r'(\bid="|xlink:href="#|url\(#)')


def _prefix_ids(svg: str, prefix: str) -> str:
    """Make the SVG's ids unique to this chart, so that the charts of a report can be
    inlined in one HTML page (matplotlib names every chart's groups figure_1, axes_1 …)."""
    return _SVG_ID_RE.sub(lambda m: m[1] + prefix, svg)


def chart_title(section: IndicatorSection) -> str:
    """The indicator's name with its unit, wrapped to the chart's width."""
    unit = section.unit.strip()
    title = " ".join((f"{section.name}（{unit}）" if unit else section.name).split())
    return "\n".join(_wrap(title, _TITLE_WIDTH)) or " "


_BREAK_AFTER = "、，,；;：:）)》」"
_BREAK_BEFORE = "（(《「"


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken after Chinese punctuation (or before
    an opening bracket) when there is one in a line's last third, never inside a number."""
    lines = []
    while len(text) > width:
        cut = width
        for k in range(width, width * 2 // 3, -1):
            if text[k - 1] in _BREAK_AFTER or text[k] in _BREAK_BEFORE:
                cut = k
                break
        else:
            while cut > width // 2 and text[cut - 1].isalnum() and text[cut].isalnum() \
                    and text[cut - 1].isascii() and text[cut].isascii():
                cut -= 1  # do not split a number or a Latin word …
            if cut == width // 2:
                cut = width  # … unless it is longer than half a line
        lines.append(text[:cut])
        text = text[cut:]
    return [*lines, text] if text else lines


def _target_label(text: str, threshold: float) -> str:
    """目标（≥83.5） — the target as printed when short, else just the figure."""
    text = " ".join(text.split())
    return f"目标（{text if 0 < len(text) <= 10 else _fmt(threshold)}）"


def _range_band(section: IndicatorSection) -> tuple[float, float] | None:
    """(low, high) of a range target such as 103–107, else None."""
    rule = parse_target(section.target_text, unit=section.unit)
    if rule.kind == "range" and rule.low is not None and rule.high is not None:
        return rule.low, rule.high
    return None


def _draw(section: IndicatorSection, year: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(CHART_WIDTH_CM * _CM, CHART_HEIGHT_CM * _CM))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    base_year, target_year = section.base_year, section.target_year
    observed = [p for p in section.observations if p.year <= year]
    benchmark = section.benchmark if section.benchmark and section.benchmark.year <= year else None
    band = _range_band(section)
    threshold = section.threshold
    ys: list[float] = []  # every value drawn, for the y range
    years = [base_year, target_year]
    legend: list[tuple[str, dict]] = []  # (label, line style, or {"band": colour})

    # Target: a band for a range, else a line across the period and a mark at the target year.
    if band is not None:
        ax.axhspan(band[0], band[1], color=TARGET, alpha=0.10, linewidth=0, zorder=1)
        legend.append((f"目标区间（{_fmt(band[0])}–{_fmt(band[1])}）", {"band": TARGET}))
        ys += list(band)
    elif threshold is not None:
        ax.axhline(threshold, color=TARGET, linewidth=0.6, alpha=0.45, zorder=1)
        ax.plot([target_year], [threshold], zorder=4, **_TARGET_MARK)
        legend.append((_target_label(section.target_text, threshold),
                       {"color": TARGET, "linewidth": 2.2}))
        ys.append(threshold)

    path = section.expected_path()
    if path:
        ax.plot([x for x, _ in path], [y for _, y in path], zorder=2, **_PATH_LINE)
        held = path[0][1] == path[-1][1] and path[-1][1] != section.threshold
        legend.append(("预期：保持（基期已达到目标）" if held else "预期进度", _PATH_LINE))
        ys += [y for _, y in path]

    if section.baseline_value is not None:
        ax.plot([base_year], [section.baseline_value], zorder=6, **_BASELINE_MARK)
        legend.append(("基期值", _BASELINE_MARK))
        ys.append(section.baseline_value)

    if observed:
        xs, vs = [p.year for p in observed], [p.value for p in observed]
        ax.plot(xs, vs, zorder=5, **_OBSERVED_LINE)
        legend.append(("监测值", _OBSERVED_LINE))
        last = observed[-1]
        ax.annotate(_fmt(last.value), (last.year, last.value), xytext=(0, 5),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7,
                    color=OBSERVED, zorder=7)
        ys += vs
        years += xs

    latest = observed[-1] if observed else None
    if (section.projection_value is not None and latest is not None
            and latest.year < target_year):
        value, margin = section.projection_value, section.projection_margin
        ax.plot([latest.year, target_year], [latest.value, value], zorder=3,
                **_PROJECTION_LINE)
        if margin:
            ax.errorbar([target_year], [value], yerr=[[margin], [margin]], fmt="none",
                        ecolor=OBSERVED, elinewidth=0.9, capsize=3, capthick=0.9, zorder=4)
            ys += [value - margin, value + margin]
        ax.plot([target_year], [value], zorder=5, **_PROJECTION_MARK)
        legend.append(("趋势外推" + ("（95%区间）" if margin else ""), _PROJECTION_LINE))
        ys.append(value)

    if benchmark is not None:
        ax.plot([benchmark.year], [benchmark.value], zorder=6, **_NATIONAL_MARK)
        legend.append((f"全国（{benchmark.year}年）", _NATIONAL_MARK))
        ys.append(benchmark.value)
        years.append(benchmark.year)

    if not any(p.year > base_year for p in observed):
        ax.text(0.5, 0.93, "规划期内暂无监测值", transform=ax.transAxes, ha="center",
                va="top", fontsize=8, color=NOTE, zorder=8,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})

    # Axes: whole years from the base year to the target year (wider if the data are).
    x0, x1 = min(years), max(years)
    lo, hi = _y_limits(ys)
    ax.set_xlim(x0 - 0.4, x1 + 0.4)
    ax.set_ylim(lo, hi)
    xticks = _year_ticks(x0, x1)
    locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=4)
    yticks = [float(v) for v in locator.tick_values(lo, hi) if lo <= v <= hi] if ys else []
    ylabels = _tick_labels(yticks)
    _draw_axes(fig, ax, xticks, yticks, ylabels)

    # Title, margins and legend are placed by hand: a layout engine (or even the axes
    # title, which measures every artist to avoid overlaps) costs more than the chart.
    title = chart_title(section)
    lines = title.count("\n") + 1
    width, height = fig.get_size_inches()
    left = 0.14 + max((_text_width_in(t, _TICK_PT) for t in ylabels), default=0.1)
    right = (0.65 + max(_text_width_in(t, _LEGEND_PT) for t, _ in legend)) if legend else 0.15
    top = 0.16 + lines * _TITLE_PT * 1.35 / 72
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=0.3 / height)
    fig.text(0.1 / width, 1 - 0.08 / height, title, ha="left", va="top", fontsize=_TITLE_PT,
             color="black", linespacing=1.25)
    _legend(fig, legend, x=1 - (right - 0.15) / width, y=1 - top / height)
    return fig


def _draw_axes(fig, ax, xticks: list[int], yticks: list[float], ylabels: list[str]) -> None:
    """Ticks, tick labels and grid drawn as a few plain artists. matplotlib's own axis
    machinery (a Tick object of five artists per tick, measured and re-laid-out on every
    draw) takes about a third of a chart's time."""
    from matplotlib.markers import TICKDOWN, TICKLEFT
    from matplotlib.transforms import ScaledTranslation

    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.6)
        ax.spines[side].set_color(AXIS)
    if yticks:
        ax.hlines(yticks, *ax.get_xlim(), colors=GRID, linewidth=0.5, zorder=0.5)
    tick = {"linestyle": "none", "markersize": 3, "markeredgewidth": 0.6, "color": AXIS,
            "clip_on": False, "zorder": 9}
    x_axis, y_axis = ax.get_xaxis_transform(), ax.get_yaxis_transform()
    ax.plot(xticks, [0] * len(xticks), marker=TICKDOWN, transform=x_axis, **tick)
    ax.plot([0] * len(yticks), yticks, marker=TICKLEFT, transform=y_axis, **tick)
    below = x_axis + ScaledTranslation(0, -5 / 72, fig.dpi_scale_trans)
    for x in xticks:
        ax.text(x, 0, str(x), transform=below, ha="center", va="top", fontsize=_TICK_PT,
                color=AXIS, clip_on=False)
    beside = y_axis + ScaledTranslation(-5 / 72, 0, fig.dpi_scale_trans)
    for y, label in zip(yticks, ylabels, strict=True):
        ax.text(0, y, label, transform=beside, ha="right", va="center_baseline",
                fontsize=_TICK_PT, color=AXIS, clip_on=False)


def _legend(fig, entries: list[tuple[str, dict]], *, x: float, y: float) -> None:
    """A legend of figure-level artists in a column from (x, y), figure coordinates."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    width, height = fig.get_size_inches()
    handle = 0.3 / width
    step = _LEGEND_PT * 1.75 / 72 / height
    for k, (label, style) in enumerate(entries):
        cy = y - (k + 0.5) * step
        if "band" in style:
            fig.add_artist(Rectangle((x, cy - step * 0.28), handle, step * 0.56,
                                     facecolor=style["band"], alpha=0.15, linewidth=0,
                                     transform=fig.transFigure))
        else:
            line = {key: v for key, v in style.items() if not key.startswith("marker")}
            marker = {key: v for key, v in style.items() if key.startswith("marker")}
            if line.get("linestyle", "-") != "none":
                fig.add_artist(Line2D([x, x + handle], [cy, cy], marker="none",
                                      transform=fig.transFigure, **line))
            if marker.get("marker", "none") != "none":
                fig.add_artist(Line2D([x + handle / 2], [cy], linestyle="none",
                                      color=style.get("color"), transform=fig.transFigure,
                                      **marker))
        fig.text(x + handle + 0.08 / width, cy, label, ha="left", va="center_baseline",
                 fontsize=_LEGEND_PT, color="#262626")


def _year_ticks(first: int, last: int) -> list[int]:
    """Every year up to 12 years; beyond, a step that still labels both ends if one does."""
    span = last - first
    if span <= 12:
        return list(range(first, last + 1))
    step = next((k for k in range(2, 11) if span % k == 0 and span // k <= 12),
                -(-span // 12))
    return sorted(range(last, first - 1, -step))  # the target year always labelled


def _text_width_in(text: str, points: float) -> float:
    """Roughly how wide ``text`` is in inches: a CJK character is 1 em, others ~0.55 em."""
    ems = sum(1.0 if ord(c) > 0x2E7F else 0.55 for c in text)
    return ems * points / 72


def _tick_labels(ticks: list[float]) -> list[str]:
    """Tick labels with as many decimals as the step needs, the same for every tick."""
    if len(ticks) < 2:
        return [_fmt(t) for t in ticks]
    step = min(abs(b - a) for a, b in zip(ticks, ticks[1:], strict=False))
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > step * 1e-6:
        decimals += 1
    return [f"{t:.{decimals}f}" if round(t, decimals) else f"{0:.{decimals}f}" for t in ticks]


def _y_limits(ys: list[float]) -> tuple[float, float]:
    if not ys:
        return 0.0, 1.0
    lo, hi = min(ys), max(ys)
    span = hi - lo
    pad = span * 0.15 if span else max(abs(hi) * 0.1, 1.0)
    low = lo - pad
    if lo >= 0 > low:  # no negative axis for values that are all ≥ 0
        low = 0.0
    return low, hi + pad


def indicator_charts(sections: list[IndicatorSection], *, year: int, fmt: str = "png",
                     dpi: int = 150) -> list[bytes]:
    """One chart per section, in order (see :func:`start_charts`)."""
    return start_charts(sections, year=year, fmt=fmt, dpi=dpi).result()


# --------------------------------------------------------------------------- many charts at once


class ChartJob:
    """Charts being drawn, perhaps by other processes; :meth:`result` waits for them."""

    def __init__(self, fetch, cancel=None) -> None:
        self._fetch, self._cancel = fetch, cancel
        self._result: list[bytes] | None = None

    def result(self) -> list[bytes]:
        """The charts, in the order of the sections."""
        if self._result is None:
            fetch, self._fetch, self._cancel = self._fetch, None, None
            self._result = fetch()
        return self._result

    def cancel(self) -> None:
        """Give up charts that will not be used (nothing happens once they are collected)."""
        cancel, self._fetch, self._cancel = self._cancel, None, None
        if cancel is not None:
            cancel()


def start_charts(sections: list[IndicatorSection], *, year: int, fmt: str = "png",
                 dpi: int = 150) -> ChartJob:
    """Start drawing one chart per section and return at once, so that the caller can lay
    out the rest of the report meanwhile (the charts are most of a report's time).

    Where :func:`start_chart_workers` was called, the workers it forked draw them. Otherwise,
    on a machine with several cores, in a single-threaded process that can fork, forked
    workers draw them, inheriting matplotlib and the font that the first chart, drawn here,
    loads. Elsewhere (one core, a web server's threads) they are drawn here when asked for.
    """
    if fmt not in FORMATS:
        raise ValueError(f"图表格式应为 png 或 svg，而不是 {fmt!r}")
    sections = list(sections)
    if _server is not None and sections:
        job = _server.submit(sections, year, fmt, dpi)
        if job is not None:
            return job
    from functools import partial

    draw = partial(indicator_chart, year=year, fmt=fmt, dpi=dpi)
    workers = _workers()
    if workers < 2 or len(sections) < 8 or not _can_fork():
        return ChartJob(lambda: [draw(section) for section in sections])
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    first = draw(sections[0])  # loads matplotlib and the font before the fork
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    rest = pool.map(draw, sections[1:], chunksize=4)

    def fetch() -> list[bytes]:
        try:
            return [first, *rest]
        finally:
            pool.shutdown()

    return ChartJob(fetch, lambda: pool.shutdown(wait=False, cancel_futures=True))


def _workers() -> int:
    import os

    return min(os.cpu_count() or 1, 4)


def _can_fork() -> bool:
    import multiprocessing

    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


_server: _ChartServer | None = None


def start_chart_workers(fmt: str = "png") -> bool:
    """Fork the processes that will draw this process's charts, now: they import matplotlib,
    load the font and draw a first chart while the caller imports the database layer and
    reads the report's data, on the other cores. For a short-lived command that will draw
    charts (``healthplan report``): call it first thing, in a single-threaded process,
    before opening a database. :func:`start_charts` then uses them (one report's charts at
    a time); they end with this process. Returns False, starting nothing, on one core or
    where forking is not safe."""
    global _server
    if fmt not in FORMATS:
        raise ValueError(f"图表格式应为 png 或 svg，而不是 {fmt!r}")
    if _server is not None:
        return True
    workers = _workers()
    if workers < 2 or not _can_fork():
        return False
    _server = _ChartServer(workers, fmt)
    return True


class _ChartServer:
    """One process forked early (daemonic: it ends with this one), which warms up and then
    forks the other workers; each worker draws its share of every job (every n-th chart)
    and sends its charts back through a pipe of its own."""

    def __init__(self, workers: int, fmt: str) -> None:
        import atexit
        import multiprocessing
        import sys

        context = multiprocessing.get_context("fork")
        pipes = [context.Pipe() for _ in range(workers)]
        self._conns = [ours for ours, _ in pipes]
        theirs = [conn for _, conn in pipes]
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written twice
            stream.flush()
        self._process = context.Process(target=_serve, args=(theirs, self._conns, fmt),
                                        name="healthplan-charts", daemon=True)
        self._process.start()
        for conn in theirs:
            conn.close()
        self._busy = False
        atexit.register(self.close)

    def submit(self, sections: list[IndicatorSection], year: int, fmt: str,
               dpi: int) -> ChartJob | None:
        if self._busy or not self._conns:
            return None
        try:
            for conn in self._conns:
                conn.send((sections, year, fmt, dpi))
        except (OSError, ValueError):
            self.close()
            return None
        self._busy = True
        return ChartJob(lambda: self._collect(sections, year, fmt, dpi))

    def _collect(self, sections, year: int, fmt: str, dpi: int) -> list[bytes]:
        n = len(self._conns)
        charts: list = [None] * len(sections)
        error = None
        try:
            for share, conn in enumerate(self._conns):
                status, value = conn.recv()
                if status == "error":
                    error = error or value
                else:
                    charts[share::n] = value
        except (EOFError, OSError):  # a worker died: draw them here
            self.close()
            return [indicator_chart(s, year=year, fmt=fmt, dpi=dpi) for s in sections]
        self._busy = False
        if error is not None:
            raise error
        return charts

    def close(self) -> None:
        global _server
        for conn in self._conns:
            conn.close()
        self._conns = []
        if _server is self:
            _server = None


def _serve(conns, parent_ends, fmt: str) -> None:
    """The workers' side: warm up, fork one worker per further pipe, then draw every n-th
    chart of each job until the pipe closes (the command has finished)."""
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the command to handle
    for conn in parent_ends:
        conn.close()
    _warm_up(fmt)
    share = 0
    for k in range(1, len(conns)):
        if os.fork() == 0:
            share = k
            break
    for k, conn in enumerate(conns):
        if k != share:
            conn.close()
    conn = conns[share]
    try:
        while True:
            try:
                sections, year, fmt, dpi = conn.recv()
            except (EOFError, OSError):
                break
            try:
                charts = [indicator_chart(s, year=year, fmt=fmt, dpi=dpi)
                          for s in sections[share::len(conns)]]
                conn.send(("ok", charts))
            except Exception as exc:  # raised by the caller
                try:
                    conn.send(("error", exc))
                except Exception:
                    conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        if share:
            os._exit(0)


def _warm_up(fmt: str) -> None:
    """Import what a chart needs and draw one, so that the first real chart costs no more
    than the others."""
    from healthplan.reports.content import IndicatorSection, Point

    sample = IndicatorSection(
        position=1, target_id=0, indicator_id=None, name="预热", unit="%", category="",
        attribute="", baseline_text="1", baseline_value=1.0, base_year=2020,
        target_text="≥2", target_year=2025, rule="", threshold=2.0, verdict="no_data",
        explanation="", latest_year=None, latest_value=None, latest_source=None, gap=None,
        completion=None, expected=None, projection_value=None, projection_margin=None,
        binding_shortfall=False, observations=[Point(2020, 1.0, "")])
    indicator_chart(sample, year=2025, fmt=fmt)
