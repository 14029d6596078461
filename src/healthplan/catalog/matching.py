"""Matching an indicator name as printed in a plan to the catalogue.

Four steps, first hit wins:

1. exact       the printed name (whitespace removed) is the catalogue name;
2. alias       … or one of the entry's aliases (wordings seen in real plans);
3. normalised  both sides reduced by ``normalise_name`` are equal — this absorbs
               spelling variation (variant characters, full/half-width, 每千常住人口
               → 每千, 期望寿命 → 预期寿命, 全科医生 → 全科医师, a unit inside the name,
               a trailing 数, 全市/全区/居民/其中： prefixes, 千人口 → 每千, 患者,
               医保 → 基本医疗保险, 率/比例/占比/比重 …) without an alias per spelling;
4. fuzzy       the normalised names are very similar AND agree on every
               distinguishing token (ages and other numbers, 中医, 孕产妇 vs 婴儿,
               死亡 vs 管理, 每千 vs 每万 …) AND no other indicator comes close.

Anything else is left unmatched (``indicator_id`` None, method ``none``) with
the nearest candidates listed for a person to decide; a name is never forced
onto an indicator.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .catalog import CatalogError, Indicator, load_catalog
from .units import normalise_unit, unit_factor, units_compatible

METHODS = ("exact", "alias", "normalised", "fuzzy", "none")
CONFIDENCE = {"exact": 1.0, "alias": 0.99, "normalised": 0.95}
FUZZY_THRESHOLD = 0.85  # similarity of normalised names, 0–1
FUZZY_MARGIN = 0.05  # the best indicator must beat the runner-up by this much
FUZZY_CONFIDENCE_SCALE = 0.9  # fuzzy confidence = similarity × this (so always < 0.9)


@dataclass(frozen=True)
class Match:
    """How a printed indicator name maps to the catalogue."""

    name: str
    indicator_id: str | None
    method: str
    confidence: float
    unit_note: str | None = None
    unit: str | None = None  # the printed unit, canonical spelling ("" none, None unrecognised)
    normalised: str = ""
    candidates: tuple[tuple[str, float], ...] = field(default=())

    @property
    def matched(self) -> bool:
        return self.indicator_id is not None

    def to_json(self) -> dict:
        """The ``match`` object of the ingest JSON contract."""
        data: dict = {"method": self.method, "confidence": self.confidence,
                      "unit_note": self.unit_note}
        if self.candidates and self.method in ("fuzzy", "none"):
            data["candidates"] = [{"indicator_id": i, "score": s} for i, s in self.candidates]
        return data


# --- normalisation -----------------------------------------------------------------

# Variant characters NFKC leaves alone.
_VARIANTS = str.maketrans({"毎": "每", "〇": "0"})
_WS = re.compile(r"\s+")
_NUMBERING = re.compile(r"^(?:\d{1,2}[.、]|\(\d{1,2}\)|[①-⑳]|[一二三四五六七八九十]+、)")
_MARKERS = re.compile(r"[*#※★☆▲△▼▽●◆◇■□]+")
_QUOTES = re.compile(r"[“”‘’\"'《》〈〉「」『』【】]")
_TRAILING_PAREN = re.compile(r"\(([^()]*)\)$")
_TRAILING_UNIT = re.compile(r"(%|‰)$")
# Trailing brackets that are notes, not part of the name: the attribute, or 女=100.
_BRACKET_NOTE = re.compile(r"^(约束性|预期性|约束|预期|(女|女性|女婴)=100)$")
_RANGE_DASH = re.compile(r"(\d)\s*[~〜\u2013\u2014\u2015\u2212\-至到]\s*(\d)")
_UNIT_PREFIX = re.compile(r"^以[^为]{1,20}为单位")
_UNIT_NOTE = re.compile(r"\(以[^()]{1,20}为单位(?:统计|计算)?\)")
_QIZHONG = re.compile(r"^其中[:,、.]?")
_PREFIXES = ("全市", "全区", "全县", "全省", "全国", "全镇", "全州", "全盟", "全旗", "全域", "本市",
             "本区", "本县", "本省", "本镇", "我市", "我区", "我县", "我省", "居民")
# 千人口献血率 = 每千人口献血率: a bare "千人口" is the same denominator as "每千人口".
_BARE_PER_POP = re.compile(r"(?<![每十\d])(十万|千|万)(?=名?(?:常住|户籍|服务)?人口)")
_PER_POP = re.compile(r"每(千|万|十万|10万)名?(?:常住|户籍|服务)?(?:人口|人)")
_CONJ = re.compile(r"以及|[和、,;]")
# Ordered (old, new) replacements on the NFKC text; each is a spelling, not a meaning, change.
_SYNONYMS = (
    ("期望寿命", "预期寿命"),
    ("人均健康预期寿命", "健康预期寿命"),
    ("平均健康预期寿命", "健康预期寿命"),
    ("人均预期寿命", "预期寿命"),
    ("平均预期寿命", "预期寿命"),
    ("全科医生", "全科医师"),
    ("公卫人数", "公共卫生人员数"),
    ("公卫人员", "公共卫生人员"),
    ("公卫", "公共卫生"),
    ("执业(含助理)医师", "执业(助理)医师"),
    ("执业医师(含助理)", "执业(助理)医师"),
    ("药师(士)", "药师"),
    ("医疗机构", "医疗卫生机构"),
    ("医疗卫生机构床位", "床位"),
    ("报告发病率", "发病率"),
    # 高血压患者规范管理率 = 高血压规范管理率; 严重精神障碍患者管理率 = 严重精神障碍管理率.
    ("患者", ""),
    ("诊疗人次", "诊疗量"),
    ("总规模", "规模"),
    ("慢性疾病", "慢性病"),
    ("国家免疫规划", "免疫规划"),
    # 职工医保 / 城乡居民医保 / 基本医保 are the 基本医疗保险 spelled short.
    ("基本医保", "医保"),
    ("医保", "基本医疗保险"),
    ("中医类别", "中医"),
    ("无害化卫生厕所", "无害化卫生户厕"),
    ("占总费用", "占卫生总费用"),
    ("数量占比", "比例"),
    ("占比", "比例"),
    ("比重", "比例"),
    ("比率", "比例"),
    ("综合性医院", "综合医院"),
    ("设立", "设置"),
    ("每天", "每日"),
    ("及以上", "以上"),
    ("及以下", "以下"),
)


def _nfkc(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_VARIANTS)
    return _WS.sub("", text)


def split_unit_in_name(name: str) -> tuple[str, str]:
    """'婴儿死亡率（‰）' → ('婴儿死亡率', '‰'); a name without a trailing unit is unchanged.

    A trailing bracket counts as a unit only when ``normalise_unit`` recognises
    it, so 药师（士） or 执业（助理）医师 keep their brackets.
    """
    text = _nfkc(name)
    unit = ""
    while True:
        m = _TRAILING_PAREN.search(text)
        if not m:
            break
        content = m.group(1)
        if _BRACKET_NOTE.match(content):
            text = text[: m.start()]
            continue
        if normalise_unit(content) not in (None, ""):
            unit = unit or content
            text = text[: m.start()]
            continue
        break
    m = _TRAILING_UNIT.search(text)
    if m and len(text) > 1:
        unit = unit or m.group(1)
        text = text[: m.start()]
    return text, unit


def normalise_name(name: str) -> str:
    """The comparison key of an indicator name (see the module docstring)."""
    text, _ = split_unit_in_name(name)
    text = _NUMBERING.sub("", text)
    text = _MARKERS.sub("", text)
    text = _QUOTES.sub("", text)
    text = _RANGE_DASH.sub(r"\1-\2", text)
    text = _UNIT_NOTE.sub("", text)
    changed = True
    while changed:
        before = text
        text = _QIZHONG.sub("", text)
        text = _UNIT_PREFIX.sub("", text)
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix) + 1:
                text = text[len(prefix):]
        changed = text != before
    text = text.replace("的", "").replace("拥有", "")
    for old, new in _SYNONYMS:
        text = text.replace(old, new)
    text = _BARE_PER_POP.sub(r"每\1", text)
    text = _PER_POP.sub(lambda m: "每" + m.group(1).replace("10万", "十万"), text)
    text = _CONJ.sub("、", text)
    if text.endswith("数") and len(text) > 1:
        text = text[:-1]
    if "、" in text:
        # A list of measures in either order is the same row: "A和B" = "B、A".
        text = "、".join(sorted(part for part in text.split("、") if part))
    return text


# --- distinguishing tokens ---------------------------------------------------------

# Two names that differ in any of these are different indicators, however similar
# the rest of the text. Checked on normalised names, so spellings are already folded.
_GUARD_WORDS = (
    "中医", "中西医", "孕产妇", "孕前", "产前", "婴儿", "新生儿", "儿童", "青少年", "老年",
    "死亡", "管理", "发病", "感染", "患病", "生存", "接种", "筛查", "检查", "吸烟", "近视",
    "健康预期", "预期寿命", "素养", "床位", "医师", "助理", "护士", "药师", "全科", "卫生技术",
    "公共卫生", "专业", "托位", "每千", "每万", "每十万", "规范", "系统", "城市", "乡镇",
    "肺结核", "艾滋病", "癌症", "呼吸", "糖尿病", "高血压", "心脑血管", "精神", "职业", "食品",
    "户厕", "抗菌", "强度", "门诊", "住院", "三级", "二级", "县级", "基层", "个人", "政府",
    "社会", "职工", "城乡居民", "体育", "食盐", "空气", "水体", "康复", "眼", "远程", "档案",
    "费用", "支出", "增速", "规模", "诊疗", "覆盖", "合格", "性别", "疫苗", "参保", "中医药",
    "重点人群", "养老", "护理型", "献血", "县域", "入托", "体质",
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _guard(key: str) -> tuple:
    words = frozenset(w for w in _GUARD_WORDS if w in key)
    numbers = tuple(sorted(_NUMBER.findall(key)))
    is_rate = key.endswith(("率", "比例"))
    return words, numbers, is_rate


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def similarity(a: str, b: str) -> float:
    """Similarity of two normalised names: the lower of difflib's ratio and bigram Dice."""
    if not a or not b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    ga, gb = _bigrams(a), _bigrams(b)
    dice = 2 * len(ga & gb) / (len(ga) + len(gb))
    return min(ratio, dice)


