"""Body-text commitments: quantitative promises made outside the indicator table.

Plans promise things in their running text and in the key-project boxes (专栏)
that never reach the table of main indicators: "急救平均反应时间≤12分钟",
"监护型救护车每3万人口配备1辆", "到2025年全市70%乡镇卫生院…建成1个以上特色科室".
`extract_commitments` finds them, one `Commitment` per promised value, with the
line it was printed on.

The extractor prefers precision over recall: a planning officer tracks what it
returns, so a retrospective fact or a number that is part of a name ("65岁及以上
老年人") must not come out as a promise. The approach:

1. Lines the caller marked in `skip_lines` (indicator-table rows, the table of
   contents, retrospective sections) are ignored. A line that was wrapped in
   the middle of a sentence (PDF-style text) is joined with its continuation.
2. The text is normalised (full-width digits and signs, LaTeX left over from
   PDF conversion such as ``$\\geq 98\\%$``, spaces inside numbers) while every
   character keeps its place in the original, so `text` and `sentence` are
   always printed exactly as in the document.
3. Each sentence (split on 。；！？ and tabs) is dated: a deadline (到2025年,
   2025年前, “十四五”期间 …) gives `year`; a year before the plan period, an
   "as of" date (截至2020年底), a "since" (“十三五”以来) or a past-tense marker
   (已, 累计, 建成了 …) marks the sentence as retrospective and it is skipped.
   A paragraph with such a date and no deadline anywhere is skipped whole (its
   other sentences report the same past). Retrospective sections that name no
   date at all can only be excluded by the caller, through `skip_lines`.
4. Each clause (split on ，：) is scanned for numbers, and a number becomes a
   commitment only in one of these shapes:

   - subject + comparator + number + unit + qualifier: "达标率≥90%",
     "床位数达到1.1张", "建成率达60%以上", "近视率每年降低0.5个百分点以上";
     a bare number needs a rate-like subject ("病历书写率100%"), a building
     verb ("建成…示范社区300个") or a list it continues ("…12个以上、…20家以上");
   - a ratio: "监护型救护车每3万人口配备1辆" (comparator "per", unit "辆/3万人口");
   - a leading share or count: "70%乡镇卫生院…建成…", "1—2所县级中医医院达到…";
   - verb + count + object: "配建8个标准化救护车洗消中心";
   - "分别" lists, paired item by item: "孕产妇死亡率、婴儿死亡率分别控制在7/10万、4‰及以下";
   - "全部"/"均达到" with no number: "市属医院…全部设置互联网医院" (value "100", unit "%").

`value` is the number as printed, except that a Chinese numeral in a ratio
(每8万人一辆) becomes a digit and a range printed with its unit twice (35%-40%)
loses the inner unit ("35-40").

Speed: most of a plan holds no number, so a segment, sentence or clause without a
digit, 每, 全部 or 均 (`_hints`) is passed over before the detailed patterns run, and
the map back to the printed text is kept per stretch of copied characters, not per
character (`_Text`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from healthplan.documents.model import Document
from healthplan.extract.tables import five_year_plan_period

__all__ = ["Commitment", "extract_commitments"]


@dataclass(frozen=True)
class Commitment:
    line: int  # 1-based line number in the document (where `text` starts)
    sentence: str  # the clause/sentence as printed (trimmed, at most ~200 chars)
    subject: str  # what is measured, as printed (e.g. "急救平均反应时间")
    value: str  # the number as printed ("12", "1.1", "4", "3-5")
    unit: str  # as printed ("分钟", "%", "张", "级", "辆/3万人口" …) or ""
    comparator: str  # ">=", "<=", ">", "<", "=", "approx", "range" or "per"
    year: int | None  # the deadline year if the sentence names one, else None
    text: str  # the exact matched fragment, e.g. "急救平均反应时间≤12分钟"


# --------------------------------------------------------------------------
# Vocabulary

def _initials(words: Iterable[str]) -> str:
    """The first chars of `words`, escaped for a char class. re tries an alternation
    word by word at every position; a lookahead for these chars before it rejects
    most positions at once."""
    return re.escape("".join(sorted({word[0] for word in words})))


_NUM = r"\d+(?:\.\d+)?"
_RANGE_SEP = r"(?:—{1,2}|－|-|–|~|至|到)"

_COUNTERS = (
    "个百分点|百分点|万平方米|平方米|万人次|人次|万人|万元|亿元|元|张|人|名|个|家|所|辆|项|支|台|套"
    "|间|床|座|条|处|种|批|次|例|倍|户|篇|部|门|对|组|队|场|位|级|类|期|份"
)
_PER_DENOMINATOR = r"/\d*[万千百]?(?:常住人口|人口|人|张床|床)?"
_UNITS = (
    rf"(?:(?:分钟|小时|公里|个月|岁|天|周|%|‰|[万千亿]?(?:{_COUNTERS}))(?:/\d*[万千百]?(?:常住人口|人口|人|张床|床))?"
    rf"|{_PER_DENOMINATOR})"
)
_QUALIFIERS = r"(?:及以上|或以上|以上|及以下|或以下|以下|以内|之内|左右)"

# Comparator words immediately before a number; order matters (longest first).
_CMP_WORDS: dict[str, str] = {
    "达到或超过": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "不小于": ">=",
    "至少": ">=",
    "不超过": "<=",
    "不高于": "<=",
    "不大于": "<=",
    "不多于": "<=",
    "低于": "<",
    "小于": "<",
    "少于": "<",
    "高于": ">",
    "大于": ">",
    "多于": ">",
    "超过": ">",
    "达到": "=",
    "提高到": "=",
    "提高至": "=",
    "提升到": "=",
    "提升至": "=",
    "增加到": "=",
    "增加至": "=",
    "增长到": "=",
    "增长至": "=",
    "增至": "=",
    "扩大到": "=",
    "扩大至": "=",
    "降低到": "=",
    "降低至": "=",
    "降到": "=",
    "降至": "=",
    "下降到": "=",
    "下降至": "=",
    "减少到": "=",
    "减少至": "=",
    "减至": "=",
    "控制在": "=",
    "保持在": "=",
    "稳定在": "=",
    "巩固在": "=",
    "维持在": "=",
    "达": "=",
    "约": "approx",
}
# Relative change ("提高1岁左右", "增长50%"): the verb stays in the subject.
_RELATIVE_WORDS = ("提高", "提升", "增长", "增加", "降低", "下降", "减少", "缩短")
_SYMBOLS = {"≥": ">=", "≤": "<=", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "="}
_QUALIFIER_CMP = {
    "及以上": ">=",
    "或以上": ">=",
    "以上": ">=",
    "及以下": "<=",
    "或以下": "<=",
    "以下": "<=",
    "以内": "<=",
    "之内": "<=",
    "左右": "approx",
}

_CMP_ALT = "|".join(
    [re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True)]
    + sorted(list(_CMP_WORDS) + list(_RELATIVE_WORDS), key=len, reverse=True)
)
# A token starts with a comparator or a digit. The lookaheads spare trying the optional
# comparator group, and its ~60 words, at every position: a search is several times faster.
_CMP_INITIALS = _initials([*_SYMBOLS, *_CMP_WORDS, *_RELATIVE_WORDS])
_TOKEN_RE = re.compile(
    rf"(?=[{_CMP_INITIALS}\d])(?:(?=[{_CMP_INITIALS}])(?P<cmp>{_CMP_ALT})有?)?"
    rf"(?P<value>{_NUM}(?:[%‰]?{_RANGE_SEP}{_NUM})?)(?P<unit>{_UNITS})?(?P<qual>{_QUALIFIERS})?"
)
_RANGE_RE = re.compile(rf"^{_NUM}{_RANGE_SEP}{_NUM}$")
_DIGIT_RE = re.compile(r"\d")
_NOT_CJK_RE = re.compile("[^\u4e00-\u9fff]+")

# 每3万人口配备1辆 / 每万名常住人口配备1名… / 每8万人一辆
_PER_RE = re.compile(
    rf"每(?P<den>(?:{_NUM})?[万千百十]?[名个]?(?:常住|户籍|服务)?(?:人口|人|居民|户|张床位|张床|床位))"
    r"(?P<verb>配备|配置|拥有|建有|设置|设|有|配)?(?P<cmp>不少于|不低于|至少|达到|达)?"
    rf"(?P<num>{_NUM}|[一两二三四五六七八九十])(?P<unit>辆|名|人|个|张|台|所|家|支|套|床|间)"
)
_CN_DIGITS = {"一": "1", "两": "2", "二": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9", "十": "10"}

# Verbs that, right before "N个/家/名…", make a count a promise: 配建8个…中心.
_BUILD_VERBS = (
    "规划建设|推动建设|遴选建设|重点建设|建设|建成|新建|创建|争创|创成|新增|再增|增设|配建|设立|设置|配置|配备|组建"
    "|打造|培养|培育|引进|遴选|培训|招聘|招录|扶持|认定|评选|建立|开设|推出|扩建|改造|创办|举办|推广"
    "|建好|办好|制定"
)
_BUILD_BEFORE_RE = re.compile(rf"(?:{_BUILD_VERBS})(?:至少|不少于|约|共计|共|各|再)?$")
# Leading verb of a subject: "建成病媒生物防制示范社区（村）300个". Verbs whose
# meaning matters for the count (新增, 新建, 增加 …) are kept in the subject.
_LEAD_VERB_RE = re.compile(rf"^(?:每年)?(?:{_BUILD_VERBS})")
_STRIPPABLE_VERB_RE = re.compile(
    r"^(?:规划建设|推动建设|遴选建设|重点建设|建设|建成|创建|争创|创成|配建|设立|设置|配置|配备|组建|打造|培养|培育"
    r"|引进|遴选|培训|招聘|招录|扶持|建立)+"
)
# Predicates that make "70%乡镇卫生院…" / "1家综合医院…" a promise.
_P2_VERBS = re.compile(
    r"达到|建成|建有|设有|开设|进入|通过|开展|实现|具备|设置|设立|提供|创成|成为|获得|纳入|配备|能够|享有|签约|接受"
    r"|掌握|具有|排名|完成"
)
_P2_UNITS = {"%", "所", "家", "个", "名", "支"}
_RATE_SUBJECT_RE = re.compile(r"(?:率|比例|比重|占比|覆盖面|水平|指数|寿命|时间|时长|度|值|数|量)$")
_RATE_UNITS = {"%", "‰", "岁", "分钟", "小时", "天"}
_COUNT_UNITS = set(_COUNTERS.split("|"))

# What may follow a genuine target; anything else (a noun) makes the number part
# of a name: "65岁及以上老年人", "3岁以下婴幼儿", "50万以上人口".
_FOLLOWERS = "、，,。；;：:）)」”’》】…!！?？\t"
_FOLLOWER_WORDS = ("和", "及", "与", "或", "并", "且", "等", "（", "(", "水平")

_SENTENCE_SEPS = "。；;！？!?\t"
_CLAUSE_SEPS = "，,：:"

_LEAD_WORDS = (
    "其中", "并且", "并", "同时", "此外", "另外", "确保", "力争", "争取", "努力", "全面", "进一步", "逐步", "持续",
    "推动", "推进", "落实", "实现", "要", "使", "全市", "全区", "全县", "全省", "我市", "我区", "我县", "各地",
    "本市", "本区", "以及", "都", "共", "累计",
)
_LEAD_RE = re.compile(
    r"(?:\d{1,2}[．.、](?!\d)|[（(]\d{1,2}[）)]|[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、"
    r"|[①-⑳]|—+|·|•|…|、"
    rf"|(?:到|至|截至|在)?20\d{{2}}(?:{_RANGE_SEP}20\d{{2}})?年(?:底|末)?(?:前|以前|之前)?"
    r"|“?十[一二三四五]五”?(?:期间|时期|期末|末|内)?"
    rf"|(?=[{_initials(_LEAD_WORDS)}])(?:{'|'.join(_LEAD_WORDS)})|有(?=\d))"
)
_CHANGE_VERB_RE = re.compile(r"(?:不断|持续|逐步|进一步)*(?:提升|提高|降低|减少|增加|扩大|加强|强化)")
_INNER_CMP_RE = re.compile(r"不低于|不少于|不超过|不高于|低于|高于|小于|大于|超过")
_MODAL_RE = re.compile(r"力争|确保|争取")
_TRAILING_WORDS = (
    "全部", "均", "都", "各", "共", "共计", "累计", "总数", "分别", "为", "在", "要", "应", "须", "必须", "能够", "基本",
    "稳定", "持续", "逐步", "占",
)
_TRAILING_RE = re.compile(rf"(?=[{_initials(_TRAILING_WORDS)}])(?:{'|'.join(_TRAILING_WORDS)})+$")
_UNIT_PHRASE_RE = re.compile(r"以[^，、]{1,12}为单位")
_MIDDLE_RE = re.compile(r"(?:全部|均)(?:达到|达)")
_BASELINE_RE = re.compile(r"(?:由|从)(?=[\d“]|20\d\d)")

_HEADING_RE = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百]+[章节篇]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d+[．.、]|专栏|表\s*\d)"
)
_TERMINAL = "。；;！？!?：:”」）)"

# Years and plan periods.
_YEAR_RE = re.compile(  # (?=[12]) first: most positions fail at once
    rf"(?=[12])(?<![\d〔\[])(?P<y1>(?:19|20)\d{{2}})(?:{_RANGE_SEP}(?P<y2>(?:19|20)\d{{2}}))?年(?P<suffix>底|末|初|中)?"
)
_PLAN_RE = re.compile(r"十([一二三四五])五”?(?P<suffix>期间|时期|期末|末|内|以来)?")
_MONTH_RE = re.compile(r"\d{1,2}月")
_PAST_WORDS = ("已", "累计", "先后", "相继", "荣获", "获评", "被评为", "被确定为", "被列为", "圆满", "顺利通过")
_PAST_VERBS = ("建成", "实现", "达到", "提高", "增长", "下降", "减少", "增加", "获得", "通过", "建立", "开展",
               "实施", "完成", "形成", "取得")  # + 了: 建成了
# A flat alternation of plain words: re then skips ahead to their first chars, several
# times faster than with a group such as (?:建成|实现…)了.
_PAST_RE = re.compile("|".join([*_PAST_WORDS, *(verb + "了" for verb in _PAST_VERBS)]))

# Full-width and LaTeX leftovers → plain characters (the map keeps positions).
_LATEX = (
    (re.compile(r"\$?\s*\\geq?(?![a-z])\s*"), "≥"),
    (re.compile(r"\$?\s*\\leq?(?![a-z])\s*"), "≤"),
    (re.compile(r"\\%\s*\$?"), "%"),
    (re.compile(r"\\sim(?![a-z])"), "~"),
    (re.compile(r"\$"), ""),
)
_CHAR_MAP = {chr(0xFF10 + i): str(i) for i in range(10)}
_CHAR_MAP.update({"％": "%", "﹪": "%", "＞": ">", "＜": "<", "＝": "=", "≧": "≥", "≦": "≤",
                  "⩾": "≥", "⩽": "≤", "～": "~", "〜": "~", "－": "-"})
_SPACES = " \u3000\xa0\r"
# The chars that need a look one by one: full-width forms are mapped, spaces dropped,
# "," between digits is a thousands separator, "．" between digits a decimal point,
# and LaTeX ($ \) is rewritten. They are rare, so a line is mostly copied in a few
# long stretches, found by one scan of the line.
_SPECIAL = re.compile("[$\\\\．,{}{}]".format(re.escape(_SPACES), re.escape("".join(_CHAR_MAP))))


# --------------------------------------------------------------------------
# Text with a map back to the original lines


class _Text:
    """Normalised text `s` of one or more joined lines, with a map back to the print.

    `s` is a sequence of runs, each from one line: a stretch copied one char for
    one (char k of the run came from line[lo + k]) or a replacement whose every
    char came from line[lo:hi] ("$\\geq " → "≥"). The map is kept per run rather
    than per char because it is cheap to build that way, and most segments yield
    no commitment and never consult it.
    """

    def __init__(self, pieces: list[tuple[int, str]]):
        self.lines = dict(pieces)
        self._starts: list[int] = []  # where each run starts in `s`
        self._runs: list[tuple[int, int, int, bool]] = []  # (line, lo, hi, copied)
        self._parts: list[str] = []
        self._length = 0
        for number, raw in pieces:
            if _SPECIAL.search(raw):
                self._add_line(number, raw)
            else:  # the common case: the line as it is
                self._add(raw, number, 0, len(raw), copied=True)
        self.s = "".join(self._parts)
        del self._parts

    def _add_line(self, number: int, raw: str) -> None:
        latex = _LATEX if ("$" in raw or "\\" in raw) else ()
        done = 0  # raw[:done] is consumed
        for m in _SPECIAL.finditer(raw):
            i = m.start()
            if i < done:
                continue  # inside a LaTeX command already replaced
            self._add(raw[done:i], number, done, i, copied=True)
            done = i + 1
            for pattern, replacement in latex:
                lm = pattern.match(raw, i)
                if lm and lm.end() > i:
                    self._add(replacement, number, i, lm.end(), copied=False)
                    done = lm.end()
                    break
            else:
                ch = raw[i]
                if ch in _SPACES:
                    continue
                if ch == "," and self._last().isdigit() and raw[i + 1 : i + 4].isdigit():
                    continue  # thousands separator
                if ch == "．" and self._last().isdigit() and raw[i + 1 : i + 2].isdigit():
                    ch = "."
                self._add(_CHAR_MAP.get(ch, ch), number, i, i + 1, copied=True)
        self._add(raw[done:], number, done, len(raw), copied=True)

    def _add(self, text: str, number: int, lo: int, hi: int, copied: bool) -> None:
        if text:
            self._starts.append(self._length)
            self._runs.append((number, lo, hi, copied))
            self._parts.append(text)
            self._length += len(text)

    def _last(self) -> str:
        """The last normalised char so far ("" at the start)."""
        return self._parts[-1][-1] if self._parts else ""

    def original(self, start: int, end: int) -> str:
        """The printed text behind normalised chars [start, end): per line, from the
        first char's origin to the furthest end of any char's origin."""
        if start >= end:
            return ""
        parts: list[str] = []
        line, lo, hi = -1, 0, 0
        r = bisect_right(self._starts, start) - 1
        while r < len(self._starts) and self._starts[r] < end:
            run_start = self._starts[r]
            run_end = self._starts[r + 1] if r + 1 < len(self._starts) else self._length
            number, run_lo, run_hi, copied = self._runs[r]
            if copied:  # only the part of the run inside [start, end)
                first = run_lo + max(start, run_start) - run_start
                last = run_lo + min(end, run_end) - run_start
            else:
                first, last = run_lo, run_hi
            if number != line:
                if line != -1:
                    parts.append(self.lines[line][lo:hi])
                line, lo, hi = number, first, last
            elif last > hi:
                hi = last
            r += 1
        parts.append(self.lines[line][lo:hi])
        return "".join(parts).strip()

    def line_of(self, index: int) -> int:
        return self._runs[bisect_right(self._starts, index) - 1][0]


# --------------------------------------------------------------------------
# Public entry point


def extract_commitments(
    document: Document,
    skip_lines: Iterable[int] = frozenset(),
    period: tuple[int, int] | None = None,
) -> list[Commitment]:
    """Quantitative promises in the body text and project boxes of `document`.

    `skip_lines` are line numbers to ignore (indicator-table rows, table of
    contents, retrospective sections: the caller decides). `period` is the plan
    period, e.g. (2021, 2025); if None it is inferred from the document's title
    ("十四五" → 2021–2025), and when that fails too, every year that is not
    stated as a deadline marks its sentence as retrospective.
    """
    skip = set(skip_lines)
    if period is None:
        period = _infer_period(document)
    found: list[Commitment] = []
    seen: set[tuple[int, str, str, str]] = set()
    for pieces in _segments(document, skip):
        text = _Text(pieces)
        for item in _extract_from_text(text, period):
            key = (item.line, item.text, item.subject, item.value)
            if key not in seen:
                seen.add(key)
                found.append(item)
    found.sort(key=lambda c: c.line)
    return found


def _infer_period(document: Document) -> tuple[int, int] | None:
    """The plan period as the metadata reader finds it (title years or “十四五”)."""
    from healthplan.extract.metadata import extract_info

    period = extract_info(document).period
    return (period.start, period.end) if period else None


def _segments(document: Document, skip: set[int]) -> Iterable[list[tuple[int, str]]]:
    """Lines to read, with a sentence wrapped over several lines joined together."""
    lines = document.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.number in skip or line.is_blank:
            i += 1
            continue
        pieces = [(line.number, line.text)]
        j = i
        while _continues(lines[j].text) and len(pieces) < 8:
            k = j + 1
            while k < len(lines) and k <= j + 2 and lines[k].is_blank:
                k += 1
            if k >= len(lines) or lines[k].is_blank or lines[k].number in skip:
                break
            nxt = lines[k].text
            if "\t" in nxt or _HEADING_RE.match(nxt):
                break
            pieces.append((lines[k].number, nxt))
            j = k
        yield pieces
        i = j + 1


def _continues(raw: str) -> bool:
    """A line cut in the middle of a sentence (PDF-style wrapping)."""
    stripped = raw.strip()
    return (
        len(stripped) >= 25
        and "\t" not in raw
        and stripped[-1] not in _TERMINAL
        and not _HEADING_RE.match(raw)
    )


# --------------------------------------------------------------------------
# Sentences


_SEPARATOR_PATTERNS: dict[str, re.Pattern[str]] = {}


def _split(s: str, start: int, end: int, seps: str) -> list[tuple[int, int]]:
    pattern = _SEPARATOR_PATTERNS.get(seps)
    if pattern is None:
        pattern = _SEPARATOR_PATTERNS[seps] = re.compile(f"[{re.escape(seps)}]")
    parts = []
    a = start
    for m in pattern.finditer(s, start, end):
        i = m.start()
        if s[i] in ",:" and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit():
            continue  # 1:1:1
        if a < i:
            parts.append((a, i))
        a = i + 1
    if a < end:
        parts.append((a, end))
    return parts


def _clauses(s: str, s0: int, s1: int) -> list[tuple[int, int]]:
    """Clauses of a sentence: split on ，： and on the marks of a long quotation
    (“每18—50平方公里应设1个急救站、服务半径应为3—5公里…”), whose parts are
    requirements of their own; a short quotation is a name and stays whole."""
    marks: list[int] = []
    i = s.find("“", s0, s1)
    while i != -1:
        j = s.find("”", i + 1, s1)
        if j == -1:
            break
        if j - i > _SHORT_QUOTE:
            marks += (i, j)
        i = s.find("“", j + 1, s1)
    if not marks:
        return _split(s, s0, s1, _CLAUSE_SEPS)  # the common case
    parts = []
    for c0, c1 in _split(s, s0, s1, _CLAUSE_SEPS):
        a = c0
        for k in marks:
            if c0 <= k < c1:
                if a < k:
                    parts.append((a, k))
                a = k + 1
        if a < c1:
            parts.append((a, c1))
    return parts


_SHORT_QUOTE = 16
_PAIRS = {"《": "》", "〔": "〕", "“": "”", "「": "」", "[": "]"}
_OPENING = re.compile("[《〔“「\\[]")


def _protected(s: str, start: int = 0, end: int | None = None) -> set[int]:
    """Positions in s[start:end] inside 《》, 〔〕, “” or 「」: titles, document numbers,
    quoted names. A set, not a mask over `s`: such marks are few."""
    end = len(s) if end is None else end
    inside: set[int] = set()
    i = start
    while (m := _OPENING.search(s, i, end)) is not None:
        i = m.start()
        close = _PAIRS[s[i]]
        j = s.find(close, i + 1, end)
        if j != -1 and j - i <= (_SHORT_QUOTE if close == "”" else 40):
            inside.update(range(i, j + 1))
            i = j + 1
        else:
            i += 1
    return inside


def _date_sentence(s: str, period: tuple[int, int] | None) -> tuple[bool, int | None]:
    """(retrospective by its dates, deadline year). A past-tense marker is checked by
    the caller, only for the sentences that may hold a promise."""
    if "年" not in s and "十" not in s:
        return False, None  # most sentences: no year (…年) and no plan period (十四五)
    retro = False
    deadlines: list[int] = []
    undated: list[int] = []
    protected = _protected(s)
    for m in _YEAR_RE.finditer(s):
        pos = m.start()
        if pos in protected:
            continue
        y1 = int(m.group("y1"))
        y2 = int(m.group("y2")) if m.group("y2") else None
        before = s[max(0, pos - 3) : pos]
        after = s[m.end() : m.end() + 4]
        if _MONTH_RE.match(after):
            continue  # a date: 2022年3月5日
        if y2 is not None:
            if before.endswith(("（", "(")):
                continue  # “十四五”时期（2021-2025年）
            if period and y2 < period[0]:
                retro = True
            else:
                deadlines.append(y2)
            continue
        if before.endswith(("截至", "截止")):
            if period and y1 >= period[0]:
                deadlines.append(y1)
            else:
                retro = True
        elif after.startswith("基础上") or before.endswith(("较", "比", "与", "相比", "由", "从")):
            continue  # a baseline: 在2020年基础上 / 较2015年
        elif before.endswith(("到", "至", "于", "在")) or after.startswith(("前", "以前", "之前")):
            if period and y1 < period[0]:
                retro = True
            else:
                deadlines.append(y1)
        elif after.startswith(("以来", "以后")):
            if not period or y1 < period[0]:
                retro = True
        elif after.startswith(("起", "开始")):
            continue
        elif period:
            if y1 < period[0]:
                retro = True
            else:
                deadlines.append(y1)
        else:
            undated.append(y1)
    for m in _PLAN_RE.finditer(s):
        suffix = m.group("suffix")
        if not suffix:
            continue
        end = five_year_plan_period(m.group(0)).end
        before = s[max(0, m.start() - 2) : m.start()]
        if before.endswith(("较", "比", "与")):
            continue
        if suffix == "以来" or (period and end < period[0]):
            retro = True
        elif suffix in ("期间", "时期", "期末", "末", "内"):
            deadlines.append(end)
    if undated and not deadlines:
        retro = True
    return retro, (max(deadlines) if deadlines else None)


# --------------------------------------------------------------------------
# Clauses


# A sentence without a digit or one of these words holds no quantitative promise.
# (Written as a flat alternation of plain words, which re scans for much faster.)
_MAYBE_QUANTITATIVE = re.compile("|".join([*"0123456789一二两三四五六七八九十百千万", "全部", "均"]))


# What every shape `_clause` finds needs: a number (_TOKEN_RE, "分别" lists), 每 (ratios,
# also with a Chinese numeral: 每8万人一辆) or 全部/均 (_ALL_RE). Most segments,
# sentences and clauses have none; finding that out first spares them the detailed
# patterns. 全 stands for 全部: one char class is scanned several times faster than
# an alternation (or a repeat).
_HINT_RE = re.compile(r"[\d每均全]")


def _hints(s: str) -> list[int]:
    """Where hint chars are in `s`, in order; a 全 without 部 (全市, 全面) is none."""
    return [m.start() for m in _HINT_RE.finditer(s) if m.group() != "全" or s.startswith("部", m.end())]


def _hint_within(hints: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted positions `hints` lies in [start, end)."""
    i = bisect_left(hints, start)
    return i < len(hints) and hints[i] < end


