"""`healthplan search`: full-text search across every stored plan (healthplan.search, store.search_index)."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from healthplan.cli import app, bad_input, open_db


class SearchFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("search")
def search_command(
    query: str = typer.Argument(None, metavar="检索词",
                                help="检索词，多个词用空格分开（须同时出现），如 \"急救 反应时间\""),
    region: str = typer.Option(None, "--region", metavar="地区",
                               help="只查该地区及其下级地区的规划（名称或六位行政区划代码）"),
    level: str = typer.Option(None, "--level", metavar="层级",
                              help="只查该层级的规划：nation、province、city、county（或 全国、省、市、县）"),
    section: str = typer.Option(None, "--section", metavar="部分",
                                help="只查规划的某一部分：heading（标题）、body（正文）、table（指标表）、project（专栏）"),
    limit: int = typer.Option(20, "--limit", "-n", help="最多列出的结果数（1–1000）"),
    format: SearchFormat = typer.Option(SearchFormat.table, "--format", "-f",
                                        help="table：可读清单，命中词以【】标出；json：结果列表（命中词以«»标出）"),
    reindex: bool = typer.Option(False, "--reindex", help="重建检索索引（全部已保存的规划原文）"),
) -> None:
    """在已载入的全部规划原文中检索（中文分词），按相关度列出规划、章节路径、行号和命中的原文。"""
    from healthplan.search import SearchError
    from healthplan.store.search_index import ensure_index, index_is_stale, search
    from healthplan.store.search_index import reindex as rebuild

    if not 1 <= limit <= 1000:
        raise bad_input(f"--limit：结果数 {limit} 不合理，应为 1–1000")
    if query is None and not reindex:
        raise bad_input("请给出检索词，如 healthplan search \"急救 反应时间\"")
    db = open_db()
    with db.session() as session:
        if reindex:
            count = rebuild(session)
            typer.echo(f"已重建检索索引：{count} 行", err=True)
            if query is None:
                return
        elif index_is_stale(session):
            typer.echo("正在为已保存的规划原文建立检索索引（仅需一次）…", err=True)
            ensure_index(session)
        try:
            hits = search(session, query, region=region, level=level, section=section,
                          limit=limit)
        except SearchError as exc:
            raise bad_input(str(exc)) from None
    if format is SearchFormat.json:
        typer.echo(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=1))
        return
    typer.echo(render_table(query, hits), nl=False)


def render_table(query: str, hits) -> str:
    from healthplan.search import SECTION_CN

    shown = query.strip()
    if len(shown) > 30:
        shown = shown[:30] + "…"
    if not hits:
        return f"未找到包含“{shown}”的内容。\n"
    lines = [f"检索“{shown}”：{len(hits)} 条结果（按相关度排序）"]
    if hits[0].partial:
        lines.append("没有同时包含全部检索词的内容；以下结果只包含其中部分词语。")
    for k, hit in enumerate(hits, start=1):
        where = hit.outline_path or "（首个标题之前）"
        lines.append(f"{k}. {hit.plan_title}（规划 {hit.plan_id}，{hit.region}）")
        lines.append(f"   {where}　第 {hit.line} 行　{SECTION_CN.get(hit.section, hit.section)}"
                     f"　{hit.document}")
        lines.append(f"   {hit.marked('【', '】')}")
    return "\n".join(lines) + "\n"
