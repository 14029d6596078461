"""The built-in sample database: the five sample plans and real published figures.

What goes in, all real and each value with its source:

* the excerpt of the national 《“十四五”国民健康规划》 (samples/national_plan_14th_excerpt.html),
  read by the HTML reader like any plan and stored as the plan of 全国 (000000) for
  2021–2025 under the excerpt's own title (节选 kept visible): the parent of the provincial
  and city plans beside it (store.plans.link_parents walks a region's ancestors up to the
  nation);
* the five sample plan documents (healthplan/samples), read like any other document:
  their targets, projects and commitments; their printed 2020 baselines as observations;
  无锡市's 十三五 completion table (表1) as the 2016–2020 plan with its 2020 actuals;
* national figures for 2020–2025 (samples/national.yaml: statistical bulletins and news
  releases, each with its publication and the sentence it was read from), as observations
  of 全国: the national plan is evaluated on them, and they are the benchmark beside each
  region's figures;
* the five national 十五五 targets for 2030 (samples/national_15th_targets.csv, 健康报's
  summary of the 规划纲要; healthplan.national15) as the plan of 全国 for 2026–2030, with
  no baseline or attribute (the summary has none): the parent of regional 十五五 plans.

Nothing is invented: regions have no figures after 2020 here, so their 2021–2025 plans
are evaluated as 无数据 until observations are imported (``observe import``).

These are the system's own loads: plans, observations and audit entries carry no user
(``user_id`` None), which every page and report shows as 系统, never the login name of
whoever ran ``healthplan demo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import yaml

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.store.database import Database
from healthplan.store.observations import NewObservation, record
from healthplan.store.plans import StoredPlan, load_plan
from healthplan.store.regions import nation
from healthplan.store.users import audit


@dataclass
class DemoResult:
    plans: list[StoredPlan] = field(default_factory=list)
    national_added: int = 0
    national_plan: StoredPlan | None = None  # also in ``plans``, last
    national_skipped: list[str] = field(default_factory=list)  # figures not recorded, and why
    national_15th_plan: StoredPlan | None = None  # also in ``plans``, after national_plan


def national_figures() -> list[dict]:
    """The national figures shipped with the package, each with its source spelled out."""
    text = resources.files("healthplan.samples").joinpath("national.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return [{**f, "source": data["sources"][f["source"]], "published": str(f["published"])}
            for f in data["figures"]]


def figure_note(figure: dict) -> str:
    """What an observation keeps of its publication besides the source: date and quote."""
    return f"{figure['published']}发布；原文：{figure['quote']}"


def record_national_figures(db: Database, user_id: int | None,
                            skipped: list[str] | None = None) -> int:
    """Record the national figures where 全国 has no value for that year yet.

    A value already there (the national plan's printed 2020 baseline) is kept, not
    corrected: the plan's own figure is its baseline (居民健康素养水平 23.15 in the plan,
    23.2 rounded in a later release). Each such difference is appended to ``skipped``.
    """
    from healthplan import catalog
    from healthplan.store.observations import current_observations

    with db.session() as session:
        country = nation(session)
        items, figures = [], national_figures()
        for f in figures:
            items.append(NewObservation(country.id, f["indicator"], f["year"], float(f["value"]),
                                        f["source"], unit=catalog.get(f["indicator"]).unit,
                                        note=figure_note(f)))
        there = dict(current_observations(session, [item.key for item in items]))
        new = []
        for item, f in zip(items, figures, strict=True):
            old = there.get(item.key)
            if old is None:
                new.append(item)
            elif old.value != item.value and skipped is not None:
                skipped.append(f"{f['name']} {f['year']}年 {f['value']:g}（{f['source']}）："
                               f"已有 {old.value:g}（{old.source}），保留已有值")
        done = record(session, new, user_id=user_id)
        if done.written:
            audit(session, user_id, "record", "observation", None,
                  f"录入全国数据 {done.written} 条（示例库，均注明出处和原文）")
        return done.written


def load_national_plan(db: Database, user_id: int | None) -> StoredPlan:
    """The national plan excerpt, read like any plan, stored as the plan of 全国."""
    from healthplan.samples import NATIONAL_PLAN, NATIONAL_REGION_CODE, national_plan_title

    document = read_document(str(NATIONAL_PLAN))
    extracted = extract_plan(document)
    extracted.document.title = national_plan_title()  # keep 节选 in the title and sources
    with db.session() as session:
        stored = load_plan(session, extracted, region_text=NATIONAL_REGION_CODE,
                           user_id=user_id, document=document)
    return stored[-1]


def build_demo(db: Database, user_id: int | None = None,
               step: Callable[[str], None] = lambda _: None) -> DemoResult:
    """Load the sample plans and the national figures into ``db`` (idempotent).

    ``user_id`` None (the default, and what ``healthplan demo`` uses) attributes them to
    the system; tests may pass a user. ``step`` is called with a description before each
    slow step (for a progress bar).
    """
    result = DemoResult()
    for path in sample_paths():
        step(f"读取并载入 {path.name}")
        document = read_document(str(path))
        extracted = extract_plan(document)
        with db.session() as session:
            result.plans.extend(load_plan(session, extracted, user_id=user_id, document=document))
    # Loaded last so that the regional plans keep their ids (1 = 无锡市's 十三五 plan);
    # loading it links the regional plans to it as their parent.
    step("读取并载入全国规划（节选）")
    result.national_plan = load_national_plan(db, user_id)
    result.plans.append(result.national_plan)
    step("录入全国数据")
    result.national_added = record_national_figures(db, user_id, result.national_skipped)
    # The national 十五五 targets (2026–2030) last of all, so every earlier id is kept: the
    # parent of the regional 十五五 plans (none is in the demo; a loaded one links to it).
    step("载入国家“十五五”规划纲要卫生健康目标（据健康报摘要）")
    result.national_15th_plan = load_national_15th_plan(db, user_id)
    result.plans.append(result.national_15th_plan)
    return result


def load_national_15th_plan(db: Database, user_id: int | None) -> StoredPlan:
    """The five national 十五五 targets (healthplan.national15), stored as the plan of 全国
    for 2026–2030, titled as taken from 健康报's summary; no baseline or attribute."""
    from healthplan.national15 import national_15th_plan
    from healthplan.samples import NATIONAL_REGION_CODE

    document, extracted = national_15th_plan()
    with db.session() as session:
        stored = load_plan(session, extracted, region_text=NATIONAL_REGION_CODE,
                           user_id=user_id, document=document)
    return stored[-1]


