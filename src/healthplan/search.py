"""Full-text search in Chinese across every stored plan.

Every stored document line (``store.models.DocumentLine``) is segmented into words with
jieba (plus a dictionary of the domain's terms: 医联体, 互联网医院, 家庭医生签约 …) and
kept in a search index: an FTS5 table on SQLite, a ``tsvector`` table with a GIN index on
PostgreSQL (migration 0003), each with a table per plan document beside it (SQLite: an
FTS5 table of whole documents; PostgreSQL: per word, the number of the document's lines
that hold it, in all and per section). A hit is one line of a plan document, named by
its plan, the outline path (第四章 › 三、 › （四）) and the line number.

For the web app and the API::

    from healthplan.search import SearchError, search

    try:
        hits = search(session, "急救 反应时间", region="无锡市", level=None,
                      section=None, limit=20)
    except SearchError as exc:   # bad query or filter; str(exc) is a Chinese message
        ...
    for hit in hits:
        hit.to_json()        # the JSON contract: plan_id, region, document, line,
                             # outline_path, snippet (+ plan_title, region_code, level,
                             # section, score, partial)
        hit.snippet_html()   # HTML-escaped snippet with <mark>…</mark> around matches

``search(session, query, *, region=None, level=None, section=None, plan=None,
limit=20) -> list[Hit]``, best first:

* ``query``: words separated by spaces; each is segmented, and every word must occur in
  the line (AND). A word may also be found through its parts (家庭医生 in a line that
  says 家庭医生签约服务; 千人口床位数 in 每千常住人口…床位数). When no line has them
  all, the lines with some of them are returned, marked ``partial``.
* ``region``: a six-digit code or a name (无锡市, 苏州市吴中区): that region's plans and
  the plans of every region below it. ``level``: nation / province / city / county (or
  全国 / 省 / 市 / 县). ``section``: heading / body / table / project (or 标题 / 正文 /
  表格 / 专栏). ``plan``: one plan's id.
* Ranking: BM25 (SQLite FTS5) or ts_rank_cd (PostgreSQL), then ×1.6 for headings, ×1.3
  for 专栏 projects and up to ×1.5 for a line that contains the query's words verbatim.
  When more than DIRECT_MAX lines match (a common word over thousands of plans), the
  lines of the best-matching plans are ranked (by BM25 over whole documents on SQLite,
  on PostgreSQL by the number of lines that hold the words, counted per word when the
  document was indexed), PLAN_BATCH plans at a time, which keeps a search over 3,000
  plans in tens of milliseconds (bench/bench_search.py).
* Snippets: the 90 characters of the line that show the most matched text, which is
  wrapped in « and » (``Hit.snippet``), 【】 in the CLI table, ``<mark>`` in
  ``snippet_html()``.

An empty query, one of only punctuation, one longer than ``MAX_QUERY_CHARS``, an unknown
region, level or section raise ``SearchError``; a query with no hits returns ``[]``.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

INDEX_TABLE = "search_index"
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 20
SNIPPET_CHARS = 90
MARK_OPEN, MARK_CLOSE = "«", "»"
SECTION_BOOST = {"heading": 1.6, "project": 1.3, "table": 1.0, "body": 1.0}
VERBATIM_BONUS = 0.5  # × the share of query words found verbatim in the line

SECTIONS = {"heading": "heading", "body": "body", "table": "table", "project": "project",
            "标题": "heading", "正文": "body", "表格": "table", "指标表": "table",
            "专栏": "project", "项目": "project"}
LEVELS = {"nation": "nation", "province": "province", "city": "city", "county": "county",
          "全国": "nation", "国家": "nation", "省": "province", "省级": "province",
          "市": "city", "市级": "city", "地市": "city", "县": "county", "县级": "county",
          "区县": "county", "县区": "county"}
SECTION_CN = {"heading": "标题", "body": "正文", "table": "指标表", "project": "专栏"}

# Words of the domain that jieba's general dictionary splits (医联体 → 医/联体) or that
# must stay whole. Searching also finds each word's parts, so a compound here does not
# hide its pieces (家庭医生签约 is indexed with 家庭医生, 家庭, 医生, 签约).
DOMAIN_WORDS = (
    "医联体", "医共体", "县域医共体", "紧密型医共体", "城市医疗集团", "医疗集团", "专科联盟",
    "互联网医院", "互联网诊疗", "远程医疗", "智慧医院", "智慧医疗", "智慧服务", "智慧健康",
    "家庭医生", "家庭医生签约", "签约服务", "签约率", "全科医生", "全科医学", "乡村医生",
    "电子病历", "电子健康档案", "居民健康档案", "电子健康卡", "健康码", "互联互通",
    "全民健康信息平台", "健康信息平台", "医学影像", "检查检验结果互认",
    "千人口床位数", "床位数", "床护比", "医护比", "执业医师", "助理医师", "执业助理医师",
    "注册护士", "卫生技术人员", "公共卫生", "基本公共卫生", "公共卫生服务",
    "疾病预防控制", "疾控中心", "疾控机构", "卫生应急", "突发公共卫生事件", "重大疫情",
    "传染病", "新冠肺炎", "发热门诊", "哨点医院", "核酸检测", "院前急救", "急救站",
    "急救站点", "反应时间", "急救半径", "监护型救护车", "救护车", "胸痛中心", "卒中中心",
    "创伤中心", "危重孕产妇", "危重新生儿", "孕产妇死亡率", "婴儿死亡率", "新生儿死亡率",
    "人均预期寿命", "健康素养", "健康促进", "爱国卫生", "卫生城市", "健康城市", "健康村镇",
    "慢性病", "慢病", "高血压", "糖尿病", "心脑血管", "癌症筛查", "严重精神障碍",
    "心理健康", "精神卫生", "职业病", "职业健康", "尘肺病", "妇幼保健", "妇幼健康",
    "出生缺陷", "儿童保健", "托育", "托育机构", "婴幼儿照护", "托位", "医养结合",
    "护理院", "安宁疗护", "老年医学科", "老龄健康", "适老化", "失能老人", "中医药",
    "中医馆", "国医堂", "治未病", "中西医结合", "中医医院", "分级诊疗", "双向转诊",
    "基层首诊", "公立医院", "现代医院管理制度", "绩效考核", "薪酬制度", "医保支付",
    "集中带量采购", "药品耗材", "临床重点专科", "重点专科", "学科建设", "区域医疗中心",
    "县级医院", "乡镇卫生院", "社区卫生服务中心", "社区卫生服务站", "村卫生室",
    "基层医疗卫生机构", "医疗卫生机构", "15分钟健康服务圈", "健康服务圈", "健康产业",
    "健康管理", "个人卫生支出", "卫生总费用", "综合监管", "医疗废物", "血吸虫病",
    "艾滋病", "结核病", "预防接种", "免疫规划", "疫苗接种",
)

_STOPWORDS = frozenset("的 了 和 与 及 或 等 之 其 是 在 对 把 被".split())
_WORD_RUN = re.compile(r"\w+")
_SEPARATORS = re.compile(r"[\s\u3000]+")

log = logging.getLogger(__name__)


class SearchError(ValueError):
    """A query or filter that cannot be searched; the message is for the user (Chinese)."""


# --------------------------------------------------------------------------- segmentation

_tokenizer = None
_lookup_tokenizer = None
_tokenizer_lock = threading.Lock()


def tokenizer():
    """jieba's tokenizer with the domain words and the whole dictionary in memory, for
    indexing; loaded once per process, lazily (about a second to build, less from the
    cache in the user cache folder, which also holds the domain words)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                _tokenizer = _load_tokenizer()
    return _tokenizer


