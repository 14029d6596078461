"""Candidate observations from bulletins: the real sentences of ../shared/real, the forms
issue 15 lists, and what must never be taken (counts, differences, growth rates)."""

from __future__ import annotations

import csv
import re

import pytest

from healthplan import catalog
from healthplan.bulletins import BulletinError, extract_candidates, simplify
from healthplan.documents.model import Document, lines_from_text
from shared_paths import SHARED

REAL = SHARED / "real" / "national_observations.csv"


def document(text: str, name: str = "公报.txt") -> Document:
    return Document(name, "txt", lines_from_text(text))


def real_documents() -> list[tuple[str, set, set]]:
    """(text, the figures its quote carries, every published figure) per distinct quote:
    a title line as the publication prints it, the issuer, a blank line, the quote."""
    if not REAL.is_file():
        pytest.skip(f"{REAL} not found")
    rows = list(csv.DictReader(REAL.open(encoding="utf-8")))
    every = {(catalog.match(r["indicator"]).indicator_id, int(r["year"]), float(r["value"]))
             for r in rows}
    by_quote: dict = {}
    for r in rows:
        figure = (catalog.match(r["indicator"]).indicator_id, int(r["year"]), float(r["value"]))
        by_quote.setdefault((r["quote"], r["source"]), set()).add(figure)
    out = []
    for (quote, source), figures in by_quote.items():
        m = re.search(r"《(.+?)》", source)
        title = m.group(1) if m else source.split("（")[0]
        issuer = source.split("《")[0] if m else "国家卫生健康委员会"
        out.append((f"{title}\n{issuer}\n\n{quote}", figures, every))
    return out


def test_every_real_figure_is_found_and_nothing_wrong_is_taken():
    documents = real_documents()
    assert len(documents) >= 15
    found = correct = wanted = hit = 0
    for text, figures, every in documents:
        got = {(c.indicator_id, c.year, c.value) for c in extract_candidates(document(text))
               .candidates}
        assert figures <= got, (text, figures - got)
        # anything else taken must be a published figure too (另一处引文的同一数值)
        assert got <= every, (text, got - every)
        found, correct = found + len(got), correct + len(got & every)
        wanted, hit = wanted + len(figures), hit + len(figures & got)
    assert (correct / found, hit / wanted) == (1.0, 1.0)


def test_the_candidate_keeps_the_print_and_its_place():
    text = ("2024年我国卫生健康事业发展统计公报\n国家卫生健康委员会　2025年12月2日发布\n\n"
            "2024年,全國嬰兒死亡率降至4.0‰,5歲以下兒童死亡率降至5.6‰,孕產婦死亡率降至14.3/10萬,"
            "均為歷史最低水平。")
    found = extract_candidates(document(text))
    assert (found.publication.issuer, found.publication.date, found.publication.year) == (
        "国家卫生健康委员会", "2025-12-02", 2024)
    assert [(c.indicator_id, c.value, c.unit) for c in found.candidates] == [
        ("infant_mortality", 4.0, "‰"), ("under5_mortality", 5.6, "‰"),
        ("maternal_mortality", 14.3, "/10万")]
    first = found.candidates[0]
    assert (first.region_code, first.region, first.line) == ("000000", "全国", 4)
    assert first.quote.startswith("2024年,全國嬰兒死亡率") and "歷史" in first.quote  # as printed
    assert "/10万" in found.publication.source(4) or "第4行" in found.publication.source(4)


COUNTY = """江阴市2021年国民经济和社会发展统计公报
江阴市统计局　2022年3月15日

全市人均预期寿命达到82.49岁。
婴儿死亡率和5岁以下儿童死亡率分别为2.57‰和3.52‰。
每千常住人口执业(助理)医师3.1人，每千常住人口床位7.7张。
年末全市共有开放床位9683张，卫生技术人员12415人，比上年增加420人，床位56.3万张。
人均预期寿命高出全国1.7岁，卫生总费用增长5.3%，床位比上年增加42.4万张。
根据第七次全国人口普查，人均预期寿命79.96岁。
城市婴儿死亡率2.1‰。
"""


def test_the_forms_of_a_county_bulletin():
    found = extract_candidates(document(COUNTY))
    assert (found.publication.region_code, found.publication.year) == ("320281", 2021)
    got = [(c.line, c.indicator_id, c.year, c.value, c.definition) for c in found.candidates]
    assert got == [
        (4, "life_expectancy", 2021, 82.49, None),  # 全市 → the title's region and year
        (5, "infant_mortality", 2021, 2.57, None),  # 分别
        (5, "under5_mortality", 2021, 3.52, None),
        (6, "physicians_per_1000", 2021, 3.1, "常住人口"),  # shortened names
        (6, "beds_per_1000", 2021, 7.7, "常住人口"),
        (9, "life_expectancy", 2021, 79.96, "第七次全国人口普查"),  # the census, said so
    ]  # no count, difference or growth rate (lines 7–8); no 城市 figure (line 10)


def test_region_and_year_given_by_the_user():
    text = "卫生健康事业发展情况\n\n全区人均预期寿命达到82.1岁。"
    with pytest.raises(BulletinError, match="--region"):
        extract_candidates(document(text), year=2023)
    # no year in the sentence nor the title, none given: nothing is guessed
    assert extract_candidates(document(text), region="320506").candidates == []
    found = extract_candidates(document(text), region="320506", year=2023).candidates
    assert [(c.region, c.year, c.value) for c in found] == [("吴中区", 2023, 82.1)]
    with pytest.raises(BulletinError, match="火星市"):
        extract_candidates(document(text), region="火星市")


def test_a_press_release_date_is_no_year_of_data():
    text = "国家卫生健康委员会新闻发布会（2023年6月）\n\n婴儿死亡率下降至4.9‰。"
    assert extract_candidates(document(text)).candidates == []
    text = "2024年政府工作报告\n国务院\n\n婴儿死亡率下降至4.5‰。"
    assert [c.year for c in extract_candidates(document(text)).candidates] == [2023]


def test_simplify_keeps_meaning_and_drops_pinyin():
    assert simplify("居民健康素養(yǎng)水平從2020年的23.2%") == "居民健康素养水平从2020年的23.2%"
