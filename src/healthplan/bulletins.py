"""Candidate observations read from statistical bulletins and press releases.

    document = read_document("2023年卫生健康事业发展统计公报.txt")
    found = extract_candidates(document, region="全国")
    found.candidates  # [Candidate(indicator_id="physicians_per_1000", year=2023, value=3.4, …)]

A plain function over a read ``Document`` (any format the plan reader accepts). Each
sentence is converted to simplified characters for matching (OpenCC; the quote keeps the
print), cut into clauses at ，；、, and every "name + verb + number + unit" in a clause is
matched to the catalogue. Forms handled: several figures in one sentence with the year at
the front; 由/从 A年的 x 提高/增长到 B年的 y (two values, each with its year); 分别 lists;
shortened names (每千常住人口…, 居民/我国/全市 prefixes, a long qualified name whose tail is
a catalogue name); 全市/全区/全省 → the document's region (its title, or ``region``); the
year from the title when the sentence has none. Precision over recall: absolute counts
(张, 人, 亿元, 万人次 …), differences (比上年增加, 高出, 提高了) and growth rates (增长5.3%)
are never taken unless the catalogue has that measure; a figure whose unit contradicts
its indicator is dropped; a name that only fuzzily matches is dropped.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from healthplan import catalog
from healthplan.catalog.units import units_compatible
from healthplan.documents.model import Document

NATION = ("000000", "全国")
_REGIONS_CSV = Path(__file__).parent / "store" / "regions.csv"  # plain data, no database


class BulletinError(ValueError):
    """A document or option the extraction cannot use; the message is Chinese."""


@dataclass(frozen=True)
class Candidate:
    indicator_id: str | None
    printed_name: str
    region_code: str
    region: str
    year: int
    value: float
    unit: str
    line: int
    page: int | None
    quote: str
    definition: str | None
    confidence: float

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Publication:
    """What the document says about itself: the observations' source."""

    title: str
    issuer: str | None
    date: str | None
    year: int | None
    region_code: str | None
    region: str | None

    def source(self, line: int, page: int | None = None) -> str:
        who = self.issuer or ""
        when = f"（{self.date}）" if self.date else ""
        where = f"第{page}页第{line}行" if page else f"第{line}行"
        return f"{who}《{self.title}》{when}{where}"


@dataclass(frozen=True)
class Extraction:
    publication: Publication
    candidates: list[Candidate]


# --------------------------------------------------------------------------- text


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


# A repost annotating a character with its pinyin: 素養(yǎng).
_PINYIN = re.compile(r"[(（][a-zA-Z\u00c0-\u024f\u0300-\u036f]{1,8}[)）]")


def simplify(text: str) -> str:
    """Simplified characters, half-width punctuation, pinyin annotations removed."""
    text = _converter().convert(text)
    text = unicodedata.normalize("NFKC", text)
    return _PINYIN.sub("", text)


