"""专栏 boxes: boxed with tabs, written as paragraphs, and one that lost its caption."""

from __future__ import annotations

from healthplan.documents.model import Document, lines_from_text
from healthplan.extract.projects import extract_projects

BOXED = """（1）加强院前急救。完善急救网络。
\t专栏1  院前急救能力提升工程

\t以“建设一中心”构建院前急救体系，具体目标：
1．急救平均反应时间≤12分钟；
2．急救站（点）达标率≥90%。


（2）强化医疗质量管理。健全质控体系。
\t专栏2：智慧健康服务能力提升工程

\t信息化平台建设：建成全民健康信息平台。

互联网医院：市属医院全部设置互联网医院。


6．加强院校合作。按照原则推进。
 \t建立学科建设、专科建设与人才培养联动机制，促进资金、人才、项目向重点学科集聚。

培养一批医学领军人才。


（3）推进法治建设
\t专栏4：卫生监督执法能力提升工程

\t每万名常住人口配备1名监督执法人员。
"""

PARAGRAPHS = """（三）完善重点人群健康管理体系

加强妇幼健康服务体系建设。

专栏 1：重点人群健康促进工程

老年健康促进工程：到 2025 年，全区建成 3 个示范性老年友好型社区。

妇幼健康服务工程：强化母婴安全管理。

（四）强化重点疾病防控体系建设

健全传染病防控体系。
"""


def projects(text: str):
    return extract_projects(Document("p.txt", "txt", lines_from_text(text)), skip=set())


def test_boxed_projects_and_an_uncaptioned_box():
    found = projects(BOXED)
    assert [(p.number, p.title, p.line_start, p.line_end) for p in found] == [
        (1, "院前急救能力提升工程", 2, 6),
        (2, "智慧健康服务能力提升工程", 10, 14),
        (None, None, 18, 20),
        (4, "卫生监督执法能力提升工程", 24, 26),
    ]
    # Numbered items inside a box belong to the box, not to the outline.
    assert "1．急救平均反应时间≤12分钟；" in found[0].text.split("\n")
    box = found[2]
    assert box.caption_missing and box.inferred_number == 3
    assert box.text.startswith("建立学科建设")


def test_project_written_as_paragraphs_ends_at_next_heading():
    (project,) = projects(PARAGRAPHS)
    assert (project.number, project.title) == (1, "重点人群健康促进工程")
    assert (project.line_start, project.line_end) == (5, 9)
    assert project.text.split("\n")[0].startswith("老年健康促进工程")
