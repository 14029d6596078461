"""What changed between the last draft indicator table and the plan as issued.

``compare_rows(draft, issued)`` takes two lists of ``draftcheck.DraftLine`` (the draft's
rows; the issued plan's targets in the same form, ``position`` being the plan's row
order) and returns ``Change``s: an indicator the issued plan added (``added``), one it
dropped (``removed``), one whose unit, baseline, target or attribute differs
(``changed``, each difference as (field, draft text, issued text)). Rows are matched by
catalogue indicator, else by name; texts are compared after Unicode NFKC and without
spaces (``≥ 80`` and ``≥80`` are the same target). Plain data in and out; no database.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from healthplan.draftcheck import DraftLine

CHANGE_CN = {"added": "印发时新增", "removed": "印发时删除", "changed": "印发时修改"}
FIELDS = (("unit", "单位"), ("baseline_text", "基期值"), ("target_text", "目标值"), ("attribute", "属性"))


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    name: str
    indicator_id: str | None
    draft_position: int | None  # the draft's 序号
    issued_position: int | None  # the row's place in the issued plan's table
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, draft, issued)

    def to_json(self) -> dict:
        return {"kind": self.kind, "name": self.name, "indicator_id": self.indicator_id,
                "draft_position": self.draft_position, "issued_position": self.issued_position,
                "fields": [{"field": f, "draft": d, "issued": i} for f, d, i in self.fields]}

    def describe(self) -> str:
        if self.kind == "added":
            return f"{CHANGE_CN['added']}：{self.name}（草案中没有）"
        if self.kind == "removed":
            return f"{CHANGE_CN['removed']}：{self.name}（草案第 {self.draft_position} 行）"
        parts = "；".join(f"{f} {d or '—'} → {i or '—'}" for f, d, i in self.fields)
        return f"{CHANGE_CN['changed']}：{self.name}（草案第 {self.draft_position} 行）：{parts}"


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(text.split()).replace(">=", "≥").replace("<=", "≤")


def _key(line: DraftLine) -> str:
    return f"id:{line.indicator_id}" if line.indicator_id else f"name:{_norm(line.name)}"


def compare_rows(draft: list[DraftLine], issued: list[DraftLine]) -> list[Change]:
    """The changes from ``draft`` to ``issued``: in the draft's order (changed and removed
    rows), then the issued plan's new rows in its order."""
    pending: dict[str, list[DraftLine]] = {}
    for line in issued:
        pending.setdefault(_key(line), []).append(line)
    out: list[Change] = []
    for row in draft:
        matches = pending.get(_key(row))
        if not matches:
            out.append(Change("removed", row.name, row.indicator_id, row.position, None))
            continue
        got = matches.pop(0)
        diffs = [(cn, getattr(row, attr), getattr(got, attr)) for attr, cn in FIELDS
                 if _norm(getattr(row, attr)) != _norm(getattr(got, attr))]
        if diffs:
            out.append(Change("changed", got.name, row.indicator_id, row.position, got.position, diffs))
    rest = sorted((line for lines in pending.values() for line in lines), key=lambda x: x.position)
    out.extend(Change("added", line.name, line.indicator_id, None, line.position) for line in rest)
    return out


def render_changes(changes: list[Change], unchanged: int) -> str:
    """A readable Chinese listing (the CLI's table)."""
    if not changes:
        return f"  草案与印发规划的指标表一致（{unchanged} 项未变）。\n"
    counts = "，".join(f"{cn} {n}" for kind, cn in CHANGE_CN.items()
                      if (n := sum(1 for c in changes if c.kind == kind)))
    lines = [f"  共 {len(changes)} 处变化（{counts}），{unchanged} 项未变"]
    lines += [f"{k:>3}. {c.describe()}" for k, c in enumerate(changes, 1)]
    return "\n".join(lines) + "\n"
