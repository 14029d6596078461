"""Bad input through the API gets a 4xx problem detail (RFC 9457) with a Chinese
message, and changes nothing: wrong types, unknown ids, oversized uploads, malformed
Excel files, rows with errors."""

from __future__ import annotations

import io

import pytest
from web_helpers import JIANGYIN, auth, make_app, snapshot

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def test_unknown_plan_region_indicator_are_404(sqlite_client, users):
    h = auth(users["admin"])
    assert_problem(sqlite_client.get("/api/v1/plans/999999", headers=h), 404, "规划 999999 不存在")
    assert_problem(sqlite_client.get("/api/v1/plans/999999/evaluation", headers=h), 404)
    assert_problem(sqlite_client.get("/api/v1/regions/999999", headers=h), 404, "999999")
    assert_problem(sqlite_client.get("/api/v1/indicators/life_expectency", headers=h), 404,
                   "life_expectancy")
    assert_problem(sqlite_client.get("/api/v1/no/such/route", headers=h), 404)


def test_wrong_types_are_422_with_every_problem_listed(sqlite_client, sqlite_web_db, users):
    before = snapshot(sqlite_web_db)
    r = sqlite_client.post("/api/v1/observations", headers=auth(users["clerk"]),
                           json={"region": "江阴市", "indicator": "life_expectancy",
                                 "year": "去年", "value": "很多"})
    body = assert_problem(r, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"year", "value", "source"} <= fields
    assert all(e["message"] for e in body["errors"])
    assert "应为" in body["detail"] or "缺少" in body["detail"]
    assert_problem(sqlite_client.get("/api/v1/plans/abc", headers=auth(users["admin"])), 422)
    assert_problem(sqlite_client.get("/api/v1/plans/3/evaluation?year=3000",
                                     headers=auth(users["admin"])), 422, "≤2100")
    assert_problem(sqlite_client.post("/api/v1/observations", headers=auth(users["clerk"]),
                                      content=b"{not json", ), 422)
    assert snapshot(sqlite_web_db) == before


def test_value_checks_are_those_of_an_import(sqlite_client, sqlite_web_db, users):
    before = snapshot(sqlite_web_db)
    h = auth(users["clerk"])
    base = {"region": JIANGYIN, "indicator": "life_expectancy", "source": "测试"}
    out_of_range = sqlite_client.post("/api/v1/observations", headers=h,
                                      json={**base, "year": 2023, "value": 300})
    assert_problem(out_of_range, 422, "合理范围")
    future = sqlite_client.post("/api/v1/observations", headers=h,
                                json={**base, "year": 2099, "value": 83})
    assert_problem(future, 422, "未来")
    unknown = sqlite_client.post("/api/v1/observations", headers=h,
                                 json={**base, "indicator": "寿命很长", "year": 2023, "value": 83})
    assert_problem(unknown, 422, "指标")
    nowhere = sqlite_client.post("/api/v1/observations", headers=h,
                                 json={**base, "region": "不存在市", "year": 2023, "value": 83})
    assert_problem(nowhere, 422, "不存在市")
    jump = sqlite_client.post("/api/v1/observations", headers=h,
                              json={**base, "year": 2021, "value": 86.5})
    body = assert_problem(jump, 422, "accept_warnings")
    assert body["needs_acceptance"] is True
    assert snapshot(sqlite_web_db) == before
    accepted = sqlite_client.post("/api/v1/observations", headers=h,
                                  json={**base, "year": 2021, "value": 86.5,
                                        "accept_warnings": True})
    assert accepted.status_code == 201, accepted.text


def test_correction_needs_a_reason_and_an_existing_value(sqlite_client, sqlite_web_db, users):
    before = snapshot(sqlite_web_db)
    h = auth(users["clerk"])
    base = {"region": JIANGYIN, "indicator": "life_expectancy", "year": 2020, "value": 82.5,
            "source": "测试"}
    assert_problem(sqlite_client.post("/api/v1/observations/corrections", headers=h, json=base),
                   422)
    assert_problem(sqlite_client.post("/api/v1/observations/corrections", headers=h,
                                      json={**base, "reason": ""}), 422)
    assert_problem(sqlite_client.post("/api/v1/observations/corrections", headers=h,
                                      json={**base, "year": 2024, "reason": "更正"}), 404, "尚无数值")
    assert_problem(sqlite_client.post("/api/v1/observations/corrections", headers=h,
                                      json={**base, "value": 82.4, "reason": "更正"}), 409, "相同")
    assert snapshot(sqlite_web_db) == before


