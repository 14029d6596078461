"""The built-in sample database: the five sample plans and real published figures.

What goes in, all real and each value with its source:

* the five sample plan documents (healthplan/samples), read like any other document:
  their targets, projects and commitments; their printed 2020 baselines as observations;
  无锡市's 十三五 completion table (表1) as the 2016–2020 plan with its 2020 actuals;
* national figures from the National Health Commission's statistical bulletins for
  2023 and 2024 (samples/national.yaml), as observations of 全国, the benchmark.

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


def national_figures() -> list[dict]:
    """The national figures shipped with the package, each with its source spelled out."""
    text = resources.files("healthplan.samples").joinpath("national.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return [{**f, "source": data["sources"][f["source"]]} for f in data["figures"]]


def record_national_figures(db: Database, user_id: int | None) -> int:
    from healthplan import catalog

    with db.session() as session:
        country = nation(session)
        items = [
            NewObservation(country.id, f["indicator"], f["year"], float(f["value"]), f["source"],
                           unit=catalog.get(f["indicator"]).unit)
            for f in national_figures()
        ]
        done = record(session, items, user_id=user_id)
        if done.written:
            audit(session, user_id, "record", "observation", None,
                  f"录入全国统计公报数据 {done.written} 条（示例库）")
        return done.written


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
    step("录入全国统计公报数据")
    result.national_added = record_national_figures(db, user_id)
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