def comparable(a: str, b: str) -> bool:
    """Whether the matcher could ever treat two printed names as one indicator.

    True when they normalise to the same key, or when they agree on every
    distinguishing token and are similar enough for a fuzzy match.
    """
    ka, kb = normalise_name(a), normalise_name(b)
    if ka == kb:
        return True
    return _guard(ka) == _guard(kb) and similarity(ka, kb) >= FUZZY_THRESHOLD


# --- the index ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]
    alias: dict[str, str]
    normalised: dict[str, str]
    keys: tuple[tuple[str, str, tuple], ...]  # (normalised key, id, guard)
    by_id: dict[str, Indicator]


@lru_cache(maxsize=1)
def _index() -> _Index:
    catalog = load_catalog()
    exact: dict[str, str] = {}
    alias: dict[str, str] = {}
    normalised: dict[str, str] = {}
    for indicator in catalog:
        exact[_WS.sub("", indicator.name)] = indicator.id
        for a in indicator.aliases:
            alias[_WS.sub("", a)] = indicator.id
        for text in (indicator.name, *indicator.aliases):
            key = normalise_name(text)
            other = normalised.setdefault(key, indicator.id)
            if other != indicator.id:
                raise CatalogError(f"indicator catalogue: '{text}' ({indicator.id}) normalises "
                                   f"to '{key}', the same as an entry of '{other}'")
    keys = tuple((key, ident, _guard(key)) for key, ident in normalised.items())
    return _Index(exact, alias, normalised, keys, dict(catalog.by_id))