def upload(client, user, name: str, data: bytes, **form):
    return client.post("/api/v1/observations/import", headers=auth(user),
                       files={"file": (name, io.BytesIO(data), "application/octet-stream")},
                       data={k: str(v).lower() for k, v in form.items()})


def test_oversized_upload_is_413_and_changes_nothing(sqlite_web_db, users):
    from fastapi.testclient import TestClient

    app = make_app(sqlite_web_db, max_upload_bytes=10_000)
    before = snapshot(sqlite_web_db)
    with TestClient(app, raise_server_exceptions=False) as client:
        big = b"region,indicator,year,value,source\n" + b"x" * 200_000
        assert_problem(upload(client, users["clerk"], "big.csv", big), 413, "上限")
        just_over = b"region,indicator,year,value,source\n" + b"x" * 10_001
        assert_problem(upload(client, users["clerk"], "big.csv", just_over), 413)

        def chunks():
            for _ in range(20):
                yield b"y" * 10_000

        chunked = client.post("/api/v1/observations/import", headers={
            **auth(users["clerk"]), "content-type": "multipart/form-data; boundary=x"},
            content=chunks())
        assert_problem(chunked, 413)
    assert snapshot(sqlite_web_db) == before


@pytest.mark.parametrize(("name", "data", "words"), [
    ("坏.xlsx", b"PK\x03\x04 this is not really a workbook", ("不是有效的 .xlsx",)),
    ("改名.xlsx", b"region,indicator\n", ("不是有效的 .xlsx",)),
    ("旧版.xls", b"\xd0\xcf\x11\xe0", (".xls",)),
    ("说明.docx", b"whatever", ("不支持的文件类型",)),
    ("空.csv", b"", ("文件为空",)),
    ("缺列.csv", "地区,指标,年份\n江阴市,life_expectancy,2023\n".encode(), ("缺少必需的列",)),
])
def test_unreadable_files_are_422_naming_the_problem(sqlite_client, sqlite_web_db, users, name,
                                                    data, words):
    before = snapshot(sqlite_web_db)
    body = assert_problem(upload(sqlite_client, users["clerk"], name, data), 422, *words)
    assert name in body["detail"]
    assert snapshot(sqlite_web_db) == before


def test_truncated_workbook_is_refused(sqlite_client, sqlite_web_db, users, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["region", "indicator", "year", "value", "source"])
    wb.active.append([JIANGYIN, "life_expectancy", 2023, 83.0, "测试"])
    wb.save(tmp_path / "a.xlsx")
    data = (tmp_path / "a.xlsx").read_bytes()
    before = snapshot(sqlite_web_db)
    assert_problem(upload(sqlite_client, users["clerk"], "截断.xlsx", data[: len(data) // 2]), 422,
                   "xlsx")
    assert snapshot(sqlite_web_db) == before


def test_import_with_a_bad_row_names_it_and_writes_nothing(sqlite_client, sqlite_web_db, users):
    good = f"{JIANGYIN},life_expectancy,2021,82.6,2021年统计年报,\n"
    bad = f"{JIANGYIN},infant_mortality,2021,abc,2021年统计年报,\n"
    header = "region,indicator,year,value,source,note\n"
    before = snapshot(sqlite_web_db)
    body = assert_problem(upload(sqlite_client, users["clerk"], "江阴市2021.csv",
                                 (header + good + bad).encode()), 422, "错误")
    [error] = [e for e in body["errors"] if e["severity"] == "error"]
    assert error["row"] == 3 and error["field"] == "value" and "abc" in error["message"]
    assert error["line"].startswith("江阴市2021.csv:第3行")
    assert snapshot(sqlite_web_db) == before
    fixed = upload(sqlite_client, users["clerk"], "江阴市2021.csv",
                   (header + good + bad.replace("abc", "2.5")).encode())
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["added"] == 2 and fixed.json()["batch_id"]
    again = upload(sqlite_client, users["clerk"], "江阴市2021.csv",
                   (header + good + bad.replace("abc", "2.5")).encode())
    assert again.json()["status"] == "unchanged"


def test_nul_characters_are_refused_not_crashed(client, users):
    """PostgreSQL cannot store NUL: such input is a 422, on both databases."""
    h = auth(users["admin"])
    assert_problem(client.get("/api/v1/regions/%00", headers=h), 422)
    assert_problem(client.get("/api/v1/plans?q=a%00b", headers=h), 422)
    assert_problem(client.post("/api/v1/observations", headers=h, json={
        "region": "江阴市\x00", "indicator": "life_expectancy", "year": 2023, "value": 83,
        "source": "x"}), 422)
    assert_problem(client.post("/api/v1/tokens", json={"name": "a\x00", "password": "x"}), 422)