def _query_tokenizer():
    """For a few words (a query): the in-memory tokenizer when it is loaded, else the
    same dictionary looked up word by word in an SQLite copy in the user cache folder,
    which spares a command the second it takes to load (same words, same cuts)."""
    global _lookup_tokenizer
    if _tokenizer is not None:
        return _tokenizer
    if _lookup_tokenizer is None:
        with _tokenizer_lock:
            if _lookup_tokenizer is None:
                _lookup_tokenizer = _load_lookup_tokenizer()
    return _lookup_tokenizer or tokenizer()


def _cache_paths():
    import hashlib
    from pathlib import Path

    import jieba
    import platformdirs

    digest = hashlib.sha256("\n".join(DOMAIN_WORDS).encode()).hexdigest()[:12]
    folder = Path(platformdirs.user_cache_dir("healthplan", appauthor=False))
    stem = f"jieba-domain-{jieba.__version__}-{digest}"
    return folder, folder / f"{stem}.cache", folder / f"{stem}.sqlite3"


def _load_tokenizer():
    import marshal
    import os
    import tempfile

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    folder, cache, lookup = _cache_paths()
    try:
        with open(cache, "rb") as f:
            tk.FREQ, tk.total = marshal.load(f)
        tk.initialized = True
    except (OSError, EOFError, ValueError, TypeError):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tk.tmp_dir = str(folder)
        except OSError:
            pass
        tk.initialize()
        for word in DOMAIN_WORDS:
            tk.add_word(word, freq=max(tk.suggest_freq(word, False), 50))
        try:
            fd, tmp = tempfile.mkstemp(dir=folder)
            with os.fdopen(fd, "wb") as f:
                marshal.dump((tk.FREQ, tk.total), f)
            os.replace(tmp, cache)
        except OSError:
            pass
    if not lookup.exists():
        _write_lookup(tk, lookup)
    return tk


def _write_lookup(tk, path) -> None:
    import os
    import sqlite3
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".sqlite3")
        os.close(fd)
        conn = sqlite3.connect(tmp)
        conn.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
        conn.executemany("INSERT INTO freq VALUES (?, ?)", tk.FREQ.items())
        conn.execute("CREATE TABLE meta (total INTEGER)")
        conn.execute("INSERT INTO meta VALUES (?)", (tk.total,))
        conn.commit()
        conn.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error):
        pass


class _LookupFreq:
    """jieba's word → frequency dictionary, read from SQLite on demand (get_DAG and calc
    only ask ``in``, ``[]`` and ``get``)."""

    def __init__(self, conn):
        self.conn = conn
        self.memo: dict[str, int | None] = {}
        self.lock = threading.Lock()

    def get(self, word, default=None):
        if word not in self.memo:
            with self.lock:
                row = self.conn.execute("SELECT n FROM freq WHERE word = ?", (word,)).fetchone()
            self.memo[word] = row[0] if row else None
        found = self.memo[word]
        return default if found is None else found

    def __contains__(self, word) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word):
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found