# --- matching ----------------------------------------------------------------------


def _unit_note(indicator: Indicator, printed: str, name: str) -> tuple[str | None, str | None]:
    """(canonical spelling of the printed unit, a Chinese note if it contradicts the catalogue)."""
    canonical = normalise_unit(printed, name)
    if not printed.strip() or not indicator.unit:
        return canonical, None
    if canonical is None:
        return None, (f"无法识别印刷单位“{printed.strip()}”（目录单位为“{indicator.unit}”），"
                      "请核对")
    if units_compatible(canonical, indicator.unit):
        return canonical, None
    factor = unit_factor(canonical, indicator.unit)
    note = f"印刷单位“{printed.strip()}”与目录单位“{indicator.unit}”不一致"
    if factor is not None:
        note += (f"：若数值确按“{canonical}”计，应乘以{factor:g}换算为“{indicator.unit}”；"
                 f"若数值本就是“{indicator.unit}”，则是单位印错，请核对数值")
    else:
        note += "，请核对"
    return canonical, note


def match(name: str, unit: str = "", *, fuzzy: bool = True) -> Match:
    """Map a printed indicator name (and its printed unit, if any) to the catalogue.

    ``fuzzy=False`` stops after the exact, alias and normalised steps (cheap; for callers
    that would refuse a fuzzy match anyway)."""
    index = _index()
    raw = _WS.sub("", name or "")
    _, unit_in_name = split_unit_in_name(name or "")
    printed_unit = unit if (unit or "").strip() else unit_in_name
    key = normalise_name(name or "")

    ident: str | None = None
    method = "none"
    confidence = 0.0
    candidates: tuple[tuple[str, float], ...] = ()
    if raw in index.exact:
        ident, method = index.exact[raw], "exact"
    elif raw in index.alias:
        ident, method = index.alias[raw], "alias"
    elif key and key in index.normalised:
        ident, method = index.normalised[key], "normalised"
    if ident is not None:
        confidence = CONFIDENCE[method]
    elif key and fuzzy:
        ident, confidence, candidates = _fuzzy(key, index)
        method = "fuzzy" if ident else "none"

    if ident is None:
        return Match(name=name, indicator_id=None, method="none", confidence=0.0,
                     unit=normalise_unit(printed_unit, name), normalised=key,
                     candidates=candidates)
    canonical_unit, note = _unit_note(index.by_id[ident], printed_unit, name)
    return Match(name=name, indicator_id=ident, method=method, confidence=confidence,
                 unit_note=note, unit=canonical_unit, normalised=key, candidates=candidates)