def _extract_from_text(text: _Text, period: tuple[int, int] | None) -> Iterable[Commitment]:
    s = text.s
    hints = _hints(s)  # one pass, asked per sentence and per clause
    if not hints:
        return
    for s0, s1, year in _current_sentences(s, period):
        if not _hint_within(hints, s0, s1) or not _MAYBE_QUANTITATIVE.search(s, s0, s1):
            continue
        if year is None and _PAST_RE.search(s, s0, s1):
            continue  # past tense (已, 累计, 建成了 …) and no deadline: a result, not a promise
        protected = _protected(s, s0, s1)
        printed = None
        previous: tuple[int, int] | None = None
        for c0, c1 in _clauses(s, s0, s1):
            found = _clause(s, c0, c1, protected, previous) if _hint_within(hints, c0, c1) else []
            previous = (c0, c1)
            for start, end, subject, value, unit, comparator in found:
                if printed is None:
                    printed = text.original(s0, s1)
                fragment = text.original(start, end)
                yield Commitment(
                    line=text.line_of(start),
                    sentence=_window(printed, fragment),
                    subject=subject,
                    value=_value(value),
                    unit=unit,
                    comparator=comparator,
                    year=year,
                    text=fragment,
                )


def _current_sentences(s: str, period: tuple[int, int] | None) -> list[tuple[int, int, int | None]]:
    """The sentences of `s` not retrospective by their dates, with their deadline year."""
    bounds = _split(s, 0, len(s), _SENTENCE_SEPS)
    if "年" not in s and "十" not in s:
        return [(s0, s1, None) for s0, s1 in bounds]  # no year (…年), no plan period (十四五)
    dates = [_date_sentence(s[s0:s1], period) for s0, s1 in bounds]
    if any(dated for dated, _ in dates) and not any(year for _, year in dates):
        # a paragraph that looks back by date (截至2020年底…, “十三五”以来…) and names
        # no deadline anywhere is a review of the past, sentence by sentence
        return []
    return [(s0, s1, year) for (s0, s1), (dated, year) in zip(bounds, dates, strict=True) if not dated]


