"""What the extractors find in a Document; every item carries its line span."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"


@dataclass
class IndicatorRow:
    """One row of an indicator table; values verbatim as printed."""

    category: str
    seq: str
    name: str
    unit: str
    baseline_year: int | None
    baseline: str
    target_year: int | None
    target: str
    attribute: str
    line_start: int
    line_end: int
    # Where the reader had to guess (a resynchronised row, a cell split by position, an OCR
    # value below its confidence threshold): a short reason in Chinese; None when certain.
    doubtful: str | None = None
    # Paged formats: the page of the row's first line. OCR: the lowest cell confidence (0–1).
    page: int | None = None
    confidence: float | None = None
    # OCR: the fields whose cells the doubt is about ("unit", "target", …), for the review
    # step (its page and API); not in `ingest --format json`, whose rows are a contract.
    doubtful_cells: list[str] = field(default_factory=list, metadata={"json": False})
    # Filled by healthplan.mapping: the catalogue id, how the name matched, the parsed rule.
    indicator_id: str | None = None
    match: object | None = None  # healthplan.catalog.Match
    rule: object | None = None  # healthplan.targets.Rule


@dataclass
class IndicatorTable:
    caption: str
    header: list[str]
    kind: str  # "plan" (targets of this plan) or "completion" (a previous plan's results)
    period: Period | None
    line_start: int
    line_end: int
    rows: list[IndicatorRow] = field(default_factory=list)
    page: int | None = None  # page of the first line, for paged formats (PDF)


@dataclass
class Project:
    """A key project box (专栏)."""

    number: int | None
    title: str | None
    line_start: int
    line_end: int
    text: str
    caption_missing: bool = False
    inferred_number: int | None = None  # for an uncaptioned box, from its neighbours' numbers
    page: int | None = None  # page of the caption, for paged formats (PDF)


@dataclass
class Heading:
    kind: str  # chapter, section, cn_number, cn_paren, number, paren_number
    marker: str  # as printed: "第四章", "一、", "（一）", "1．", "（1）"
    title: str
    line: int
    children: list[Heading] = field(default_factory=list)


@dataclass
class TocEntry:
    title: str
    page: str
    line: int


@dataclass
class DocumentInfo:
    path: str
    format: str
    title: str | None
    region: str | None
    issuer: str | None
    issued_on: str | None  # ISO date
    period: Period | None
    status: str  # "final" or "draft" (征求意见稿)
    document_number: str | None  # 文号, e.g. 吴政办〔2022〕35号
    sha256: str | None
    lines: int


def to_plain(obj, root: bool = True):
    """Dataclasses (nested) → plain dicts/lists for JSON; items with a to_json() use it."""
    if isinstance(obj, list):
        return [to_plain(item, False) for item in obj]
    if not root and hasattr(obj, "to_json"):
        return obj.to_json()
    if hasattr(obj, "__dataclass_fields__"):
        return {key: to_plain(getattr(obj, key), False)
                for key, spec in obj.__dataclass_fields__.items()
                if spec.metadata.get("json", True)}
    return obj


__all__ = [
    "DocumentInfo",
    "Heading",
    "IndicatorRow",
    "IndicatorTable",
    "Period",
    "Project",
    "TocEntry",
    "asdict",
    "to_plain",
]