def _fuzzy(key: str, index: _Index) -> tuple[str | None, float, tuple[tuple[str, float], ...]]:
    guard = _guard(key)
    best: dict[str, float] = {}  # id → best similarity over its names (guarded)
    nearest: dict[str, float] = {}  # id → best similarity ignoring the guard (for the listing)
    for other, ident, other_guard in index.keys:
        score = similarity(key, other)
        nearest[ident] = max(nearest.get(ident, 0.0), score)
        if other_guard == guard:
            best[ident] = max(best.get(ident, 0.0), score)
    listing = tuple((i, round(s, 3)) for i, s in
                    sorted(nearest.items(), key=lambda kv: -kv[1])[:3] if s > 0.3)
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < FUZZY_THRESHOLD:
        return None, 0.0, listing
    runner_up = max((s for i, s in nearest.items() if i != ranked[0][0]), default=0.0)
    if ranked[0][1] - runner_up < FUZZY_MARGIN:
        return None, 0.0, listing
    return ranked[0][0], round(ranked[0][1] * FUZZY_CONFIDENCE_SCALE, 3), listing


def match_all(names: Iterable[str | tuple[str, str]]) -> tuple[list[Match], list[Match]]:
    """Match many names (or (name, unit) pairs): (all matches, the unmatched ones)."""
    matches = [match(*item) if isinstance(item, tuple) else match(item) for item in names]
    return matches, [m for m in matches if not m.matched]
