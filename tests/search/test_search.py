"""Full-text search (healthplan.search, store.search_*): segmentation of the domain's terms, queries,
snippets, the index on SQLite and PostgreSQL, recall@5 on the query set, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from cli_helpers import assert_bad_input, run_cli
from healthplan.search import (
    SearchError,
    highlight_spans,
    index_terms,
    make_snippet,
    parse_query,
    words,
)
from healthplan.store.search_index import clear_index, ensure_index, index_is_stale, search
from healthplan.store.search_postgres import tsquery
from healthplan.store.search_sqlite import fts5_query
from pg_helpers import postgres_schema

QUERIES = Path(__file__).with_name("queries.yaml")


# --------------------------------------------------------------------------- segmentation


@pytest.mark.parametrize("term", ["医联体", "互联网医院", "家庭医生签约", "电子病历", "医共体",
                                  "千人口床位数", "安宁疗护", "治未病", "监护型救护车"])
def test_domain_terms_are_one_word(term):
    assert words(term) == [term]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("推进紧密型医联体建设", ["医联体"]),
    ("市属医院全部设置互联网医院", ["互联网医院"]),
    ("家庭医生签约服务覆盖率", ["家庭医生签约"]),
    ("二级以上医院电子病历应用水平4级以上", ["电子病历", "4"]),
    ("全面推进县域医共体建设", ["县域医共体"]),
])
def test_domain_terms_in_sentences(sentence, expected):
    found = words(sentence)
    for word in expected:
        assert word in found, found


def test_compounds_are_indexed_with_their_parts():
    terms = index_terms("家庭医生签约服务覆盖率")
    for word in ("家庭医生签约", "家庭医生", "家庭", "医生", "签约", "服务", "覆盖率"):
        assert word in terms, terms
    assert "县域医共体" in index_terms("县域医共体") and "医共体" in index_terms("县域医共体")


def test_full_width_and_case_are_folded():
    assert words("ＤＲＧ付费　２０２５年") == words("drg付费 2025年")


# --------------------------------------------------------------------------- queries


def test_query_terms_and_groups():
    query = parse_query("  急救　反应时间 ")
    assert query.terms == ("急救", "反应时间")
    assert [g.word for g in query.groups] == ["急救", "反应时间"]
    assert query.groups[1].split == ("反应", "时间")  # found also when jieba cuts it
    assert fts5_query(query) == '"急救" AND ("反应时间" OR ("反应" AND "时间"))'
    assert tsquery(query, any_word=True) == "'急救' | ('反应时间' | ('反应' & '时间'))"


def test_query_stopwords_dropped_unless_alone():
    assert [g.word for g in parse_query("医联体 的 建设").groups] == ["医联体", "建设"]
    assert [g.word for g in parse_query("的").groups] == ["的"]


def test_query_syntax_is_never_passed_through():
    import re

    query = parse_query('医联体" OR "x NEAR(a b) -c * \'d:*')
    # Everything the user typed ends up inside quotes: only AND/OR/( ) are operators.
    outside = re.sub(r'"[^"]*"', " ", fts5_query(query)).replace("(", " ").replace(")", " ")
    assert set(outside.split()) == {"AND", "OR"}
    outside = re.sub(r"'[^']*'", " ", tsquery(query)).replace("(", " ").replace(")", " ")
    assert set(outside.split()) == {"&", "|"}


@pytest.mark.parametrize(("query", "message"), [
    ("", "检索词为空"),
    ("   \t ", "检索词为空"),
    ("，。！？、……——《》", "只有标点或符号"),
    ("!!! ??? ...", "只有标点或符号"),
    ("医" * 34_000, "检索词过长"),
    ("a" * 100_000, "检索词过长"),
])
def test_bad_queries(query, message):
    with pytest.raises(SearchError, match=message):
        parse_query(query)


def test_highlights_whole_terms_then_words():
    line = "1．急救平均反应时间≤12分钟；"
    spans = highlight_spans(line, parse_query("急救 反应时间"))
    assert [line[s:e] for s, e in spans] == ["急救", "反应时间"]
    # A word found through its parts: the parts are marked.
    line = "每千常住人口医疗卫生机构床位数"
    spans = highlight_spans(line, parse_query("千人口床位数"))
    assert [line[s:e] for s, e in spans] == ["人口", "床位数"]


def test_snippet_window_keeps_words_whole():
    line = "甲" * 100 + "医联体" + "乙" * 100
    snippet, spans = make_snippet(line, [(100, 103)], width=40)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert [snippet[s:e] for s, e in spans] == ["医联体"]
    short, same = make_snippet("推进医联体建设", [(2, 5)])
    assert (short, same) == ("推进医联体建设", [(2, 5)])


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sample_sqlite(tmp_path_factory) -> str:
    """A SQLite file holding the demo database (the five sample plans)."""
    from healthplan.demo import build_demo
    from healthplan.store.database import open_database

    url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'samples.sqlite3'}"
    db = open_database(url)
    build_demo(db, None)
    db.close()
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def samples(request, sample_sqlite):
    """The demo database (five sample plans) on each kind of database."""
    from healthplan.demo import build_demo
    from healthplan.store.database import open_database

    if request.param == "sqlite":
        db = open_database(sample_sqlite)
        yield db
        db.close()
        return
    with postgres_schema(request.getfixturevalue("postgres_server")) as url:
        db = open_database(url)
        try:
            build_demo(db, None)
            yield db
        finally:
            db.close()


def recall_at_5(session) -> tuple[float, list[str]]:
    data = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    total, misses = 0.0, []
    for item in data["queries"]:
        hits = search(session, item["query"], region=item.get("region"),
                      level=item.get("level"), section=item.get("section"), limit=5)
        got = {(h.document, h.line) for h in hits}
        expected = [(data["files"][e.split(":")[0]], int(e.split(":")[1])) for e in item["expect"]]
        found = sum(1 for e in expected if e in got)
        total += found / min(len(expected), 5)
        if found < len(expected):
            misses.append(f"{item['query']}: {found}/{len(expected)}")
    return total / len(data["queries"]), misses


def test_query_set_is_large_enough_and_points_at_real_lines():
    from healthplan.samples import HERE

    data = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    assert len(data["queries"]) >= 30
    for item in data["queries"]:
        assert item["expect"], item
        for ref in item["expect"]:
            key, line = ref.split(":")
            lines = (HERE / data["files"][key]).read_text(encoding="utf-8").split("\n")
            assert lines[int(line) - 1].strip(), ref  # a real, non-blank line


@pytest.fixture(params=["direct", "by_plan"])
def way(request, monkeypatch):
    """Both ways of ranking: every matching line, or the best plans' lines first (what a
    common word over thousands of plans takes; forced here by a threshold of 0)."""
    if request.param == "by_plan":
        monkeypatch.setattr("healthplan.store.search_sqlite.DIRECT_MAX", 0)
        monkeypatch.setattr("healthplan.store.search_postgres.DIRECT_MAX", 0)
        monkeypatch.setattr("healthplan.store.search_index.PLAN_BATCH", 2)
    return request.param


def test_recall_at_5(samples, way):
    with samples.session() as session:
        recall, misses = recall_at_5(session)
    print(f"recall@5 on {samples.dialect} ({way}): {recall:.3f}; partly missed: {misses}")
    assert recall >= 0.9, misses


def test_hits_name_the_document_plan_once(samples):
    with samples.session() as session:
        hits = search(session, "急救 反应时间", limit=20)
        plans = {p.id: p for p in session.execute(text(
            "SELECT id, origin, source_name FROM plans")).all()}
    assert hits and hits[0].partial is False
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(plans[h.plan_id].origin == "document" for h in hits)
    assert len({(h.document, h.line) for h in hits}) == len(hits)  # 无锡市: one plan per line
    top = next(h for h in hits[:5] if (h.document, h.line) == ("000_e3462df274e44b0d.txt", 434))
    assert (top.region, top.region_code, top.level) == ("无锡市", "320200", "city")
    assert top.outline_path == "四、 › （一） › 3. › （5）" and top.section == "project"
    assert top.snippet == "1．«急救»平均«反应时间»≤12分钟；"
    assert top.snippet_html() == "1．<mark>急救</mark>平均<mark>反应时间</mark>≤12分钟；"
    assert set(top.to_json()) >= {"plan_id", "region", "document", "line", "outline_path", "snippet"}


def test_filters(samples, way):
    with samples.session() as session:
        everywhere = search(session, "医联体", limit=100)
        wuxi = search(session, "医联体", region="无锡市", limit=100)
        county = search(session, "医联体", level="county", limit=100)
        heading = search(session, "医联体", section="heading", limit=100)
        province = search(session, "医联体", region="江苏省", limit=100)
        nation = search(session, "医联体", region="全国", limit=100)
    regions = {h.region for h in everywhere}
    assert regions == {"无锡市", "江阴市", "吴中区", "埇桥区", "连云港市"}
    assert {h.region for h in wuxi} == {"无锡市", "江阴市"}  # and the county below it
    assert {h.region for h in county} == {"江阴市", "吴中区", "埇桥区"}
    assert {h.level for h in county} == {"county"}
    assert heading and {h.section for h in heading} == {"heading"}
    assert {h.region for h in province} == regions - {"埇桥区"}  # 埇桥区 is in 安徽省
    assert len(nation) == len(everywhere)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"region": "火星市"}, "未知地区"), ({"region": "999999"}, "不存在"),
    ({"level": "village"}, "未知层级"), ({"section": "footnote"}, "未知部分"),
])
def test_bad_filters(samples, kwargs, message):
    with samples.session() as session, pytest.raises(SearchError, match=message):
        search(session, "医联体", **kwargs)


def test_no_hits_and_partial_fallback(samples, way):
    with samples.session() as session:
        assert search(session, "量子计算机") == []
        partial = search(session, "医联体 量子计算机", limit=3)
    assert partial and all(h.partial for h in partial)
    assert all("医联体" in h.text for h in partial)


def test_lines_stored_before_the_index_are_indexed_on_first_search(samples):
    with samples.session() as session:
        before = len(search(session, "医联体", limit=100))
        clear_index(session)
        assert index_is_stale(session)
        assert ensure_index(session) > 2000
        assert not index_is_stale(session)
        assert len(search(session, "医联体", limit=100)) == before


def test_word_counts_per_plan_match_the_lines(samples):
    """PostgreSQL picks the best plans from search_terms: per word and plan, the lines
    that hold it, in all and per section — the same as the line index says."""
    if samples.dialect != "postgresql":
        pytest.skip("search_terms is PostgreSQL's")
    with samples.session() as session:
        for word in ("医联体", "健康素养", "水平", "床位数"):
            expected = {(plan, section): n for plan, section, n in session.execute(text(
                "SELECT plan_id, section, count(*) FROM search_index WHERE plan_id IS NOT "
                "NULL AND terms @@ CAST(:q AS tsquery) GROUP BY 1, 2"),
                {"q": f"'{word}'"})}
            rows = session.execute(text(
                "SELECT plan_id, lines, in_heading, in_body, in_table, in_project "
                "FROM search_terms WHERE term = :w"), {"w": word}).all()
            assert rows, word
            for plan, lines, *by_section in rows:
                counts = dict(zip(("heading", "body", "table", "project"), by_section,
                                  strict=True))
                assert lines == sum(by_section)
                for section, n in counts.items():
                    assert n == expected.get((plan, section), 0), (word, plan, section)
            assert {plan for plan, _ in expected} == {row[0] for row in rows}


# --------------------------------------------------------------------------- the command


def test_cli_json_contract(sample_sqlite):
    result = run_cli("--db", sample_sqlite, "search", "急救 反应时间", "--format", "json",
                     "--limit", "3")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    for hit in hits:
        assert {"plan_id", "region", "document", "line", "outline_path", "snippet"} <= set(hit)
        assert "«急救»" in hit["snippet"]
    assert ("000_e3462df274e44b0d.txt", 434) in {(h["document"], h["line"]) for h in hits}


def test_cli_table(sample_sqlite):
    result = run_cli("--db", sample_sqlite, "search", "家庭医生签约", "--region", "320281")
    assert result.returncode == 0, result.stderr
    assert "江阴市“十四五”卫生健康事业发展规划" in result.stdout
    assert "第四章 › 三、 › （四）　第 371 行　专栏" in result.stdout
    assert "【家庭医生签约】" in result.stdout


def test_cli_no_hits(sample_sqlite):
    result = run_cli("--db", sample_sqlite, "search", "量子计算机")
    assert result.returncode == 0 and "未找到" in result.stdout
    result = run_cli("--db", sample_sqlite, "search", "量子计算机", "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout) == []


@pytest.mark.parametrize(("args", "word"), [
    (["search", ""], "检索词为空"),
    (["search", "，。！？……"], "只有标点"),
    (["search", "医" * 34_000], "检索词过长"),  # about 100 KB
    (["search", "医联体", "--region", "火星市"], "未知地区"),
    (["search", "医联体", "--level", "村"], "未知层级"),
    (["search", "医联体", "--limit", "0"], "--limit"),
    (["search"], "请给出检索词"),
])
def test_cli_bad_input(sample_sqlite, args, word):
    assert_bad_input(run_cli("--db", sample_sqlite, *args), word)


def test_cli_reindex(sample_sqlite):
    result = run_cli("--db", sample_sqlite, "search", "--reindex", "医联体", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "已重建检索索引" in result.stderr and json.loads(result.stdout)
