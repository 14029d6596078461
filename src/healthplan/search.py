"""Full-text search in Chinese across every stored plan: the words, the queries, the hits.

Plain functions, no database: every stored document line (``store.models.DocumentLine``)
is segmented into words with jieba (plus a dictionary of the domain's terms: 医联体,
互联网医院, 家庭医生签约 …) by ``index_terms``; a query is read by ``parse_query``; a hit
gets its snippet from ``highlight_spans``/``make_snippet`` and its score from ``score``.
The index itself and the SQL that searches it are in the store: ``store.search_index``
(what both databases share, and the entry points ``search``, ``ensure_index``,
``reindex``), ``store.search_sqlite`` (FTS5) and ``store.search_postgres`` (tsvector),
each with a table per plan document beside the table of lines (SQLite: an FTS5 table of
whole documents; PostgreSQL: per word, the number of the document's lines that hold it,
in all and per section). A hit is one line of a plan document, named by its plan, the
outline path (第四章 › 三、 › （四）) and the line number.

For the web app and the API::

    from healthplan.search import SearchError
    from healthplan.store.search_index import search

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
from dataclasses import dataclass, field
from functools import lru_cache

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


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]  # the space-separated terms, normalised
    groups: tuple[Group, ...]

    def strict(self) -> Query:
        """The query without the parts of its words."""
        return Query(self.text, self.terms, tuple(Group(g.word) for g in self.groups))


def render_query(query: Query, *, quote, all_of: str, any_of: str,
                 any_word: bool = False) -> str:
    """The query in a database's full-text syntax: each word quoted by ``quote`` (so
    nothing the user typed is an operator), or — when jieba cuts it — all of its parts
    (``all_of``) as an alternative (``any_of``); every word (AND) or any (OR)."""
    def group(g: Group) -> str:
        whole = quote(g.word)
        if not g.split:
            return whole
        return f"({whole} {any_of} ({f' {all_of} '.join(quote(p) for p in g.split)}))"

    return f" {any_of if any_word else all_of} ".join(group(g) for g in query.groups)


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


# --------------------------------------------------------------------------- ranking and filters


def score(rank: float | None, line_text: str, section: str, query: Query) -> float:
    """A line's score: the index's rank × the section's boost × (1 + the verbatim bonus
    for the share of the query's terms found in the line as typed)."""
    norm = normalise(line_text)
    verbatim = sum(1 for t in query.terms if t and t in norm) / max(len(query.terms), 1)
    return float(rank or 0.0) * SECTION_BOOST.get(section, 1.0) * (1 + VERBATIM_BONUS * verbatim)


def choice(value: str | None, allowed: dict[str, str], what: str, listed: str) -> str | None:
    """A filter value (``SECTIONS``, ``LEVELS``) in its code spelling; None when not given;
    SearchError naming the allowed values when unknown."""
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().lower()
    if key not in allowed:
        raise SearchError(f"未知{what}“{_shorten(str(value))}”：可选 {listed}")
    return allowed[key]