# --------------------------------------------------------------------------- regions


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, list[tuple[str, str, str, str]]], dict[str, tuple]]:
    by_name: dict[str, list] = {}
    by_code: dict[str, tuple] = {}
    with open(_REGIONS_CSV, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            item = (row["code"], row["name"], row["level"], row["parent_code"])
            by_code[row["code"]] = item
            by_name.setdefault(row["name"], []).append(item)
    return by_name, by_code


def resolve_region(text: str) -> tuple[str, str]:
    """(code, name) for a six-digit code or a region name; BulletinError if unknown."""
    text = re.sub(r"\s+", "", text or "")
    by_name, by_code = _regions()
    if text in ("全国", "中国", "我国", "000000"):
        return NATION
    if re.fullmatch(r"\d{6}", text):
        if text not in by_code:
            raise BulletinError(f"行政区划代码 {text} 不存在")
        return by_code[text][0], by_code[text][1]
    found = by_name.get(text, [])
    if not found:
        raise BulletinError(f"未知地区“{text}”：行政区划中没有这个地区（可用六位行政区划代码指定）")
    if len(found) > 1:
        listed = "、".join(f"{c}" for c, *_ in found[:6])
        raise BulletinError(f"地区名“{text}”对应多个地区（{listed}），请用行政区划代码指定")
    return found[0][0], found[0][1]


def _title_region(title: str) -> tuple[str, str] | None:
    if re.search(r"全国|我国|中国|国家|国务院", title):
        return NATION
    by_name, by_code = _regions()
    hits = []
    for name, items in by_name.items():
        if len(name) >= 2 and name in title and name != "全国":
            hits.extend(items)
    if not hits:
        return None
    # The deepest region whose name is printed; a repeated name must have its parent printed.
    names = {h[1] for h in hits}
    best = None
    for code, name, level, parent in hits:
        same = [h for h in hits if h[1] == name]
        if len(same) > 1 and (parent not in by_code or by_code[parent][1] not in names):
            continue
        rank = ("nation", "province", "city", "county").index(level) if level in (
            "nation", "province", "city", "county") else 0
        if best is None or rank > best[0] or (rank == best[0] and len(name) > len(best[2])):
            best = (rank, code, name)
    return (best[1], best[2]) if best else None


# --------------------------------------------------------------------------- publication

_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_ISSUER = re.compile(r"([\u4e00-\u9fff]{0,12}(?:统计局|卫生健康委员会|卫生健康委|卫健委|人民政府|"
                     r"调查队|卫生和计划生育委员会|国务院))")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(?:(\d{1,2})\s*日?)?")


def read_publication(document: Document, region: str | None = None,
                     year: int | None = None) -> Publication:
    lines = [line for line in document.lines if not line.is_blank]
    title = simplify(lines[0].text).strip() if lines else document.name
    title = re.sub(r"\s+", "", title)
    found_year = year
    if found_year is None:
        # A bulletin's title year is the year of its figures; a 政府工作报告 reports on the
        # year before; a press release's date is no year of data.
        m = _YEAR_IN_TITLE.search(title)
        if m and re.search(r"公报|统计|年报|年鉴", title):
            found_year = int(m.group(1))
        elif m and "政府工作报告" in title:
            found_year = int(m.group(1)) - 1
    if region:
        code, name = resolve_region(region)
    else:
        hit = _title_region(title)
        code, name = hit if hit else (None, None)
    issuer = date = None
    for line in lines[1:6] + lines[-4:]:
        text = simplify(line.text)
        if issuer is None and (m := _ISSUER.search(text)) and len(text) < 80:
            issuer = re.sub(r"^(发布单位|发布机关|来源|发布)[:：]?", "", m.group(1))
        if date is None and len(text) < 80 and (m := _DATE.search(text)) and (
                "发布" in text or "日" in text or "-" in m.group(0)):
            day = f"-{int(m.group(3)):02d}" if m.group(3) else ""
            date = f"{m.group(1)}-{int(m.group(2)):02d}{day}"
    if code is None and issuer:
        hit = _title_region(issuer)
        code, name = hit if hit else (None, None)
    return Publication(title, issuer, date, found_year, code, name)


# --------------------------------------------------------------------------- figures

_NUM = r"(\d+(?:\.\d+)?)"
# Units a rate indicator is printed with; anything else (张, 人 with a count, 亿元 …) is
# handled by the unit check against the catalogue.
_UNIT = r"(/10万|/十万|/万|‰|%|岁|人|张|名|个|天|日|克|g)"
_VALUE = re.compile(_NUM + r"\s*" + _UNIT)
_VERBS = ("下降至", "下降到", "下降致", "降低至", "降低到", "降至", "降到", "提高至", "提高到",
          "提升至", "提升到", "增加至", "增加到", "增长至", "增长到", "上升至", "上升到", "升至",
          "达到", "达", "为", "是", "保持在", "控制在", "稳定在", "占")
_VERB_RE = re.compile("(?:" + "|".join(sorted(map(re.escape, _VERBS), key=len, reverse=True))
                      + ")$")
# A change, not a level: the number after these is never an observation.
_CHANGE = re.compile(r"(比上年|比去年|同比|较上年|较去年|比\d{4}年|较\d{4}年|高出|低于|高于|多|少|"
                     r"增长|增加|减少|下降|提高|降低|上升|提升)了?$")
_FROM_TO = re.compile(r"^(?P<name>.*?)(?:由|从)(?:(?P<y1>(?:19|20)\d{2})年(?:的|底)?)?"
                      r"(?P<v1>\d+(?:\.\d+)?)\s*(?P<u1>/10万|‰|%|岁|人|张)?"
                      r"(?:提高|增长|增加|提升|上升|下降|降低|减少)(?:到|至)"
                      r"(?:(?P<y2>(?:19|20)\d{2})年(?:的|底)?)?(?P<v2>\d+(?:\.\d+)?)\s*"
                      r"(?P<u2>/10万|‰|%|岁|人|张)$")
_RESPECTIVELY = re.compile(r"^(?P<names>.+?)分别(?:为|是|达到|下降到|下降至|降至|提高到)"
                           r"(?P<values>.+)$")
_LEAD_YEAR = re.compile(r"^(?:(?:19|20)\d{2}年(?:末|底|全年|度)?)")
_NAME_GOES_ON = re.compile(r"以下|以上|及以上|至|的|儿童|组|人群|老年|孕产妇|婴儿")
_SENTENCE = re.compile(r"(?<=[。！？!?])")
_CHUNK = re.compile(r"[,，;；:：]")
_DEFINITIONS = (("第七次全国人口普查", "第七次全国人口普查"), ("七普", "第七次全国人口普查"),
                ("人口普查", "人口普查"), ("户籍人口", "户籍人口"), ("户籍", "户籍人口"),
                ("常住人口", "常住人口"), ("常住", "常住人口"))
_PREFIX = re.compile(r"^(?:根据[^,，]*?[,，]?)?(?:全国|我国|中国|全市|全区|全县|全省|全州|本市|本区|"
                     r"本县|本省|我市|我区|我县|我省|其中|居民)+")
# A qualifier in front of a catalogue name makes it another population: not the indicator.
_QUALIFIERS = ("城市", "农村", "城镇", "乡村", "男性", "女性", "男", "女", "东部", "中部", "西部",
               "东北", "流动", "少数民族", "城区", "郊区", "二级", "三级", "公立", "民营")
MIN_CONFIDENCE = 0.9


def _definition(text: str) -> str | None:
    for word, definition in _DEFINITIONS:
        if word in text:
            return definition
    return None


def _match_name(name: str, unit: str):
    """(indicator, printed name used, confidence) or None; tails of a long name are tried,
    longest first, when the prefix cut off is no qualifier of the population."""
    name = name.strip()
    stripped = _PREFIX.sub("", name) or name
    for start in range(0, max(1, len(stripped) - 3)):
        tail = stripped[start:]
        if start and any(q in stripped[:start] for q in _QUALIFIERS):
            return None
        m = catalog.match(tail, fuzzy=False)
        if m.matched and m.method != "fuzzy":
            indicator = catalog.get(m.indicator_id)
            if indicator.fused:
                return None
            return indicator, tail, m.confidence * (1.0 if start == 0 else 0.95)
        if len(tail) <= 4:
            break
    return None


def _unit_ok(indicator, unit: str) -> bool:
    """人 after 每千人口… is 人/千人 (the denominator is in the name)."""
    canonical = catalog.normalise_unit(unit, indicator.name)
    return canonical is not None and units_compatible(canonical, indicator.unit)


@dataclass
class _Context:
    publication: Publication
    line: object
    quote: str
    sentence_year: int | None
    definition: str | None
    out: list


def _emit(ctx: _Context, name: str, value: str, unit: str, year: int | None,
          confidence: float = 1.0) -> None:
    if year is None:
        return
    unit = {"/十万": "/10万", "名": "人"}.get(unit, unit)
    found = _match_name(name, unit)
    if found is None:
        return
    indicator, printed, score = found
    if not _unit_ok(indicator, unit):
        return
    x = float(value)
    if not indicator.in_bounds(x):
        return
    definition = _definition(name) or ctx.definition
    pub = ctx.publication
    ctx.out.append(Candidate(
        indicator_id=indicator.id, printed_name=printed, region_code=pub.region_code or "",
        region=pub.region or "", year=year, value=x, unit=indicator.unit,
        line=ctx.line.number, page=ctx.line.page, quote=ctx.quote, definition=definition,
        confidence=round(min(score, confidence), 3)))


def _clause(ctx: _Context, clause: str, state: dict) -> None:
    """One clause (between ，；、): its figures, with the sentence's year."""
    lead = _LEAD_YEAR.match(clause)
    if lead:
        state["year"] = int(lead.group(0)[:4])
        clause = clause[lead.end():]
    year = state.get("year") or ctx.sentence_year
    m = _FROM_TO.match(clause)
    if m:
        name = m.group("name") or state.get("subject", "")
        y1 = int(m.group("y1")) if m.group("y1") else state.get("from_years", (None, None))[0]
        y2 = int(m.group("y2")) if m.group("y2") else state.get("from_years", (None, None))[1]
        if m.group("y1") and m.group("y2"):
            state["from_years"] = (y1, y2)
        u1 = m.group("u1") or m.group("u2")
        if y1 is not None and y2 is not None:
            _emit(ctx, name, m.group("v1"), u1, y1)
            _emit(ctx, name, m.group("v2"), m.group("u2"), y2)
        state["subject"] = name
        return
    for value in _VALUE.finditer(clause):
        if _NAME_GOES_ON.match(clause, value.end()) or (
                value.start() and clause[value.start() - 1] in ".0123456789"):
            continue  # 5岁以下儿童…: a number inside a name
        before = clause[:value.start()]
        name = _VERB_RE.sub("", before)
        if _CHANGE.search(before) or re.search(r"(比|较)(上年|去年|\d{4}年)", before):
            return  # a difference or a growth rate
        if re.search(r"(?:19|20)\d{2}年", name):
            return  # 比2020年… or another year inside: not a plain level
        if before.endswith("占"):
            # 个人卫生支出占27.3% / 个人卫生支出20954.8亿元，占27.7%: a share of the total
            # the bulletin is listing (卫生总费用 for the parts of health expenditure).
            subject = name or state.get("subject", "")
            whole = "卫生总费用" if subject.endswith("卫生支出") else ""
            name = f"{subject}占{whole}比重" if subject else ""
        elif name in ("占比", "比重", "占比为", "比重为"):
            name = state.get("share", "")
        elif "占" in name and value.group(2) == "%" and not name.endswith(("比例", "比重", "占比")):
            name += "比重"  # 个人卫生支出占卫生总费用27.0%
        if not name:
            return
        if "占" in name:
            state["share"] = name
        _emit(ctx, name, value.group(1), value.group(2), year)
        state.setdefault("subject", name)
        return  # one figure a clause: a second number is a count or a note
    subject = _VERB_RE.sub("", re.split(r"\d", clause)[0])
    if subject:
        state["subject"] = subject  # 个人卫生支出20954.8亿元，占27.7%


def _respectively(ctx: _Context, sentence: str, year: int | None) -> bool:
    """'A和B分别为x和y': pair names and values; True when the sentence was this form."""
    lead = _LEAD_YEAR.match(sentence)
    if lead:
        year = int(lead.group(0)[:4])
        sentence = sentence[lead.end():].lstrip(",，")
    m = _RESPECTIVELY.match(sentence)
    if not m:
        return False
    names = [n for n in re.split(r"和|、|及|以及", m.group("names")) if n]
    values = _VALUE.findall(re.split(r"[,，;；。]", m.group("values"))[0])
    if len(names) != len(values) or len(names) < 2:
        return True  # cannot pair them safely: take none
    for name, (number, unit) in zip(names, values, strict=True):
        _emit(ctx, name, number, unit, year, 0.95)
    return True


def extract_candidates(document: Document, *, region: str | None = None,
                       year: int | None = None) -> Extraction:
    """The candidate observations of a bulletin, in document order.

    ``region`` (code or name) and ``year`` stand in for the title's when given. Raises
    BulletinError for an unknown ``region``, or when the document has figures but no
    region can be found.
    """
    if year is not None and not 1949 <= year <= 2100:
        raise BulletinError(f"年份 {year} 不是有效的年份")
    publication = read_publication(document, region, year)
    out: list[Candidate] = []
    first = next((ln.number for ln in document.lines if not ln.is_blank), 0)
    for line in document.lines:
        if line.is_blank or line.number == first:
            continue
        printed = line.text.strip()
        text = simplify(printed)
        if len(text) != len(printed):
            # Simplification changed the length (pinyin removed): quote the whole line.
            spans = [(s, s) for s in _SENTENCE.split(text) if s.strip()]
        else:
            spans, start = [], 0
            for piece in _SENTENCE.split(text):
                spans.append((piece, printed[start:start + len(piece)]))
                start += len(piece)
        for sentence, quote in spans:
            if not _VALUE.search(sentence):
                continue
            ctx = _Context(publication, line, quote.strip() if len(text) == len(printed)
                           else printed, None, _definition(sentence), out)
            ctx.sentence_year = publication.year
            body = sentence.strip().rstrip("。！？!?")
            state: dict = {}
            for chunk in _CHUNK.split(body):
                if _respectively(ctx, chunk.strip(), state.get("year") or publication.year):
                    continue
                for clause in chunk.split("、"):
                    _clause(ctx, clause.strip(), state)
    if out and not publication.region_code:
        raise BulletinError(f"{document.name}：无法从标题“{publication.title}”确定地区"
                            "（标题中没有可识别的行政区划名称），请用 --region 指定地区")
    return Extraction(publication, out)