def _load_lookup_tokenizer():
    import sqlite3

    import jieba

    _, _, lookup = _cache_paths()
    if not lookup.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{lookup}?mode=ro", uri=True, check_same_thread=False)
        total = conn.execute("SELECT total FROM meta").fetchone()[0]
    except sqlite3.Error:
        return None
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = _LookupFreq(conn), total, True
    return tk


# Full-width digits and letters, and the ideographic space (punctuation is never indexed).
_FULL_WIDTH = re.compile("[\u3000\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FOLD = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in (
    *range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}}


def normalise(value: str) -> str:
    """Full-width letters and digits → ASCII, the ideographic space → a space,
    lower case. The result has the same length as ``value``, so positions found in it
    are positions in ``value``."""
    folded = value.translate(_FOLD) if _FULL_WIDTH.search(value) else value
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in folded)


@lru_cache(maxsize=200_000)
def _run_words(run: str) -> tuple[str, ...]:
    """jieba's precise segmentation of one run of letters/digits/Han characters."""
    return tuple(w for w in _query_tokenizer().cut(run, HMM=False) if w.strip())


@lru_cache(maxsize=50_000)
def _parts(word: str) -> tuple[str, ...]:
    """The dictionary words strictly inside ``word`` (家庭医生签约 → 家庭, 家庭医生, 医生,
    签约): indexed beside the word, so a search for a part finds the whole."""
    if len(word) < 3:
        return ()
    freq = _query_tokenizer().FREQ
    n = len(word)
    return tuple(word[i:j] for i in range(n) for j in range(i + 2, n + 1)
                 if (i, j) != (0, n) and freq.get(word[i:j]))


@lru_cache(maxsize=50_000)
def _split(word: str) -> tuple[str, ...]:
    """The best segmentation of ``word`` that does not keep it whole (千人口床位数 →
    千/人口/床位数): how a line can spell a query word jieba would cut differently."""
    if len(word) < 3:  # a two-character word split into characters would match anything
        return ()
    tk = _query_tokenizer()
    dag = tk.get_DAG(word)
    dag[0] = [j for j in dag[0] if j != len(word) - 1] or [0]
    route: dict = {}
    tk.calc(word, dag, route)
    out, k = [], 0
    while k < len(word):
        j = route[k][1] + 1
        out.append(word[k:j])
        k = j
    return tuple(out) if any(len(piece) > 1 for piece in out) else ()


def words(value: str) -> list[str]:
    """The words of ``value`` in order (precise mode, no punctuation, normalised)."""
    return [w for run in _WORD_RUN.findall(normalise(value)) for w in _run_words(run)]


