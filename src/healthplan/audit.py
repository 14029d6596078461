"""Plan audit: read a plan as a reviewer does and list what is wrong with it.

``audit_plan(document, plan)`` returns :class:`Finding`s, each with a kind, a severity,
a one-sentence message in Chinese and its evidence: quotes with the 1-based line of the
document they were printed on (every quote is a verbatim substring of its line), so a
finding can be checked by reading the quoted lines. The checks prefer precision to
recall: a finding is only made from figures the extractors read and the catalogue
matched (exactly, by alias or after normalisation — never a fuzzy match).

Checks (``kind``):

* Internal contradictions — ``inconsistent_target``: a body-text or 专栏 sentence states
  a catalogue indicator's 2025 figure differently from the indicator table (same unit);
  ``box_contradicts_chapter``: a 专栏 box and the body promise different figures for the
  same indicator or the same subject word for word (same unit, same year);
  ``numbering_gap``: 专栏 or 表 captions skip or repeat a number, or a box lost its caption.
* Ambition — ``weaker_than_baseline`` / ``binding_weaker_than_baseline``: the baseline
  already beats the target (the target allows the indicator to get worse);
  ``met_at_baseline``: the baseline already meets the target exactly;
  ``weaker_than_parent``: the target is weaker than the parent plan's for the same
  indicator and unit (county against city).
* Units and definitions — ``unit_mismatch``: the printed unit contradicts the catalogue
  (the catalogue's unit note); ``fused_indicator``: one row holds two measures under one
  target; ``target_needs_judgement``: the target cannot be checked by a machine (a
  relative target without its baseline, or a rule that needs judgement).
* Completeness — ``missing_baseline`` (a row, or a table without a baseline column),
  ``missing_target``, ``missing_attribute``, ``missing_target_year``,
  ``no_evaluation_schedule`` (no annual monitoring / mid-term / final evaluation named),
  ``no_responsible_body`` (no body named to lead implementation or monitoring).

Baselines: a plan table's own base-year column; where the table has none, the actual
values of the same document's completion table (无锡市 表1) for the year before the plan
period. Parent targets come from the caller (:class:`ParentPlan`): from a stored plan's
parent, or from another document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from healthplan import catalog
from healthplan.documents.model import Document
from healthplan.extract import ExtractedPlan
from healthplan.extract.model import IndicatorRow, IndicatorTable
from healthplan.targets import Rule, read_value

SEVERITIES = ("high", "medium", "low")
SEVERITY_CN = {"high": "严重", "medium": "警告", "low": "提示"}
KINDS = (
    "inconsistent_target", "box_contradicts_chapter", "numbering_gap",
    "weaker_than_baseline", "binding_weaker_than_baseline", "met_at_baseline", "weaker_than_parent",
    "unit_mismatch", "fused_indicator", "target_needs_judgement",
    "missing_baseline", "missing_target", "missing_attribute", "missing_target_year",
    "no_evaluation_schedule", "no_responsible_body",
)
KIND_CN = {
    "inconsistent_target": "前后数字不一致", "box_contradicts_chapter": "专栏与正文不一致",
    "numbering_gap": "编号不连续",
    "weaker_than_baseline": "目标低于基期水平", "binding_weaker_than_baseline": "约束性目标低于基期水平",
    "met_at_baseline": "基期已达到目标", "weaker_than_parent": "目标低于上级规划",
    "unit_mismatch": "单位存疑", "fused_indicator": "指标合并", "target_needs_judgement": "目标无法自动判断",
    "missing_baseline": "缺少基期值", "missing_target": "缺少目标值", "missing_attribute": "缺少指标属性",
    "missing_target_year": "缺少目标年份", "no_evaluation_schedule": "缺少监测评估安排",
    "no_responsible_body": "未明确责任主体",
}

# Catalogue matches good enough to compare figures (never "fuzzy").
_SURE_MATCHES = ("exact", "alias", "normalised")
# Kinds of rule with one bar to compare against a baseline or another plan's target.
_BAR_KINDS = ("at_least", "greater_than", "at_most", "less_than", "approximately")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_EPS = 1e-9


@dataclass(frozen=True)
class Evidence:
    line: int  # 1-based line of the document
    quote: str  # verbatim substring of that line

    def to_json(self) -> dict:
        return {"line": self.line, "quote": self.quote}


@dataclass
class Finding:
    kind: str
    severity: str
    message: str
    evidence: list[Evidence]
    parent: dict | None = None  # for weaker_than_parent: the parent plan's target as printed

    def to_json(self) -> dict:
        data = {"kind": self.kind, "severity": self.severity, "message": self.message,
                "evidence": [e.to_json() for e in self.evidence]}
        if self.parent is not None:
            data["parent"] = self.parent
        return data


@dataclass(frozen=True)
class ParentTarget:
    indicator_id: str
    name: str
    unit: str
    target: str  # as printed
    rule: Rule
    line: int | None = None  # line in the parent's document


@dataclass
class ParentPlan:
    label: str  # e.g. "无锡市“十四五”卫生健康发展规划（规划 1）"
    targets: list[ParentTarget] = field(default_factory=list)
    plan_id: int | None = None


# --------------------------------------------------------------------------- entry points


def audit_plan(document: Document, plan: ExtractedPlan, parent: ParentPlan | None = None) -> list[Finding]:
    """Every finding for one plan document, most severe first, then by line."""
    quotes = _Quotes(document)
    tables = [t for t in plan.indicator_tables if t.kind == "plan"]
    findings: list[Finding] = []
    findings += check_contradictions(plan, tables, quotes)
    findings += check_box_against_chapter(plan, quotes)
    findings += check_numbering(document, plan, quotes)
    findings += check_ambition(plan, tables, quotes)
    if parent is not None:
        findings += check_parent(tables, parent, quotes)
    findings += check_units_and_definitions(tables, quotes)
    findings += check_completeness(tables, quotes)
    findings += check_mechanisms(document, plan, quotes)
    order = {s: k for k, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order[f.severity], f.evidence[0].line if f.evidence else 0))
    return findings


def parent_from_plan(plan: ExtractedPlan, label: str, plan_id: int | None = None) -> ParentPlan:
    """The targets of another extracted plan (a parent region's document) for comparison."""
    targets = [
        ParentTarget(row.indicator_id, row.name, row.unit, row.target, row.rule, row.line_start)
        for table in plan.indicator_tables if table.kind == "plan"
        for row in table.rows
        if row.indicator_id and row.rule is not None
    ]
    return ParentPlan(label, targets, plan_id)


def findings_to_json(findings: list[Finding]) -> list[dict]:
    return [f.to_json() for f in findings]


def render_table(findings: list[Finding], title: str = "") -> str:
    """A readable Chinese listing of the findings."""
    out = [f"■ {title}" if title else "■ 规划审查结果"]
    if not findings:
        out.append("  未发现问题。")
        return "\n".join(out) + "\n"
    counts = "，".join(f"{SEVERITY_CN[s]} {n}" for s in SEVERITIES
                      if (n := sum(1 for f in findings if f.severity == s)))
    out.append(f"  共 {len(findings)} 项（{counts}）")
    for k, f in enumerate(findings, 1):
        out.append(f"{k:>3}. 【{SEVERITY_CN[f.severity]}】{KIND_CN[f.kind]}：{f.message}")
        for e in f.evidence:
            out.append(f"       第 {e.line} 行：{e.quote}")
        if f.parent:
            where = f"第 {f.parent['line']} 行：" if f.parent.get("line") else ""
            out.append(f"       上级规划 {f.parent['plan']}：{where}{f.parent['name']} {f.parent['target']}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- quotes


class _Quotes:
    """Evidence that is always a verbatim substring of the cited line."""

    def __init__(self, document: Document):
        self.document = document

    def text(self, line: int) -> str:
        if 1 <= line <= len(self.document.lines):
            return self.document.line(line).text
        return ""

    def at(self, line: int, *candidates: str) -> Evidence:
        """The first candidate printed on ``line``; else the line itself (stripped)."""
        text = self.text(line)
        for candidate in candidates:
            candidate = (candidate or "").strip()
            if candidate and candidate in text:
                return Evidence(line, candidate)
        return Evidence(line, text.strip())

    def within(self, start: int, end: int, *candidates: str) -> Evidence:
        """The first line from ``start`` to ``end`` printing a candidate (in order of preference)."""
        for candidate in candidates:
            candidate = (candidate or "").strip()
            if not candidate:
                continue
            for n in range(start, end + 1):
                if candidate in self.text(n):
                    return Evidence(n, candidate)
        for n in range(start, end + 1):
            if self.text(n).strip():
                return Evidence(n, self.text(n).strip())
        return Evidence(start, self.text(start).strip())

    def row(self, row: IndicatorRow, *cells: str) -> Evidence:
        return self.within(row.line_start, row.line_end, *cells)


def _with_unit(value: str, unit: str) -> str:
    """A printed value with its unit: "2.14‰", "6.21/10万", "70以上（%）"."""
    value, unit = value.strip(), (unit or "").strip()
    if unit.startswith("1/"):
        unit = unit[1:]
    if not unit:
        return value
    return value + unit if value[-1:].isdigit() else f"{value}（{unit}）"


def _norm_unit(unit: str, name: str = "") -> str | None:
    return catalog.normalise_unit(unit or "", name)


def _direction(row_or_id) -> str | None:
    indicator_id = row_or_id if isinstance(row_or_id, str) else row_or_id.indicator_id
    if not indicator_id or indicator_id not in catalog.load_catalog():
        return None
    return catalog.get(indicator_id).direction


def _sure_id(row: IndicatorRow) -> str | None:
    match = row.match
    if row.indicator_id and getattr(match, "method", None) in _SURE_MATCHES:
        return row.indicator_id
    return None


def _bar(rule: Rule | None) -> float | None:
    """The single figure of a comparison or 左右 target, else None."""
    if rule is None or rule.kind not in _BAR_KINDS or rule.value is None:
        return None
    return rule.value


def _location(plan: ExtractedPlan, line: int) -> str:
    for project in plan.projects:
        if project.line_start <= line <= project.line_end:
            number = project.number or project.inferred_number
            return f"专栏{number}" if number else "专栏"
    return "正文"


# --------------------------------------------------------------------------- contradictions

# Spellings of the same indicator the catalogue does not list: 公民健康素养水平 is the
# national survey's name for 居民健康素养水平.
_SUBJECT_PREFIXES = ("公民", "全民", "城乡居民", "全市居民", "全区居民", "全县居民")


def _commitment_indicator(subject: str, unit: str) -> str | None:
    found = catalog.match(subject, unit)
    if found.indicator_id and found.method in _SURE_MATCHES:
        return found.indicator_id
    for prefix in _SUBJECT_PREFIXES:
        if subject.startswith(prefix) and len(subject) > len(prefix) + 2:
            found = catalog.match("居民" + subject[len(prefix):], unit)
            if found.indicator_id and found.method in _SURE_MATCHES:
                return found.indicator_id
    return None


def check_contradictions(plan: ExtractedPlan, tables: list[IndicatorTable], quotes: _Quotes) -> list[Finding]:
    """A body or 专栏 figure for a table indicator that differs from the table's target."""
    rows: dict[str, list[IndicatorRow]] = {}
    for table in tables:
        for row in table.rows:
            if _sure_id(row):
                rows.setdefault(row.indicator_id, []).append(row)
    findings = []
    for c in plan.commitments:
        if c.comparator in ("per", "range") or not _NUMBER.fullmatch(c.value or ""):
            continue
        indicator_id = _commitment_indicator(c.subject, c.unit)
        if indicator_id is None or indicator_id not in rows:
            continue
        for row in rows[indicator_id]:
            if c.year is not None and row.target_year is not None and c.year != row.target_year:
                continue
            unit, row_unit = _norm_unit(c.unit, c.subject), _norm_unit(row.unit, row.name)
            if not unit or unit != row_unit or row.match.unit_note:
                continue
            printed = {float(n) for n in _NUMBER.findall(row.target)}
            if not printed or float(c.value) in printed:
                continue
            where = _location(plan, c.line)
            attribute = f"（{row.attribute}）" if row.attribute else ""
            findings.append(Finding(
                "inconsistent_target", "high",
                f"{where}第{c.line}行写“{c.text}”，而指标表中“{row.name}”{row.target_year or ''}年目标为"
                f"“{row.target.strip()}”{attribute}，同一指标的目标值前后不一致。",
                [quotes.at(c.line, c.text, c.sentence, c.value),
                 quotes.row(row, row.name),
                 quotes.row(row, row.target)],
            ))
    return _dedupe(findings)


def check_box_against_chapter(plan: ExtractedPlan, quotes: _Quotes) -> list[Finding]:
    """A 专栏 box and the body text promising different figures for the same thing: the
    same catalogue indicator, or the same subject word for word, unit and year."""
    items = []
    for c in plan.commitments:
        if c.comparator in ("per", "range") or not _NUMBER.fullmatch(c.value or ""):
            continue
        key = _commitment_indicator(c.subject, c.unit) or c.subject.strip()
        unit = _norm_unit(c.unit, c.subject) or (c.unit or "").strip()
        items.append((c, key, unit, _location(plan, c.line)))
    findings = []
    for k, (a, key_a, unit_a, where_a) in enumerate(items):
        for b, key_b, unit_b, where_b in items[k + 1:]:
            if key_a != key_b or not unit_a or unit_a != unit_b or (where_a == "正文") == (where_b == "正文"):
                continue
            if a.year is not None and b.year is not None and a.year != b.year:
                continue
            if float(a.value) == float(b.value):
                continue
            box, body = (a, b) if where_a != "正文" else (b, a)
            findings.append(Finding(
                "box_contradicts_chapter", "high",
                f"{_location(plan, box.line)}第{box.line}行写“{box.text}”，正文第{body.line}行写“{body.text}”，"
                "专栏与正文的数字不一致。",
                [quotes.at(body.line, body.text, body.value), quotes.at(box.line, box.text, box.value)]))
    return findings


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.kind, tuple((e.line, e.quote) for e in f.evidence))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


_TABLE_CAPTION = re.compile(r"^\s*(?:附)?表\s*(\d{1,2})(?![\d.．、])\s*\S")


def check_numbering(document: Document, plan: ExtractedPlan, quotes: _Quotes) -> list[Finding]:
    findings = []
    boxes = [p for p in plan.projects if p.number is not None]
    numbers = [p.number for p in boxes]
    if numbers:
        findings += _gaps("专栏", [(p.number, p.line_start) for p in boxes], quotes, plan)
    captions = []
    for line in document.lines:
        m = _TABLE_CAPTION.match(line.text)
        if m and len(line.text.strip()) <= 60 and line.cells is None:
            captions.append((int(m.group(1)), line.number))
    if captions:
        findings += _gaps("表", captions, quotes, plan)
    return findings


def _gaps(word: str, numbered: list[tuple[int, int]], quotes: _Quotes, plan: ExtractedPlan) -> list[Finding]:
    findings = []
    numbered = sorted(numbered, key=lambda item: item[1])
    previous = None
    for number, line in numbered:
        caption = quotes.at(line, *(quotes.text(line).strip().split()[:1]))
        if previous is not None:
            prev_number, prev_line = previous
            prev_caption = quotes.at(prev_line, *(quotes.text(prev_line).strip().split()[:1]))
            if number == prev_number:
                findings.append(Finding(
                    "numbering_gap", "medium",
                    f"第{prev_line}行和第{line}行都编为{word}{number}，{word}编号重复。",
                    [prev_caption, caption]))
            elif number > prev_number + 1:
                missing = "、".join(f"{word}{n}" for n in range(prev_number + 1, number))
                evidence = [prev_caption]
                lost = ""
                if word == "专栏":
                    uncaptioned = [p for p in plan.projects if p.caption_missing
                                   and prev_line < p.line_start < line]
                    for p in uncaptioned:
                        evidence.append(quotes.at(p.line_start, *(quotes.text(p.line_start).strip()[:30],)))
                    if uncaptioned:
                        lost = "；" + "、".join(f"第{p.line_start}行起的专栏没有标题" for p in uncaptioned) + \
                               ("，按编号应为" + missing if len(uncaptioned) == 1 else "")
                evidence.append(caption)
                findings.append(Finding(
                    "numbering_gap", "medium",
                    f"{word}编号从{word}{prev_number}（第{prev_line}行）跳到{word}{number}（第{line}行），"
                    f"缺少{missing}{lost}。", evidence))
            elif number < prev_number:
                findings.append(Finding(
                    "numbering_gap", "medium",
                    f"{word}{number}（第{line}行）排在{word}{prev_number}（第{prev_line}行）之后，{word}编号顺序有误。",
                    [prev_caption, caption]))
        elif number != 1:
            findings.append(Finding(
                "numbering_gap", "medium",
                f"第一个{word}编为{word}{number}（第{line}行），缺少{word}1至{word}{number - 1}。", [caption]))
        previous = (number, line)
    return findings


# --------------------------------------------------------------------------- ambition


@dataclass(frozen=True)
class _Baseline:
    value: float
    text: str
    year: int | None
    row: IndicatorRow  # the row printing it (this table's, or the completion table's)
    from_completion: bool = False


def _usable_baseline(row: IndicatorRow, direction: str | None) -> tuple[float, bool] | None:
    """(baseline value, whether it is a bound) when it can be compared with the target."""
    read = read_value(row.baseline)
    if read.value is None:
        return None
    if read.bound is None:
        return read.value, False
    # "70以上" says the actual is at least 70: usable for a higher-is-better indicator.
    if direction == "higher" and read.bound in ("at_least", "greater_than"):
        return read.value, True
    if direction == "lower" and read.bound in ("at_most", "less_than"):
        return read.value, True
    return None


def _baselines(plan: ExtractedPlan, tables: list[IndicatorTable]) -> dict[int, _Baseline]:
    """Baseline per plan-table row (keyed by id(row))."""
    completion: dict[str, IndicatorRow] = {}
    start = plan.document.period.start if plan.document.period else None
    for table in plan.indicator_tables:
        if table.kind != "completion":
            continue
        for row in table.rows:
            if _sure_id(row) and start is not None and row.baseline_year == start - 1:
                completion.setdefault(row.indicator_id, row)
    result = {}
    for table in tables:
        for row in table.rows:
            if not _sure_id(row):
                continue
            direction = _direction(row)
            own = _usable_baseline(row, direction)
            if own is not None:
                result[id(row)] = _Baseline(own[0], row.baseline, row.baseline_year, row)
                continue
            if read_value(row.baseline).text.strip() and read_value(row.baseline).value is not None:
                continue  # printed but not usable (e.g. "85左右")
            done = completion.get(row.indicator_id)
            if done is None or _norm_unit(done.unit, done.name) != _norm_unit(row.unit, row.name):
                continue
            actual = _usable_baseline(done, direction)
            if actual is not None and not actual[1]:
                result[id(row)] = _Baseline(actual[0], done.baseline, done.baseline_year, done, True)
    return result


def check_ambition(plan: ExtractedPlan, tables: list[IndicatorTable], quotes: _Quotes) -> list[Finding]:
    findings = []
    baselines = _baselines(plan, tables)
    for table in tables:
        for row in table.rows:
            base = baselines.get(id(row))
            rule = row.rule
            bar = _bar(rule)
            direction = _direction(row)
            if base is None or bar is None or direction not in ("higher", "lower") or row.match.unit_note:
                continue
            b = base.value
            try:
                met = rule.check(b, check_scale=False).met
            except ValueError:
                continue
            if base.value == bar and rule.kind in ("greater_than", "less_than") and _strict_base(base):
                met = True  # ">90" at baseline meets ">90"
            if not met:
                continue
            better = b > bar + _EPS if direction == "higher" else b < bar - _EPS
            bound = catalog.get(row.indicator_id).bounds
            if not better and bar in bound:
                continue  # keeping 100% (or 0) where it already is: nothing more to ask
            year = f"{base.year}年" if base.year else "基期"
            source = f"（据{_table_name(plan, base.row)}）" if base.from_completion else ""
            evidence = [quotes.row(base.row, base.text) if base.from_completion else quotes.row(row, row.baseline),
                        quotes.row(row, row.name), quotes.row(row, row.target)]
            if base.from_completion:
                evidence.insert(0, quotes.row(base.row, base.row.name))
            binding = row.attribute == "约束性"
            if better:
                kind = "binding_weaker_than_baseline" if binding else "weaker_than_baseline"
                what = "约束性指标" if binding else "指标"
                message = (f"{what}“{row.name}”{year}实际为{_with_unit(base.text, row.unit)}{source}，已优于"
                           f"{row.target_year or ''}年目标“{row.target.strip()}”，目标低于现有水平。")
                severity = "high" if binding else "medium"
            else:
                kind = "met_at_baseline"
                message = (f"指标“{row.name}”{year}实际为{_with_unit(base.text, row.unit)}{source}，已达到"
                           f"{row.target_year or ''}年目标“{row.target.strip()}”，目标只要求保持现有水平"
                           + ("（约束性）" if binding else "") + "。")
                severity = "medium" if binding else "low"
            findings.append(Finding(kind, severity, message, evidence))
    return findings


def _strict_base(base: _Baseline) -> bool:
    return read_value(base.text).bound in ("greater_than", "less_than")


def _table_name(plan: ExtractedPlan, row: IndicatorRow) -> str:
    for table in plan.indicator_tables:
        if row in table.rows:
            m = re.match(r"^\s*(表\s*\d+)", table.caption or "")
            return f"{m.group(1)}完成情况" if m else "上期规划完成情况表"
    return "上期规划完成情况表"


def check_parent(tables: list[IndicatorTable], parent: ParentPlan, quotes: _Quotes) -> list[Finding]:
    """Targets weaker than the parent plan's for the same catalogue indicator and unit."""
    theirs: dict[str, list[ParentTarget]] = {}
    for target in parent.targets:
        theirs.setdefault(target.indicator_id, []).append(target)
    findings = []
    for table in tables:
        for row in table.rows:
            indicator_id = _sure_id(row)
            mine = _bar(row.rule)
            direction = _direction(row)
            if indicator_id is None or mine is None or direction not in ("higher", "lower") or row.match.unit_note:
                continue
            for other in theirs.get(indicator_id, ()):
                bar = _bar(other.rule)
                if bar is None or _norm_unit(other.unit, other.name) != _norm_unit(row.unit, row.name):
                    continue
                weaker = mine < bar - _EPS if direction == "higher" else mine > bar + _EPS
                if not weaker:
                    continue
                findings.append(Finding(
                    "weaker_than_parent", "medium",
                    f"指标“{row.name}”目标“{row.target.strip()}”低于上级规划{parent.label}的目标"
                    f"“{other.target.strip()}”" + (f"（其第{other.line}行）" if other.line else "") + "。",
                    [quotes.row(row, row.name), quotes.row(row, row.target)],
                    parent={"plan": parent.label, "plan_id": parent.plan_id, "line": other.line,
                            "name": other.name, "target": other.target},
                ))
                break
    return findings


# --------------------------------------------------------------------------- units and definitions


def check_units_and_definitions(tables: list[IndicatorTable], quotes: _Quotes) -> list[Finding]:
    findings = []
    for table in tables:
        for row in table.rows:
            note = getattr(row.match, "unit_note", None)
            if row.indicator_id and note:
                expected = catalog.get(row.indicator_id).unit
                findings.append(Finding(
                    "unit_mismatch", "medium",
                    f"指标“{row.name}”印刷单位为“{row.unit}”，而该指标通常以“{expected}”计，单位或数值有误，请核对。",
                    [quotes.row(row, row.name), quotes.row(row, row.unit)]))
            if row.indicator_id and catalog.get(row.indicator_id).fused:
                parts = "、".join(catalog.get(c).name for c in catalog.get(row.indicator_id).components
                                 if c in catalog.load_catalog())
                findings.append(Finding(
                    "fused_indicator", "low",
                    f"指标“{row.name}”把{parts or '两个指标'}合为一项、共用一个目标“{row.target.strip()}”，"
                    "应分列以便分别监测。",
                    [quotes.row(row, row.name)]))
            reason = _judgement_reason(row)
            if reason:
                findings.append(Finding(
                    "target_needs_judgement", "medium",
                    f"指标“{row.name}”的目标“{row.target.strip()}”无法自动判断：{reason}。",
                    [quotes.row(row, row.name), quotes.row(row, row.target)]))
    return findings


def _judgement_reason(row: IndicatorRow) -> str | None:
    rule = row.rule
    if rule is None:
        return None
    if rule.kind == "needs_judgement":
        return rule.reason or "目标表述无法转为可检验的规则"
    if rule.kind in ("relative_change", "yearly_change") and rule.baseline is None:
        return "目标是相对基期的变化，但表中没有基期值，无从计算目标值"
    return None


# --------------------------------------------------------------------------- completeness


_BASELINE_HEADER = re.compile(r"(?:19|20)\d\d\s*年(?!.*目标)|基期|基数|现状")


def check_completeness(tables: list[IndicatorTable], quotes: _Quotes) -> list[Finding]:
    findings = []
    for table in tables:
        caption = table.caption or "指标表"
        has_baseline = any(r.baseline_year for r in table.rows) or any(
            _BASELINE_HEADER.search(h) and not h.strip().startswith(str(table.period.end if table.period else ""))
            for h in table.header)
        header_line = _header_line(table, quotes)
        if not has_baseline:
            findings.append(Finding(
                "missing_baseline", "medium",
                f"“{caption}”只列目标值、没有基期值一栏（共{len(table.rows)}项指标），无法判断目标的进取程度和进展。",
                [header_line]))
        has_attribute = any(r.attribute for r in table.rows)
        if not has_attribute:
            findings.append(Finding(
                "missing_attribute", "low",
                f"“{caption}”没有标明各指标的属性（约束性或预期性）。", [header_line]))
        for row in table.rows:
            if has_baseline and read_value(row.baseline).value is None and not read_value(row.baseline).values \
                    and not _judgement_reason(row):
                printed = row.baseline.strip()
                findings.append(Finding(
                    "missing_baseline", "low",
                    f"指标“{row.name}”没有基期值（表中为“{printed or '空'}”）。",
                    [quotes.row(row, row.name)] + ([quotes.row(row, printed)] if printed else [])))
            if row.rule is not None and row.rule.kind == "no_target":
                printed = row.target.strip()
                findings.append(Finding(
                    "missing_target", "medium",
                    f"指标“{row.name}”没有设定目标值（表中为“{printed or '空'}”）。",
                    [quotes.row(row, row.name), quotes.row(row, printed) if printed else quotes.row(row, row.name)]))
            if has_attribute and not row.attribute:
                findings.append(Finding(
                    "missing_attribute", "low", f"指标“{row.name}”没有标明属性（约束性或预期性）。",
                    [quotes.row(row, row.name)]))
            if row.target_year is None:
                findings.append(Finding(
                    "missing_target_year", "low", f"指标“{row.name}”的目标没有注明年份。",
                    [quotes.row(row, row.name)]))
    return findings


def _header_line(table: IndicatorTable, quotes: _Quotes) -> Evidence:
    if table.caption:
        return quotes.within(max(1, table.line_start - 1), table.line_end, table.caption.strip(),
                             table.caption.split()[0])
    return quotes.within(table.line_start, table.line_end, *table.header)


# --------------------------------------------------------------------------- mechanisms

_MIDTERM = re.compile(r"中期[^。；]{0,12}评估|中期评估|中期、|中期和|中期及")
_FINAL = re.compile(r"终期|终末|末期评估|末期、|总结评估|期末评估|末期")
_ANNUAL = re.compile(r"年度监测|年度评估|年度[^。；]{0,6}评估|年度、中期|每年[^。；]{0,10}(?:监测|评估)")
_EVALUATION = re.compile(r"监测评估|评估制度|评估体系|评估机制|监测评价|规划评估|评价体系")
_ABOUT_PLAN = re.compile(r"规划实施|规划执行|监测评估|规划目标|规划各项|本规划|规划纲要|规划的")
_RESPONSIBLE = re.compile(r"牵头|负责(?!人)|责任主体|责任单位|职责分工")
_SAFEGUARDS = re.compile(r"保障措施|组织实施|实施保障|规划实施")


def check_mechanisms(document: Document, plan: ExtractedPlan, quotes: _Quotes) -> list[Finding]:
    """A schedule of monitoring and evaluation, and a body responsible for the plan."""
    from healthplan.extract.outline import walk

    toc = {entry.line for entry in plan.toc}
    lines = [line for line in document.lines if line.number not in toc and line.cells is None]
    findings = []
    headings = [h for h, _ in walk(plan.outline)]
    safeguards = next((h for h in headings if _SAFEGUARDS.search(h.title)), None)
    anchor = (quotes.at(safeguards.line, safeguards.title) if safeguards
              else quotes.at(1, quotes.text(1).strip()))

    midterm = any(_MIDTERM.search(line.text) for line in lines)
    final = any(_FINAL.search(line.text) for line in lines)
    annual = any(_ANNUAL.search(line.text) for line in lines)
    if not (midterm or final):
        stated = next(((line, clause) for line in lines
                       for sentence in re.split(r"[。；]", line.text) if "规划" in sentence
                       for clause in re.split(r"[，,]", sentence) if _EVALUATION.search(clause)), None)
        if stated is not None:
            line, clause = stated
            clause = clause.strip()
            message = ("规划只提出“" + clause + "”，没有明确年度监测、中期评估和终期评估的安排。")
            evidence = [quotes.at(line.number, clause)]
        else:
            message = "规划没有提出监测评估机制（年度监测、中期评估、终期评估）。"
            evidence = [anchor]
        findings.append(Finding("no_evaluation_schedule", "medium", message, evidence))
    elif not annual and not (midterm and final):
        missing = "、".join(w for w, ok in (("年度监测", annual), ("中期评估", midterm), ("终期评估", final)) if not ok)
        hit = next(line for line in lines if _MIDTERM.search(line.text) or _FINAL.search(line.text))
        sentence = _sentence_with(hit.text, _MIDTERM if midterm else _FINAL)
        findings.append(Finding("no_evaluation_schedule", "low",
                                f"规划的监测评估安排不完整，没有提到{missing}。",
                                [quotes.at(hit.number, sentence)]))

    responsible = any(
        _ABOUT_PLAN.search(s) and _RESPONSIBLE.search(s)
        for line in lines for s in re.split(r"[。；]", line.text))
    if not responsible:
        findings.append(Finding(
            "no_responsible_body", "low",
            "规划没有指明牵头负责规划实施和监测评估的部门或单位（如卫生健康委牵头、各部门职责分工）。",
            [anchor]))
    return findings


def _sentence_with(text: str, pattern: re.Pattern) -> str:
    for sentence in re.split(r"[。；]", text):
        if pattern.search(sentence):
            return sentence.strip()
    return text.strip()


__all__ = [
    "KINDS", "KIND_CN", "SEVERITIES", "SEVERITY_CN", "Evidence", "Finding", "ParentPlan",
    "ParentTarget", "audit_plan", "findings_to_json", "parent_from_plan", "render_table",
]
