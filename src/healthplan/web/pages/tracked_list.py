"""A plan's tracked commitments and 专栏 projects on a page of their own: filtered by
verdict, kind and text, a page at a time (the dashboard shows only their counts and the
red ones)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from healthplan.evaluate import VERDICT_CN
from healthplan.web.pages.common import PageError, login, page, reading, render
from healthplan.web.pages.views import check_year, plan_links, readable_plan
from healthplan.web.review import clamp_year, plan_tracked, verdict_counts

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
KINDS = {"commitment": "量化承诺", "project": "重点项目专栏"}


@router.get("/plans/{plan_id}/tracked", response_class=HTMLResponse)
@page
def tracked_list(request: Request, plan_id: int, year: int | None = None, verdict: str = "",
                 kind: str = "", q: str = "", page_no: int = 1):
    from healthplan.store.evaluation import default_year

    if verdict and verdict not in VERDICT_CN:
        raise PageError(f"结论筛选应为 {'、'.join(VERDICT_CN)} 之一，而不是 {verdict}。", 400, "参数无效")
    if kind and kind not in KINDS:
        raise PageError("类别应为 commitment（量化承诺）或 project（专栏项目）。", 400, "参数无效")
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        check_year(plan, year)
        tracked = plan_tracked(session, plan.id, clamp_year(plan, year if year is not None
                                                                else default_year(session, plan)))
        items = [i for i in tracked if (not verdict or i.verdict == verdict)
                 and (not kind or i.kind == kind) and (not q or q in i.text or q in i.detail)]
        pages = max(1, -(-len(items) // PER_PAGE))
        page_no = min(max(1, page_no), pages)
        return render(request, "tracked_list.html", plan=plan, all=tracked, counts=verdict_counts(tracked),
                      items=items[(page_no - 1) * PER_PAGE:page_no * PER_PAGE], total=len(items),
                      page=page_no, pages=pages, f={"verdict": verdict, "kind": kind, "q": q},
                      year=tracked[0].year if tracked else year, KINDS=KINDS,
                      links=plan_links(session, me, plan))
