"""Issue 13.17: the OpenAPI document lists every answer a route gives, each error as a
problem detail (application/problem+json), and the details are Chinese — a malformed JSON
body included. schemathesis (test_schemathesis.py) checks the answers against it."""

from __future__ import annotations

import re

import pytest
from web_helpers import auth

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def schema(sqlite_client_module):
    return sqlite_client_module.get("/api/v1/openapi.json").json()


@pytest.fixture(scope="module")
def sqlite_client_module(_sqlite_template, tmp_path_factory):
    import shutil

    from fastapi.testclient import TestClient
    from web_helpers import make_app

    from healthplan.store.database import open_database

    path, _users = _sqlite_template
    target = tmp_path_factory.mktemp("contract") / "web.sqlite3"
    shutil.copy(path, target)
    db = open_database(f"sqlite:///{target}")
    with TestClient(make_app(db)) as client:
        yield client
    db.close()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_error_answer_is_a_problem_detail(schema):
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {
        "type", "title", "status", "detail"}
    for label, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, \
                    (label, code)
            assert not re.fullmatch(r"[ -~]+", response["description"]), (label, code, response)


def test_the_answers_every_route_of_a_kind_gives_are_listed(schema):
    for label, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"422", "500"} <= codes, label
        if label != "POST /api/v1/tokens":
            assert "401" in codes, label  # everything else needs a login
        if "{" in label:
            assert "404" in codes, label
        if label.startswith(("POST", "PUT", "PATCH", "DELETE")):
            assert "413" in codes, label
    answers = dict(operations(schema))
    assert {"400", "403", "409"} <= set(answers["POST /api/v1/observations/import"]["responses"])
    assert "404" in answers["GET /api/v1/observations"]["responses"]  # ?region=unknown


def test_text_parameters_say_they_take_no_nul(schema):
    parameters = [p for _label, operation in operations(schema)
                  for p in operation.get("parameters", [])]
    texts = [p for p in parameters if p["schema"].get("type") == "string"
             and "enum" not in p["schema"]]
    assert texts and all(p["schema"]["pattern"] == "^[^\\u0000]*$" for p in texts)


@pytest.mark.parametrize("body", [b'{"name": "admin",', b"{bad", b'{"name": "a" "password": 1}'])
def test_malformed_json_gets_a_chinese_problem(sqlite_client, users, body):
    for path, headers in (("/api/v1/tokens", {}), ("/api/v1/observations", auth(users["admin"]))):
        response = sqlite_client.post(path, content=body,
                                      headers={**headers, "content-type": "application/json"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["detail"].startswith("请求体不是有效的 JSON"), problem
        assert "Expecting" not in response.text and "body." not in response.text
