"""The pages of the next plan (issue 17) on the web test database (SQLite): a planner sees
the proposals (marked as advice), creates a draft from them, sees the check findings with
their evidence, downloads the .xlsx and uploads it back edited; a bad upload is shown and
stores nothing; a viewer or clerk may look but not create (403, nothing stored)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pages_support import csrf_of, log_in
from web_helpers import WUXI, snapshot


def _edited(content: bytes, **cells) -> bytes:
    book = load_workbook(io.BytesIO(content))
    for cell, value in cells.items():
        if cell == "life_target":
            row = next(r for r in range(4, 60) if book.active[f"H{r}"].value == "life_expectancy")
            book.active[f"F{row}"] = value
        else:
            book.active[cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_planner_makes_checks_and_uploads_a_draft(sqlite_client, sqlite_web_db, users):
    client = sqlite_client
    log_in(client, users["planner"].name, users["planner"].password)
    assert 'href="/drafts"' in client.get("/drafts").text  # the navigation link
    page = client.get("/drafts", params={"region": WUXI, "period": "2026-2030"})
    assert page.status_code == 200, page.text[:300]
    assert "建议目标，非规划数据" in page.text and 'id="proposal-life_expectancy"' in page.text
    life = page.text.split('id="proposal-life_expectancy"')[1].split("</tr>")[0]
    assert "2020 年：" in life and ">80<" in life.replace("<br>", "<")  # baseline year, parent target
    assert "<details><summary>建议目标≥" in life  # the reason folded behind its conclusion
    assert client.get("/drafts/99999999999999999999").status_code in (404, 422)
    bad = client.get("/drafts", params={"region": WUXI, "period": "2026-2028"})
    assert "不是五年" in bad.text and 'id="draft-new"' not in bad.text

    made = client.post("/drafts", data={"region": WUXI, "period": "2026-2030", "csrf": csrf_of(page.text)},
                       follow_redirects=False)
    assert made.status_code == 303, made.text[:300]
    url = made.headers["location"]
    draft = client.get(url)
    assert "规划草案，未印发" in draft.text and 'id="check-clean"' in draft.text
    assert "人均预期寿命" in draft.text.split('id="draft-rows"')[1]

    xlsx = client.get(f"{url}/file", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    docx = client.get(f"{url}/file", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    up = client.post(f"{url}/upload", data={"csrf": csrf_of(draft.text)}, follow_redirects=False,
                     files={"file": ("d.xlsx", _edited(xlsx.content, life_target="≥80"))})
    assert up.status_code == 303, up.text[:500]
    after = client.get(up.headers["location"])
    assert "已上传 d.xlsx" in after.text
    findings = after.text.split('id="findings"')[1]
    assert "目标低于基期水平" in findings and "≥80" in findings and 'href="#row-' in findings

    before = snapshot(sqlite_web_db)
    refused = client.post(f"{url}/upload", data={"csrf": csrf_of(after.text)},
                          files={"file": ("h.xlsx", _edited(xlsx.content, A3="类别"))})
    assert refused.status_code == 422 and "表头" in refused.text and "草案保持原样" in refused.text
    assert snapshot(sqlite_web_db) == before
    assert "≥80" in refused.text.split('id="draft-rows"')[1]  # the rows as they were


def test_viewer_and_clerk_cannot_create_a_draft(sqlite_client, sqlite_web_db, users):
    client = sqlite_client
    for who in ("viewer", "clerk"):
        client.cookies.clear()
        log_in(client, users[who].name, users[who].password)
        page = client.get("/drafts", params={"region": WUXI, "period": "2026-2030"})
        assert page.status_code == 200 and 'id="draft-new"' not in page.text
        assert 'href="/drafts"' not in page.text.split("</nav>")[0]
        before = snapshot(sqlite_web_db)
        refused = client.post("/drafts", data={"region": WUXI, "period": "2026-2030",
                                               "csrf": csrf_of(page.text)})
        assert refused.status_code == 403 and "无权限" in refused.text
        assert snapshot(sqlite_web_db) == before