def _window(sentence: str, fragment: str, limit: int = 200) -> str:
    if len(sentence) <= limit:
        return sentence
    at = sentence.find(fragment)
    if at < 0:
        return sentence[:limit]
    start = max(0, min(at - (limit - len(fragment)) // 2, len(sentence) - limit))
    return sentence[start : start + limit]


def _lead(s: str, i: int, end: int) -> int:
    """Skip list numbering and leading connectives (到2025年, 全市, 力争 …)."""
    while i < end:
        m = _LEAD_RE.match(s, i, end)
        if not m or m.end() == i:
            break
        i = m.end()
    return i


def _cjk(text: str) -> int:
    return len(_NOT_CJK_RE.sub("", text))


def _follower_ok(s: str, i: int, end: int) -> bool:
    if i >= end:
        return True
    return s[i] in _FOLLOWERS or s.startswith(_FOLLOWER_WORDS, i)


def _clean_subject(raw: str) -> str:
    subject = _UNIT_PHRASE_RE.sub("", _MODAL_RE.sub("", raw))
    subject = _MIDDLE_RE.sub("", subject) if not _MIDDLE_RE.match(subject) else subject
    m = _BASELINE_RE.search(subject)
    if m:
        subject = subject[: m.start()]
    subject = _TRAILING_RE.sub("", subject)
    subject = subject.strip("、，,：:的 ")
    return subject


def _comparator(cmp: str | None, qual: str | None, value: str) -> str:
    if _RANGE_RE.match(_value(value)):
        return "range"
    if cmp in _SYMBOLS:
        return _SYMBOLS[cmp]
    word = _CMP_WORDS.get(cmp or "", "=")
    if word in ("=",) and qual:
        return _QUALIFIER_CMP[qual]
    if word == "approx" or (qual == "左右"):
        return "approx"
    return word


_Found = tuple[int, int, str, str, str, str]  # start, end, subject, value, unit, comparator


def _clause(
    s: str, c0: int, c1: int, protected: set[int], previous: tuple[int, int] | None = None
) -> list[_Found]:
    start = _lead(s, c0, c1)
    if start >= c1:
        return []
    clause = s[start:c1]
    if "分别" in clause:
        return _respectively(s, start, c1, protected)
    found: list[_Found] = []
    per_spans: list[tuple[int, int]] = []
    for m in _PER_RE.finditer(s, start, c1) if "每" in clause else ():
        item = _per(s, start, c1, m)
        per_spans.append((m.start(), m.end()))
        if item:
            found.append(item)
    cursor = start
    last_end = -1  # end of the last commitment in this clause
    last_kind = ""
    pos = start
    while pos < c1:
        m = _TOKEN_RE.search(s, pos, c1)
        if not m:
            break
        pos = m.end()
        vs = m.start("value")
        ts = m.start()
        te = m.end()
        cmp, value, unit, qual = m.group("cmp"), m.group("value"), m.group("unit") or "", m.group("qual")
        if per_spans and any(a <= vs < b for a, b in per_spans):
            cursor = max(cursor, next(b for a, b in per_spans if a <= vs < b))
            continue
        if _noise(s, vs, te, value, unit, protected, start):
            if ts < vs:
                pos = vs + 1  # a comparator word may have swallowed text; rescan after it
            continue
        # a list item after the last commitment: "…12个以上、省社区医院20家以上"
        continuation = last_end >= 0 and s[last_end : last_end + 1] in ("、", "和", "及")
        at_start = ts == start or (continuation and ts == last_end + 1)
        # 1. A leading share or count: 70%乡镇卫生院…建成… / 1—2所县级中医医院达到…
        if at_start and unit in _P2_UNITS:
            item = _leading(s, ts, te, c1, cmp, value, unit, qual)
            if item:
                found.append(item)
                cursor = pos = last_end = item[1]
                last_kind = "lead"
                continue
        # 2. Verb + count + object: 配建8个标准化救护车洗消中心
        if unit in _COUNT_UNITS and cmp in (None, "至少", "不少于", "约"):
            before = s[cursor:ts]
            if _BUILD_BEFORE_RE.search(before) or (at_start and last_kind == "build"):
                item = _build(s, cursor, ts, te, c1, cmp, value, unit, qual)
                if item:
                    found.append(item)
                    cursor = pos = last_end = item[1]
                    last_kind = "build"
                    continue
        # 3. Subject + comparator + number: 急救平均反应时间≤12分钟
        if not _follower_ok(s, te, c1):
            continue  # part of a name: 65岁及以上老年人
        sub_start = _lead(s, cursor, ts)
        while sub_start < ts and s[sub_start] in "、和及与，":
            sub_start = _lead(s, sub_start + 1, ts)
        cut = s.rfind("、", sub_start, ts)
        if cut != -1 and _DIGIT_RE.search(s, sub_start, cut):
            sub_start = _lead(s, cut + 1, ts)  # 每18—50平方公里应设1个急救站、服务半径应为3—5公里
        relative = cmp in _RELATIVE_WORDS
        raw_subject = s[sub_start : vs if relative else ts]
        verb_led = bool(_LEAD_VERB_RE.match(raw_subject))
        subject = _clean_subject(raw_subject)
        if not relative:
            subject = _STRIPPABLE_VERB_RE.sub("", subject) or subject
        if not subject and (cmp or qual) and sub_start == start and previous:
            # …监测合格率，到2025年达到90%: the measure is named in the clause before
            p0 = _lead(s, *previous)
            m_verb = _CHANGE_VERB_RE.match(s, p0, previous[1])
            if m_verb:
                p0 = m_verb.end()
            candidate = _clean_subject(s[p0 : previous[1]])
            if _RATE_SUBJECT_RE.search(candidate) and 2 <= _cjk(candidate) <= 30:
                subject, sub_start = candidate, p0
        accepted = bool(cmp or qual or _RANGE_RE.match(_value(value)))
        if not accepted and unit:
            accepted = (
                ((unit in _RATE_UNITS or "/" in unit) and bool(_RATE_SUBJECT_RE.search(subject)))
                or (verb_led and unit in _COUNT_UNITS)
                or (continuation and last_kind in ("plain", "build"))
            )
        if cmp == "约" and not unit:
            accepted = False
        if not unit and not _RATE_SUBJECT_RE.search(subject):
            accepted = False  # a bare number without unit needs a rate-like subject
        if _INNER_CMP_RE.search(subject) or (not cmp and s[ts - 1 : ts] == "的"):
            accepted = False  # 床位不低于…床位总数的10%: a share of something else
        if accepted and _cjk(subject) >= 2 and len(subject) <= 45:
            found.append((sub_start, te, subject, value, unit, _comparator(cmp, qual, value)))
            cursor = last_end = te
            last_kind = "plain"
        elif cmp or qual:
            cursor = te
    if not found:
        item = _all_of(s, start, c1)
        if item:
            found.append(item)
    return found


_INNER_UNIT_RE = re.compile(r"[%‰](?=\D)")


def _value(value: str) -> str:
    """The number as printed; a range printed with its unit twice (35%-40%) drops the first."""
    if "%" not in value and "‰" not in value:
        return value  # the common case, without the regex
    return _INNER_UNIT_RE.sub("", value)


_YEAR_VALUE_RE = re.compile(r"(?:19|20)\d{2}")


def _noise(s: str, vs: int, te: int, value: str, unit: str, protected: set[int], start: int) -> bool:
    """Numbers that are not quantities: years, dates, codes, numbering, quoted names."""
    if vs in protected:
        return True
    prev = s[vs - 1] if vs > 0 else ""
    nxt = s[te] if te < len(s) else ""
    value_end = vs + len(value)
    after_value = s[value_end : value_end + 1]
    if prev and prev.isascii() and (prev.isalnum() or prev in ".:/"):
        return True  # P3, DDDs 100, ratios
    if prev and prev in "第表栏〔号":
        return True  # 第5章, 表1, 专栏1
    if after_value.isascii() and after_value.isalpha():
        return True  # 5G
    if after_value and after_value in "年月日号型":
        return True  # dates, durations in years, 35号, 2型糖尿病
    if not unit and _YEAR_VALUE_RE.fullmatch(value):
        return True
    if nxt in ":：" and s[te + 1 : te + 2].isdigit():
        return True
    if vs == start and s[value_end : value_end + 1] in ("．", ".", "、") and not unit:
        return True  # list numbering
    return False


# --------------------------------------------------------------------------
# The shapes


_PER_VERB_RE = re.compile(r"^的?(?:标准)?(?:配备|配置)?")
_PER_GOAL_RE = re.compile(r"的?目标$")


def _per(s: str, start: int, c1: int, m: re.Match[str]) -> _Found | None:
    """每3万人口配备1辆: subject before 每, or after the unit when nothing precedes."""
    num = m.group("num")
    value = _CN_DIGITS.get(num, num)
    unit = f"{m.group('unit')}/{m.group('den')}"
    end = _object_end(s, m.end(), c1)
    after = _PER_VERB_RE.sub("", s[m.end() : end])  # 每3万人口1辆的标准配备救护车
    after = _clean_subject(_PER_GOAL_RE.sub("", after))
    if _cjk(after) >= 2 and len(after) <= 30:
        return (m.start(), end, after, value, unit, "per")
    sub_start = _lead(s, start, m.start())
    before = _clean_subject(_CMP_TAIL_RE.sub("", s[sub_start : m.start()]))
    if _cjk(before) >= 2 and len(before) <= 30 and m.end() == end:
        return (sub_start, m.end(), before, value, unit, "per")
    return None


_CMP_TAIL_RE = re.compile(rf"(?:{'|'.join(sorted(_CMP_WORDS, key=len, reverse=True))})$")


_OBJECT_BREAK_RE = re.compile("[、和及]")


def _object_end(s: str, i: int, c1: int) -> int:
    """End of a noun phrase: the clause end, or the 、 before the next listed item
    (an item is what follows a 、 when a number comes later in the clause)."""
    for m in _OBJECT_BREAK_RE.finditer(s, i, c1):
        j = m.start()
        if s[j] == "、" and _DIGIT_RE.search(s, j + 1, c1):
            return j
        if s[j] in "和及" and s[j + 1 : j + 2].isdigit():
            return j
    return c1


def _leading(
    s: str, ts: int, te: int, c1: int, cmp: str | None, value: str, unit: str, qual: str | None
) -> _Found | None:
    """70%乡镇卫生院、社区卫生服务中心建成1个以上特色科室 / 1家综合医院进入全国百强医院."""
    if unit not in _P2_UNITS:
        return None
    i = te
    if s.startswith("的", i):
        i += 1
    verb = _P2_VERBS.search(s, i, c1)
    if not verb or verb.start() < i + 2:
        return None
    end = _object_end(s, verb.end(), c1)
    rest = s[i:end]
    if len(rest) < 4 or _cjk(rest[:1]) == 0:
        return None
    if rest.startswith(("以上", "以下")):
        return None
    subject = _clean_subject(rest)
    if _cjk(subject) < 4 or len(subject) > 60:
        return None
    return (ts, end, subject, value, unit, _comparator(cmp, qual, value))


_BUILD_MODIFIER_RE = re.compile(rf"(至少|不少于|约)(?:{_BUILD_VERBS})?(?:共|各|再)?$")


def _build(
    s: str, cursor: int, ts: int, te: int, c1: int, cmp: str | None, value: str, unit: str,
    qual: str | None,
) -> _Found | None:
    """Verb + count + object: 配建8个标准化救护车洗消中心."""
    if te >= c1:
        return None
    end = _object_end(s, te, c1)
    obj = s[te:end]
    if _cjk(obj[:1]) == 0 or "以上" in obj[:5] or "以下" in obj[:5] or _cjk(obj) < 2:
        return None
    if _P2_VERBS.search(obj[:2]) or obj.endswith("为一体"):
        return None
    subject = _clean_subject(obj)
    if len(subject) > 45 or _cjk(subject) < 2:
        return None
    sub_start = _lead(s, cursor, ts)
    while sub_start < ts and s[sub_start] in "、和及":
        sub_start += 1
    if cmp is None:
        modifier = _BUILD_MODIFIER_RE.search(s[cursor:ts])
        cmp = modifier.group(1) if modifier else None
    return (sub_start, end, subject, value, unit, _comparator(cmp, qual, value))


_CMP_WORD_RE = re.compile(rf"(?:{_CMP_ALT})")
_ITEM_RE = re.compile(rf"(?P<value>{_NUM}(?:{_RANGE_SEP}{_NUM})?)(?P<unit>{_UNITS})?(?P<qual>{_QUALIFIERS})?")


def _respectively(s: str, start: int, c1: int, protected: set[int]) -> list[_Found]:
    """孕产妇死亡率、婴儿死亡率分别控制在7/10万、4‰及以下 → one commitment per item."""
    p = s.find("分别", start, c1)
    subjects = [_clean_subject(part) for part in s[start:p].split("、")]
    subjects = [x for x in subjects if x]
    i = p + 2
    cmp_m = _CMP_WORD_RE.match(s, i, c1)
    cmp = cmp_m.group() if cmp_m else None
    if cmp_m:
        i = cmp_m.end()
    values: list[tuple[str, str, str | None]] = []
    while i < c1:
        m = _ITEM_RE.match(s, i, c1)
        if not m or i in protected:
            return []
        values.append((m.group("value"), m.group("unit") or "", m.group("qual")))
        i = m.end()
        if i < c1 and s[i] in "、和及与":
            i += 1
            continue
        break
    if not values or not _follower_ok(s, i, c1) or not (cmp or values[-1][2] or values[-1][1]):
        return []
    if not subjects or any(_cjk(x) < 2 for x in subjects):
        return []
    if len(values) == 1:
        values = values * len(subjects)
    if len(values) != len(subjects):
        return []
    last_qual = values[-1][2]
    out: list[_Found] = []
    for subject, (value, unit, qual) in zip(subjects, values, strict=True):
        out.append((start, i, subject, value, unit, _comparator(cmp, qual or last_qual, value)))
    return out


_ALL_RE = re.compile(
    r"(?P<holder>[^，。；]{2,30}?)(?:全部(?P<verb>设置|设立|建成|达到|通过|实施|配备|开设|进入|纳入|建立)|均(?P<verb2>达到))"
    r"(?P<obj>[^，。；]{2,40})"
)


def _all_of(s: str, start: int, c1: int) -> _Found | None:
    """市属医院及县（市、区）级医院全部设置互联网医院 → 100%."""
    if s.find("全部", start, c1) == -1 and s.find("均", start, c1) == -1:
        return None  # the common case; spares the slow lazy match below
    m = _ALL_RE.fullmatch(s, start, c1)
    if not m or _DIGIT_RE.search(m.group(0)):
        return None
    holder = _clean_subject(m.group("holder"))
    if holder.startswith("对"):
        holder = holder[1:]
    if _cjk(holder) < 2:
        return None
    verb = m.group("verb") or m.group("verb2")
    subject = f"{holder}{verb}{m.group('obj')}"
    return (start, c1, subject, "100", "%", "=")