# Accounts to try the web application on the demo database: one per role, in the sample
# regions. Passwords are drawn afresh each time the demo database is built and printed
# once; none is stored anywhere but as its hash.
DEMO_ACCOUNTS = (
    ("demo_admin", "admin", None, "示例管理员"),
    ("demo_planner", "planner", "320200", "无锡市规划科（示例）"),
    ("demo_clerk_jiangyin", "clerk", "320281", "江阴市统计员（示例）"),
    ("demo_clerk_lianyungang", "clerk", "320700", "连云港市统计员（示例）"),
    ("demo_viewer", "viewer", None, "只读用户（示例）"),
)


@dataclass(frozen=True)
class DemoAccount:
    name: str
    role: str
    region: str  # name, "" for none
    password: str


def create_demo_accounts(db: Database) -> list[DemoAccount]:
    """The accounts of DEMO_ACCOUNTS that are not there yet, with fresh passwords."""
    import secrets

    from sqlalchemy import select

    from healthplan.store.models import Region, User
    from healthplan.store.users import add_user

    accounts = []
    with db.session() as session:
        for name, role, code, display in DEMO_ACCOUNTS:
            region = session.scalar(select(Region).where(Region.code == code)) if code else None
            if session.scalar(select(User.id).where(User.name == name,
                                                    User.password_hash.is_not(None))):
                continue  # a database given with --db that already has them: keep theirs
            password = secrets.token_urlsafe(9)
            add_user(session, name, password, role=role, display_name=display,
                     region_id=region.id if region else None)
            accounts.append(DemoAccount(name, role, region.name if region else "", password))
    return accounts


