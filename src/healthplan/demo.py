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
  region's figures.

Nothing is invented: regions have no figures after 2020 here, so their 2021–2025 plans
are evaluated as 无数据 until observations are imported (``observe import``).
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
    national_plan: StoredPlan | None = None  # also in ``plans``, first
    national_skipped: list[str] = field(default_factory=list)  # figures not recorded, and why


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


def build_demo(db: Database, user_id: int | None,
               step: Callable[[str], None] = lambda _: None) -> DemoResult:
    """Load the sample plans and the national figures into ``db`` (idempotent).

    ``step`` is called with a description before each slow step (for a progress bar).
    """
    result = DemoResult()
    step("读取并载入全国规划（节选）")
    result.national_plan = load_national_plan(db, user_id)
    result.plans.append(result.national_plan)
    for path in sample_paths():
        step(f"读取并载入 {path.name}")
        document = read_document(str(path))
        extracted = extract_plan(document)
        with db.session() as session:
            result.plans.extend(load_plan(session, extracted, user_id=user_id, document=document))
    step("录入全国数据")
    result.national_added = record_national_figures(db, user_id, result.national_skipped)
    return result


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