def index_terms(value: str) -> list[str]:
    """What is indexed for a line: each word followed by the dictionary words inside it."""
    out = []
    for word in words(value):
        out.append(word)
        out.extend(_parts(word))
    return out


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Group:
    """One query word: found as itself, or through its parts when jieba cuts it."""

    word: str
    split: tuple[str, ...] = ()

    def fts5(self) -> str:
        whole = _fts5_string(self.word)
        if not self.split:
            return whole
        return f"({whole} OR ({' AND '.join(_fts5_string(p) for p in self.split)}))"

    def tsquery(self) -> str:
        whole = _tsquery_string(self.word)
        if not self.split:
            return whole
        return f"({whole} | ({' & '.join(_tsquery_string(p) for p in self.split)}))"


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]  # the space-separated terms, normalised
    groups: tuple[Group, ...]

    def strict(self) -> Query:
        """The query without the parts of its words."""
        return Query(self.text, self.terms, tuple(Group(g.word) for g in self.groups))

    def fts5(self, *, any_word: bool = False) -> str:
        return (" OR " if any_word else " AND ").join(g.fts5() for g in self.groups)

    def tsquery(self, *, any_word: bool = False) -> str:
        return (" | " if any_word else " & ").join(g.tsquery() for g in self.groups)


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _tsquery_string(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def parse_query(query: str) -> Query:
    """Space-separated terms, each segmented into words; raises SearchError for a query
    that cannot be searched."""
    raw = "" if query is None else str(query)
    stripped = raw.strip()
    if not stripped:
        raise SearchError("检索词为空：请输入要查找的词语，如“急救 反应时间”")
    if len(stripped) > MAX_QUERY_CHARS:
        raise SearchError(f"检索词过长（{len(stripped)} 个字符，最多 {MAX_QUERY_CHARS} 个）："
                          "请只输入几个关键词，用空格分开")
    terms = [t for t in _SEPARATORS.split(normalise(stripped)) if t]
    kept_terms, found = [], []
    for term in terms:
        term_words = words(term)
        if term_words:
            kept_terms.append("".join(_WORD_RUN.findall(term)))
            found.extend(term_words)
    groups: list[Group] = []
    for word in [w for w in found if w not in _STOPWORDS] or found:
        group = Group(word, _split(word))
        if group not in groups:
            groups.append(group)
    if not groups:
        raise SearchError(f"检索词“{_shorten(stripped)}”只有标点或符号，没有可检索的字词")
    if len(groups) > MAX_QUERY_WORDS:
        raise SearchError(f"检索词切分后有 {len(groups)} 个词，最多 {MAX_QUERY_WORDS} 个："
                          "请只输入几个关键词")
    return Query(stripped, tuple(kept_terms), tuple(groups))


def _shorten(value: str, width: int = 20) -> str:
    return value if len(value) <= width else value[:width] + "…"


# --------------------------------------------------------------------------- hits


@dataclass
class Hit:
    plan_id: int
    plan_title: str
    region: str  # the region's name (江阴市)
    region_code: str
    level: str
    document: str  # the source file's name
    line: int  # 1-based line of the document
    outline_path: str  # 第四章 › 三、 › （四）
    section: str  # heading / body / table / project
    score: float
    text: str  # the whole line
    snippet_text: str  # the part of the line shown
    spans: list[tuple[int, int]] = field(default_factory=list)  # matches in snippet_text
    partial: bool = False  # from the fallback: the line lacks some query words

    def marked(self, open_mark: str = MARK_OPEN, close_mark: str = MARK_CLOSE,
               escape=lambda s: s) -> str:
        out, k = [], 0
        for start, end in self.spans:
            out.append(escape(self.snippet_text[k:start]))
            out.append(open_mark + escape(self.snippet_text[start:end]) + close_mark)
            k = end
        out.append(escape(self.snippet_text[k:]))
        return "".join(out)

    @property
    def snippet(self) -> str:
        """The snippet with the matched words in «…»."""
        return self.marked()

    def snippet_html(self) -> str:
        return self.marked("<mark>", "</mark>", html.escape)

    def to_json(self) -> dict:
        return {"plan_id": self.plan_id, "plan_title": self.plan_title, "region": self.region,
                "region_code": self.region_code, "level": self.level,
                "document": self.document, "line": self.line,
                "outline_path": self.outline_path, "section": self.section,
                "snippet": self.snippet, "score": round(self.score, 4),
                "partial": self.partial}


def highlight_spans(line: str, query: Query) -> list[tuple[int, int]]:
    """Where the query's words are in ``line``: whole terms first, then words, then the
    parts of a word that jieba cut; single characters only when a term is one."""
    norm = normalise(line)
    taken = [False] * len(norm)
    spans: list[tuple[int, int]] = []

    def mark(needle: str) -> None:
        if not needle:
            return
        start = norm.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(taken[start:end]):
                spans.append((start, end))
                for k in range(start, end):
                    taken[k] = True
            start = norm.find(needle, end)

    single = {t for t in query.terms if len(t) == 1}
    for term in sorted(query.terms, key=len, reverse=True):
        mark(term)
    for group in sorted(query.groups, key=lambda g: len(g.word), reverse=True):
        if len(group.word) > 1 or group.word in single:
            mark(group.word)
    for group in query.groups:
        for part in group.split:
            if len(part) > 1:
                mark(part)
    return sorted(spans)


def make_snippet(line: str, spans: list[tuple[int, int]],
                 width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """About ``width`` characters of ``line`` around its first match (… where cut), with
    the spans moved into the snippet."""
    line = line.strip("\n")
    if len(line) <= width:
        return line, spans
    start = _best_window(line, spans, width)
    end = start + width
    # Never cut a highlighted word in two at either end.
    for s, e in spans:
        if s < start < e:
            start = s
        if s < end < e:
            end = s
    out = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(line) else ""
    shift = len(prefix)
    return prefix + line[start:end] + suffix, [(s + shift, e + shift) for s, e in out]


def _best_window(line: str, spans: list[tuple[int, int]], width: int) -> int:
    """The start of the window that shows the most matched text (the earliest such), a
    little before its first match."""
    best, best_count = 0, -1
    for s, _ in spans:
        start = max(0, min(s - width // 4, len(line) - width))
        shown = sum(b - a for a, b in spans if a >= start and b <= start + width)
        if shown > best_count:
            best, best_count = start, shown
    return best


# --------------------------------------------------------------------------- search

CANDIDATES = 100  # lines ranked by the index, then re-ranked with the section boost
DIRECT_MAX = 2000  # up to this many matching lines, every one is ranked (SQLite)
DIRECT_MAX_POSTGRESQL = 1000  # the same, for an upper bound of them (PostgreSQL)
PLAN_BATCH = 40  # beyond it, the lines of the best-matching plans, this many at a time
MAX_BATCHES = 5


def search(session: Session, query: str, *, region: str | None = None,
           level: str | None = None, section: str | None = None, plan: int | None = None,
           limit: int = 20) -> list[Hit]:
    """The lines of stored plan documents that match ``query``, best first (see the
    module docstring); ``plan`` restricts the search to one plan's document. Raises
    SearchError for a query or filter that cannot be used."""
    parsed = parse_query(query)
    limit = max(1, min(int(limit), 1000))
    filters = _filters(session, region, level, section, plan)
    ensure_index(session)
    pool = max(limit * 5, CANDIDATES)
    # The words as jieba cuts them first; their parts (千人口床位数 → 千/人口/床位数) only
    # when that finds too little: parts are common words, slow to rank over many plans.
    strict = parsed.strict()
    want = 2 * limit
    rows = _candidates(session, strict, filters, pool, any_word=False, want=want)
    if len(rows) < limit and strict != parsed:
        rows = _candidates(session, parsed, filters, pool, any_word=False, want=want)
    partial = False
    if not rows and len(parsed.groups) > 1:
        rows = _candidates(session, parsed, filters, pool, any_word=True, want=want)
        partial = True
    scored = sorted(((_score(row, parsed), row) for row in rows),
                    key=lambda item: (-item[0], item[1][6], item[1][2]))
    return [_hit(row, score, parsed, partial) for score, row in scored[:limit]]


@dataclass
class _Filters:
    region_ids: list[int] | None = None  # the region and every region below it
    region_code: str | None = None
    level: str | None = None
    section: str | None = None
    plan: int | None = None

    @property
    def plan_level(self) -> bool:
        return bool(self.region_ids is not None or self.level or self.plan is not None)


def _choice(value: str | None, allowed: dict[str, str], what: str, listed: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().lower()
    if key not in allowed:
        raise SearchError(f"未知{what}“{_shorten(str(value))}”：可选 {listed}")
    return allowed[key]


def _filters(session: Session, region, level, section, plan) -> _Filters:
    out = _Filters()
    if region is not None and str(region).strip():
        from healthplan.store.regions import RegionError, find_region

        try:
            found = find_region(session, str(region))
        except RegionError as exc:
            raise SearchError(str(exc)) from None
        if found.level != "nation":
            out.region_code = found.code
            out.region_ids = list(session.execute(text(
                "WITH RECURSIVE sub(id) AS (SELECT id FROM regions WHERE id = :root UNION ALL "
                "SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id) SELECT id FROM sub"),
                {"root": found.id}).scalars())
    out.level = _choice(level, LEVELS, "层级", "nation、province、city、county")
    out.section = _choice(section, SECTIONS, "部分", "heading、body、table、project")
    out.plan = int(plan) if plan is not None else None
    return out


_LINE_COLUMNS = ("dl.line, dl.text, dl.outline_path, dl.section, p.id, p.title, "
                 "p.source_name, r.name, r.code, r.level")
_LINE_JOIN = ("JOIN document_lines dl ON dl.id = c.line_id "
              "JOIN plans p ON p.source_sha256 = dl.source_sha256 AND p.origin = 'document' "
              "JOIN regions r ON r.id = p.region_id")


def _candidates(session: Session, query: Query, filters: _Filters, pool: int,
                any_word: bool, want: int) -> list[tuple]:
    """(line id, rank, line, text, outline path, section, plan id, title, source, region
    name, code, level) of the best ``pool`` lines by the index's own rank.

    Ranking every matching line costs a few microseconds a line (up to some 20 on
    PostgreSQL for a long line and several words), too much for a common word over
    thousands of plans. So: when few lines match, all are ranked; otherwise the plans
    that match best (and pass the filters) are taken PLAN_BATCH at a time, and the lines
    of those plans ranked, until ``want`` lines are found (at most MAX_BATCHES batches).
    SQLite counts the matching lines (up to DIRECT_MAX, then filters the ranked lines)
    and picks the plans by BM25 over whole documents. PostgreSQL reads, per word, the
    number of lines of each plan that hold it (``search_terms``): that gives the plans
    that can match, best first, and an upper bound of the matching lines; when it is at
    most DIRECT_MAX_POSTGRESQL and the plans fit in the batches, the lines of all of
    them are ranked at once."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover
        raise SearchError(f"数据库 {dialect} 不支持全文检索")
    sqlite = dialect == "sqlite"
    if sqlite:
        q = query.fts5(any_word=any_word)
        if _count_capped(session, q, DIRECT_MAX + 1) <= DIRECT_MAX:
            return _ranked_lines(session, sqlite, q, filters, pool, plans=None)
        plans = _best_documents(session, q, filters, PLAN_BATCH * MAX_BATCHES)
    else:
        q = query.tsquery(any_word=any_word)
        plans, estimate = _best_plans(session, query, any_word, filters,
                                      PLAN_BATCH * MAX_BATCHES)
        if not plans:
            return []
        if estimate is not None and estimate <= DIRECT_MAX_POSTGRESQL:
            return _ranked_lines(session, sqlite, q, filters, pool, plans=plans)
    rows: list[tuple] = []
    seen: set = set()
    for start in range(0, len(plans), PLAN_BATCH):
        for row in _ranked_lines(session, sqlite, q, filters, pool,
                                 plans=plans[start:start + PLAN_BATCH]):
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
        if len(rows) >= want:
            break
    return rows


def _count_capped(session: Session, q: str, cap: int) -> int:
    """SQLite: how many lines match, counted up to ``cap``."""
    sql = (f"SELECT count(*) FROM (SELECT rowid FROM {INDEX_TABLE} "
           f"WHERE {INDEX_TABLE} MATCH :q LIMIT :cap)")
    return session.execute(text(sql), {"q": f"terms : ({q})", "cap": cap}).scalar() or 0


def _best_documents(session: Session, q: str, filters: _Filters, n: int) -> list[int]:
    """SQLite: the plans whose documents match best (BM25 over whole documents) and pass
    the plan-level filters."""
    match = f"terms : ({q})"
    if filters.region_code:
        match += f" AND scope : {_fts5_string('r' + filters.region_code)}"
    if filters.level:
        match += f" AND scope : {_fts5_string('l' + filters.level)}"
    if filters.plan is not None:
        match += f" AND scope : {_fts5_string(f'p{filters.plan}')}"
    sql = (f"SELECT rowid FROM {DOCUMENT_TABLE} WHERE {DOCUMENT_TABLE} MATCH :q "
           f"ORDER BY bm25({DOCUMENT_TABLE}, 1.0, 0.0) LIMIT :n")
    return list(session.execute(text(sql), {"q": match, "n": n}).scalars())


def _best_plans(session: Session, query: Query, any_word: bool, filters: _Filters,
                n: int) -> tuple[list[int], int | None]:
    """PostgreSQL: the ``n`` plans that pass the plan-level filters and whose documents
    hold the most lines (of the section asked for, if any) that can match, best first;
    and an upper bound of the matching lines of all plans, None when more than ``n``
    plans can match. Read from ``search_terms`` alone (an index-only scan of one entry
    per plan and word), never from the matching lines.

    A plan's count: a word's is its number of lines, a word also found through its
    parts adds the smallest of theirs; all words (AND) the smallest of the words', any
    word (OR) their sum. So a plan that lacks a word is never picked for AND."""
    column = f"in_{filters.section}" if filters.section else "lines"
    params: dict = {"n": n}
    allowed = _allowed_plans(session, filters)
    if allowed is not None:
        if not allowed:
            return [], 0
        params["plans"] = allowed
    only = "AND {t}.plan_id = ANY(CAST(:plans AS integer[])) " if allowed is not None else ""
    if not any_word and not any(group.split for group in query.groups):
        # The common case: each word's entries, in plan order, merge-joined.
        joins, counts = [], []
        for k, group in enumerate(query.groups):
            params[f"t{k}"] = group.word
            counts.append(f"t{k}.{column}")
            on = f"t{k}.term = :t{k} AND t{k}.{column} > 0"
            if k:
                on += f" AND t{k}.plan_id = t0.plan_id"
                joins.append(f"JOIN {TERMS_TABLE} t{k} ON {on}")
            else:
                first = on + " " + only.format(t="t0")
        score = f"least({', '.join(counts)})"
        sql = (f"SELECT t0.plan_id, sum({score}) OVER (), count(*) OVER () "
               f"FROM {TERMS_TABLE} t0 {' '.join(joins)} WHERE {first}"
               f"ORDER BY {score} DESC, t0.plan_id LIMIT :n")
    else:
        terms: list[str] = []

        def count(term: str) -> str:
            if term not in terms:
                terms.append(term)
                params[f"t{len(terms) - 1}"] = term
            return f"coalesce(max(t.{column}) FILTER (WHERE t.term = :t{terms.index(term)}), 0)"

        groups = []
        for group in query.groups:
            found = count(group.word)
            if group.split:
                found += f" + least({', '.join(count(p) for p in group.split)})"
            groups.append(found)
        score = " + ".join(groups) if any_word else f"least({', '.join(groups)})"
        listed = ", ".join(f":t{k}" for k in range(len(terms)))
        sql = (f"SELECT plan_id, sum(score) OVER (), count(*) OVER () FROM ("
               f"SELECT t.plan_id, {score} AS score FROM {TERMS_TABLE} t "
               f"WHERE t.term IN ({listed}) AND t.{column} > 0 {only.format(t='t')}"
               f"GROUP BY t.plan_id) x WHERE score > 0 ORDER BY score DESC, plan_id LIMIT :n")
    rows = session.execute(text(sql), params).all()
    if not rows:
        return [], 0
    _, total, count_ = rows[0]
    return [row[0] for row in rows], (int(total) if count_ <= n else None)


def _plan_conditions(filters: _Filters, params: dict, statement_params: list) -> list[str]:
    """SQL conditions on plans ``p`` and regions ``r`` for the plan-level filters (region
    and those below it, level, plan); their values go into ``params``."""
    where = []
    if filters.region_ids is not None:
        where.append("p.region_id IN :regions")
        params["regions"] = filters.region_ids
        statement_params.append(bindparam("regions", expanding=True))
    if filters.level:
        where.append("r.level = :level")
        params["level"] = filters.level
    if filters.plan is not None:
        where.append("p.id = :plan")
        params["plan"] = filters.plan
    return where


def _allowed_plans(session: Session, filters: _Filters) -> list[int] | None:
    """The document plans that pass the plan-level filters; None for no such filter."""
    if not filters.plan_level:
        return None
    params, statement_params = {}, []
    where = ["p.origin = 'document'", *_plan_conditions(filters, params, statement_params)]
    sql = text("SELECT p.id FROM plans p JOIN regions r ON r.id = p.region_id "
               f"WHERE {' AND '.join(where)}")
    if statement_params:
        sql = sql.bindparams(*statement_params)
    return list(session.execute(sql, params).scalars())


def _ranked_lines(session: Session, sqlite: bool, q: str, filters: _Filters, pool: int,
                  plans: list[int] | None) -> list[tuple]:
    """The best ``pool`` matching lines (of ``plans`` when given) that pass the filters."""
    params: dict = {"pool": pool}
    statement_params = []
    if sqlite:
        match = f"terms : ({q})"
        if plans is not None:
            suffix = f"s{filters.section}" if filters.section else ""
            match += " AND scope : (" + " OR ".join(
                _fts5_string(f"p{p}{suffix}") for p in plans) + ")"
        params["q"] = match
        # bm25() is lower for better matches; negated, a higher rank is better. The scope
        # column has weight 0: it only selects.
        inner = (f"SELECT rowid AS line_id, -bm25({INDEX_TABLE}, 1.0, 0.0) AS rank "
                 f"FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH :q")
    else:
        params["q"] = q
        inner = (f"SELECT s.line_id, ts_rank_cd(s.terms, q.q, 1) AS rank FROM {INDEX_TABLE} s, "
                 "CAST(:q AS tsquery) AS q(q) WHERE s.terms @@ q.q")
        if plans is not None:
            inner += " AND s.plan_id IN :plans"
            params["plans"] = plans or [-1]
            statement_params.append(bindparam("plans", expanding=True))
            if filters.section:
                inner += " AND s.section = :section"
                params["section"] = filters.section
    where = []
    if plans is None:  # the direct way: at most DIRECT_MAX lines, filtered after ranking
        where.extend(_plan_conditions(filters, params, statement_params))
        if filters.section:
            where.append("dl.section = :section")
            params["section"] = filters.section
    else:
        inner += " ORDER BY rank DESC LIMIT :pool"
    sql = (f"SELECT c.line_id, c.rank, {_LINE_COLUMNS} FROM ({inner}) c {_LINE_JOIN} "
           + (f"WHERE {' AND '.join(where)} " if where else "")
           + "ORDER BY c.rank DESC, p.id LIMIT :pool")
    statement = text(sql)
    if statement_params:
        statement = statement.bindparams(*statement_params)
    rows, seen = [], set()
    for row in session.execute(statement, params):
        if row[0] not in seen:  # one plan per line, should a document have two
            seen.add(row[0])
            rows.append(tuple(row))
    return rows


def _score(row: tuple, query: Query) -> float:
    """The index's rank × the section's boost × (1 + the verbatim bonus)."""
    rank, line_text, section = row[1], row[3], row[5]
    norm = normalise(line_text)
    verbatim = sum(1 for t in query.terms if t and t in norm) / max(len(query.terms), 1)
    return float(rank or 0.0) * SECTION_BOOST.get(section, 1.0) * (1 + VERBATIM_BONUS * verbatim)


def _hit(row: tuple, score: float, query: Query, partial: bool) -> Hit:
    (_line_id, _rank, line, line_text, outline_path, section, plan_id, title, source,
     region_name, code, level) = row
    snippet_text, snippet_spans = make_snippet(line_text, highlight_spans(line_text, query))
    return Hit(plan_id=plan_id, plan_title=title, region=region_name, region_code=code,
               level=level, document=source, line=line, outline_path=outline_path or "",
               section=section, score=score, text=line_text, snippet_text=snippet_text,
               spans=snippet_spans, partial=partial)


# --------------------------------------------------------------------------- the index

DOCUMENT_TABLE = "search_documents"  # SQLite: one row per plan document
TERMS_TABLE = "search_terms"  # PostgreSQL: one row per word and plan document
TERM_SECTIONS = ("heading", "body", "table", "project")  # its columns in_heading …


@dataclass
class DocumentScope:
    """Who a document's lines belong to: the plan it sets out (origin "document", not one
    rebuilt from its completion table) and the tokens of its region, every region above
    it but the nation (``r320200`` finds 江阴市 under 无锡市) and its level."""

    plan_id: int
    tokens: list[str]


def document_scope(session: Session, sha256s: Iterable[str]) -> dict[str, DocumentScope]:
    wanted = list(dict.fromkeys(sha256s))
    if not wanted:
        return {}
    regions = {rid: (code, level, parent) for rid, code, level, parent in session.execute(
        text("SELECT id, code, level, parent_id FROM regions"))}
    out: dict[str, DocumentScope] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(text(
            "SELECT source_sha256, id, region_id FROM plans WHERE origin = 'document' "
            "AND source_sha256 IN :shas ORDER BY id").bindparams(
                bindparam("shas", expanding=True)), {"shas": wanted[start:start + 500]}).all()
        for sha, plan_id, region_id in rows:
            if sha in out or region_id not in regions:
                continue
            tokens = [f"p{plan_id}", f"l{regions[region_id][1]}"]
            node = region_id
            while node is not None and node in regions:
                code, node_level, parent = regions[node]
                if node_level != "nation":
                    tokens.append(f"r{code}")
                node = parent
            out[sha] = DocumentScope(plan_id, tokens)
    return out


def index_lines(session: Session, rows: Iterable[Sequence],
                scope: DocumentScope | None) -> int:
    """Index the ``(document_lines.id, text, section)`` rows of one document (all of its
    lines), whose plan is ``scope`` (``document_scope``; None: no plan, so never found).
    The number of lines indexed."""
    dialect = session.get_bind().dialect.name
    tokenizer()  # the whole dictionary in memory: a document has thousands of words
    batch, everything, count = [], [], 0
    lines_with: dict[str, list[int]] = {}  # word → lines, in all and per section
    column = {section: k for k, section in enumerate(TERM_SECTIONS, start=1)}
    for line_id, line_text, section in rows:
        terms = index_terms(line_text or "")
        if dialect == "postgresql":
            batch.append({"id": line_id, "plan": scope.plan_id if scope else None,
                          "section": section, "terms": _tsvector_literal(terms)})
            for term in set(terms):
                counts = lines_with.setdefault(term, [0] * (1 + len(TERM_SECTIONS)))
                counts[0] += 1
                if section in column:
                    counts[column[section]] += 1
        else:
            everything.extend(terms)
            plan_tokens = f"p{scope.plan_id} p{scope.plan_id}s{section}" if scope else ""
            batch.append({"id": line_id, "terms": " ".join(terms), "scope": plan_tokens})
        if len(batch) >= 2000:
            count += _insert(session, dialect, batch)
            batch = []
    if batch:
        count += _insert(session, dialect, batch)
    if dialect == "sqlite" and scope is not None and count:
        session.execute(text(f"INSERT INTO {DOCUMENT_TABLE} (rowid, terms, scope) "
                             "VALUES (:id, :terms, :scope)"),
                        {"id": scope.plan_id, "terms": " ".join(everything),
                         "scope": " ".join(scope.tokens)})
    if dialect == "postgresql" and scope is not None and lines_with:
        names = ["lines", *(f"in_{section}" for section in TERM_SECTIONS)]
        arrays = ", ".join(f"CAST(:{name} AS integer[])" for name in names)
        params = {"terms": list(lines_with), "plan": scope.plan_id}
        for k, name in enumerate(names):
            params[name] = [counts[k] for counts in lines_with.values()]
        session.execute(text(f"INSERT INTO {TERMS_TABLE} (term, plan_id, {', '.join(names)}) "
                             f"SELECT term, :plan, {', '.join(names)} FROM unnest("
                             f"CAST(:terms AS text[]), {arrays}) AS u(term, {', '.join(names)})"),
                        params)
    return count


def _insert(session: Session, dialect: str, batch: list[dict]) -> int:
    if dialect == "postgresql":
        sql = (f"INSERT INTO {INDEX_TABLE} (line_id, plan_id, section, terms) "
               "VALUES (:id, :plan, :section, CAST(:terms AS tsvector))")
    else:
        sql = f"INSERT INTO {INDEX_TABLE} (rowid, terms, scope) VALUES (:id, :terms, :scope)"
    session.execute(text(sql), batch)
    return len(batch)


def _tsvector_literal(terms: list[str]) -> str:
    """A tsvector written out (``'医联体':1 '建设':2``), so that PostgreSQL's parser, whose
    word boundaries depend on the server's locale, never re-splits the Chinese words; no
    stemming, as with the 'simple' configuration."""
    positions: dict[str, list[int]] = {}
    for k, term in enumerate(terms[:16383], start=1):
        found = positions.setdefault(term, [])
        if len(found) < 256:
            found.append(k)
    return " ".join(_tsquery_string(term) + ":" + ",".join(map(str, where))
                    for term, where in positions.items())


def index_document(session: Session, sha256: str) -> int:
    """Index the stored lines of one document (called when a document is stored, after
    its plan)."""
    rows = session.execute(text(
        "SELECT id, text, section FROM document_lines WHERE source_sha256 = :sha ORDER BY line"),
        {"sha": sha256}).all()
    return index_lines(session, rows, document_scope(session, [sha256]).get(sha256))


def clear_index(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":  # contentless FTS5 tables
        for table in (INDEX_TABLE, DOCUMENT_TABLE):
            session.execute(text(f"INSERT INTO {table}({table}) VALUES('delete-all')"))
    else:
        for table in (INDEX_TABLE, TERMS_TABLE):
            session.execute(text(f"DELETE FROM {table}"))


def reindex(session: Session) -> int:
    """Rebuild the whole index from the stored lines; the number of lines indexed."""
    clear_index(session)
    shas = session.execute(text("SELECT DISTINCT source_sha256 FROM document_lines")).scalars().all()
    scopes = document_scope(session, shas)
    count = 0
    for sha in shas:
        rows = session.execute(text(
            "SELECT id, text, section FROM document_lines WHERE source_sha256 = :sha "
            "ORDER BY line"), {"sha": sha}).all()
        count += index_lines(session, rows, scopes.get(sha))
    return count


def index_is_stale(session: Session) -> bool:
    """Whether stored lines are missing from the index: lines stored before the index
    existed (migration 0003). Lines are never deleted and every line stored since is
    indexed with its document, so the check compares the lowest ids (two index lookups)."""
    first_line = session.execute(text("SELECT min(id) FROM document_lines")).scalar()
    if first_line is None:
        return False
    key = "rowid" if session.get_bind().dialect.name == "sqlite" else "line_id"
    first_indexed = session.execute(text(
        f"SELECT {key} FROM {INDEX_TABLE} ORDER BY {key} LIMIT 1")).scalar()
    return first_indexed is None or first_indexed > first_line


def ensure_index(session: Session) -> int:
    """Index the stored lines when the index lacks them; the number of lines indexed."""
    if not index_is_stale(session):
        return 0
    log.info("building the search index")
    return reindex(session)


def include_in_schema_comparison(name: str | None, type_: str, _parents: dict) -> bool:
    """For Alembic's ``include_name``: the search index is dialect-specific (two FTS5
    virtual tables and their shadow tables on SQLite, a tsvector table and a table of
    word counts on PostgreSQL, made by migration 0003) and has no model, so comparisons
    of models and schema leave it out."""
    return not (type_ == "table" and name is not None
                and any(name == t or name.startswith(t + "_")
                        for t in (INDEX_TABLE, DOCUMENT_TABLE, TERMS_TABLE)))