# --------------------------------------------------------------------------- the summary


def national_summary(final, by_year) -> list[str]:
    """The lines the demo's printout leads with: the national plan's final evaluation.

    ``final`` is the national plan's PlanEvaluation in its target year, ``by_year`` its
    evaluations for the earlier years. Plain Chinese, every figure as evaluated.
    """
    from healthplan.evaluate import VERDICT_CN
    from healthplan.final import FINAL_CN

    targets = final.targets
    classes = [t.final.code for t in targets if t.final is not None]
    met = [t for t in targets if t.verdict == "achieved"]
    short = [t for t in targets if t.verdict == "not_achieved"]
    counted = "、".join(f"{FINAL_CN[c]} {classes.count(c)} 项"
                       for c in ("ahead", "completed", "basically", "not_completed",
                                 "no_data", "needs_judgement") if c in classes)
    lines = [f"全国《{final.plan.title}》{final.year}年终期评价（规划 {final.plan.id}）：",
             f"  {len(targets)} 项指标中达到目标 {len(met)} 项，未达到 {len(short)} 项"
             f"（{counted}）。"]
    binding = [t for t in targets if t.binding_shortfall]
    if binding:
        lines.append("  约束性指标未达到：")
    else:
        lines.append("  有数据的约束性指标均已达到。")
    for t in binding:
        lines.append(f"  ·{t.name}：{_why(t)}")
    expected = [t for t in short if not t.binding_shortfall]
    if expected:
        lines.append("  预期性指标未达到：")
    for t in expected:
        lines.append(f"  ·{t.name}：{_why(t)}")
    pending = [t for t in targets if t.final is not None and t.final.pending
               and t.final.year_used is not None]
    if pending:
        lines.append(f"  终期（{final.year}年）数据待发布、暂按最近年份判断："
                     + "、".join(f"{t.name}（{t.final.year_used}年）" for t in pending) + "。")
    lines.append("  数据来源：" + "；".join(sorted({t.latest_source for t in met + short
                                                  if t.latest_source})) + "。")
    mixed = mixed_publishers()
    if mixed:
        lines.append("  注意：" + "；".join(f"{name}各年数据出自{'、'.join(pubs)}"
                                          for name, pubs in mixed) + "，口径可能不同。")
    for evaluation in by_year:
        counts = evaluation.counts()
        lines.append(f"  {evaluation.year}年：" + "，".join(
            f"{VERDICT_CN[v]} {counts[v]}" for v in ("achieved", "on_track", "at_risk",
                                                    "off_track", "not_achieved") if v in counts))
    return lines


def _why(t) -> str:
    """The figure, the target and the year used, for a target not achieved."""
    from healthplan.targets import _display_unit

    unit = _display_unit(t.unit)
    target = f"{t.target}{unit}" if any(ch.isdigit() for ch in t.target) else t.target
    text = f"{t.latest_year}年为{t.latest_value:g}{unit}，目标为{target}"
    if t.final is not None and t.final.pending:
        text += f"（按{t.final.year_used}年数据判断，终期数据待发布）"
    return text + "。"


def mixed_publishers() -> list[tuple[str, list[str]]]:
    """The national series whose figures come from more than one publisher (said aloud:
    definitions may differ between them)."""
    by_series: dict[str, list[str]] = {}
    for f in national_figures():
        publisher = f["source"].split("《", 1)[0].split("（", 1)[0]
        publisher = publisher.removesuffix("新闻发布").removesuffix("发布的2025年数据")
        if publisher not in by_series.setdefault(f["name"], []):
            by_series[f["name"]].append(publisher)
    return [(name, pubs) for name, pubs in by_series.items() if len(pubs) > 1]
