"""The tables: regions, plans with their targets, projects and commitments, versioned
observations, import batches, users and the audit log.

The migrations in ``store/migrations`` create exactly these tables; a test compares the
two on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def now() -> datetime:
    return datetime.now(UTC)


LEVELS = ("nation", "province", "city", "county")


class Region(Base):
    """A place in the hierarchy nation › province › city › county (GB/T 2260 code)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"Region({self.code} {self.name})"


ROLES = ("admin", "planner", "clerk", "viewer")


class User(Base):
    """Who loads plans and records observations. Roles are enforced by the web layer.

    A user without ``password_hash`` (one the CLI created from a login name) cannot log
    in to the web application.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20), default="clerk")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Wrong passwords since the last good one; the account is locked from the time the
    # count reaches the limit until ``locked_until`` (or an administrator unlocks it).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    region: Mapped[Region | None] = relationship()


class WebSession(Base):
    """A login session of the pages: the browser's signed cookie holds only a random id,
    whose SHA-256 is kept here, so that logging out, a password change or disabling the
    user ends it on every server at once."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sid_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins from one client address in the current window (one row per address
    that failed recently; rows of past windows are deleted as new failures come in)."""

    __tablename__ = "login_throttle"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class Plan(Base):
    """One region's plan for one period, read from one source document.

    ``origin`` is ``document`` for the plan the document sets out, ``completion_table``
    for a previous plan reconstructed from the document's completion table (无锡市 表1).
    A revised document (征求意见稿 → final) is a new Plan whose ``supersedes_id`` points
    at the earlier one; ``parent_id`` is the plan of the parent region for the same period.
    """

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("source_sha256", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # final / draft
    origin: Mapped[str] = mapped_column(String(20), default="document")
    issuer: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[str | None] = mapped_column(String(10))  # ISO date as printed
    document_number: Mapped[str | None] = mapped_column(String(100))
    source_name: Mapped[str] = mapped_column(String(300))
    source_format: Mapped[str] = mapped_column(String(10))
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    region: Mapped[Region] = relationship()
    targets: Mapped[list[Target]] = relationship(
        back_populates="plan", order_by="Target.position", cascade="all, delete-orphan")
    projects: Mapped[list[Project]] = relationship(
        order_by="Project.position", cascade="all, delete-orphan")
    commitments: Mapped[list[Commitment]] = relationship(
        order_by="Commitment.position", cascade="all, delete-orphan")
    parent: Mapped[Plan | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    supersedes: Mapped[Plan | None] = relationship(remote_side=[id], foreign_keys=[supersedes_id])

    @property
    def period(self) -> str:
        return f"{self.period_start}–{self.period_end}"


class Target(Base):
    """One row of a plan's indicator table: as printed, mapped, parsed into a rule."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    table_caption: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    seq: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(300))  # as printed
    unit: Mapped[str] = mapped_column(String(50), default="")
    indicator_id: Mapped[str | None] = mapped_column(String(100), index=True)
    match_method: Mapped[str] = mapped_column(String(20), default="")
    unit_note: Mapped[str | None] = mapped_column(Text)
    baseline_text: Mapped[str] = mapped_column(String(100), default="")
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    target_text: Mapped[str] = mapped_column(String(200), default="")
    target_year: Mapped[int | None] = mapped_column(Integer)
    attribute: Mapped[str] = mapped_column(String(10), default="")
    rule: Mapped[dict] = mapped_column(JSON)
    line_start: Mapped[int] = mapped_column(Integer)
    line_end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="targets")


class Project(Base):
    """A key project box (专栏) of a plan."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    inferred_number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    line_start: Mapped[int] = mapped_column(Integer)
    line_end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)


class Commitment(Base):
    """A quantitative promise in a plan's body text or boxes."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    value: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(50), default="")
    comparator: Mapped[str] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class DocumentLine(Base):
    """One line of a loaded plan document, as read, with its place in the outline.

    Stored once per document (by its SHA-256), so the plan text can be shown, searched and
    audited after the file is gone; ``cells`` keeps a real table row's cells so the
    document can be read again exactly as the reader produced it.
    """

    __tablename__ = "document_lines"
    __table_args__ = (UniqueConstraint("source_sha256", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    cells: Mapped[list | None] = mapped_column(JSON)
    table_index: Mapped[int | None] = mapped_column(Integer)
    outline_path: Mapped[str] = mapped_column(String(500), default="")  # 第四章 › 三、 › （四）
    section: Mapped[str] = mapped_column(String(20), default="body")  # heading/body/table/project


class ProgressEntry(Base):
    """One version of what is known of a tracked commitment or 专栏 project in a year.

    Versioned like observations: a correction is version n + 1 with its reason; the newest
    version is current. ``value`` holds a measured figure for a quantitative commitment;
    ``status`` the state of a project (not_started / in_progress / completed).
    """

    __tablename__ = "progress_entries"
    __table_args__ = (UniqueConstraint("item_type", "item_id", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    item_type: Mapped[str] = mapped_column(String(20))  # commitment / project
    item_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ImportBatch(Base):
    """One accepted observation import (a file, or values entered another way)."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))  # csv / xlsx / template / entry
    rows: Mapped[int] = mapped_column(Integer)
    accepted_warnings: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Observation(Base):
    """One version of a value for region × indicator × year.

    Nothing is overwritten: a correction adds version n + 1 with who, when, why and its
    source; the current value is the newest version. The unique constraint makes two
    writers that both create the same version collide, so one of them is told.
    """

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("region_id", "indicator_id", "year", "version"),
        Index("ix_observations_series", "region_id", "indicator_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    indicator_id: Mapped[str] = mapped_column(String(100), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why this version replaced the last
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), index=True)

    region: Mapped[Region] = relationship()


class AuditEntry(Base):
    """Who did what, when: plan loads, imports, corrections."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSON)


class DatabaseSetting(Base):
    """A fact about the whole database, one row per key (``store.marks``): e.g. that it
    is the simulated training database of ``healthplan demo --simulated``."""

    __tablename__ = "database_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- reporting rounds


class ReportRound(Base):
    """A reporting round (填报任务): a planner asks the regions under a plan for one
    year's figures by a deadline."""

    __tablename__ = "report_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    region: Mapped[Region] = relationship()
    plan: Mapped[Plan] = relationship()


class ReportTask(Base):
    """One region's part of a round: the indicators it must report and where it stands.

    ``version`` goes up with every transition; a transition is a conditional UPDATE on
    (status, version), so of two reviewers acting at once one wins and the other is told.
    """

    __tablename__ = "report_tasks"
    __table_args__ = (UniqueConstraint("round_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("report_rounds.id", ondelete="CASCADE"),
                                          index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    indicators: Mapped[list] = mapped_column(JSON)  # required indicator ids, in plan order
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    region: Mapped[Region] = relationship()


class ReportFlag(Base):
    """A remark on one value of a task: an outlier the clerk confirmed (``outlier``), a
    value the reviewer sent back (``returned``), a value marked 暂无数据 (``no_data``).
    ``status`` is open / confirmed / resolved."""

    __tablename__ = "report_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("report_tasks.id", ondelete="CASCADE"),
                                         index=True)
    indicator_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    message: Mapped[str] = mapped_column(Text, default="")  # what the check or reviewer said
    comment: Mapped[str] = mapped_column(Text, default="")  # the clerk's answer or reason
    value: Mapped[float | None] = mapped_column(Float)  # the value the flag is about
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReportTransition(Base):
    """One step of a task: who moved it from which status to which, when, and why."""

    __tablename__ = "report_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("report_tasks.id", ondelete="CASCADE"),
                                         index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    comment: Mapped[str] = mapped_column(Text, default="")


class ApprovalLock(Base):
    """An approved value: region × indicator × year may not be written while
    ``released_at`` is empty. ``version`` / ``value`` are what was approved (None: no
    value, 暂无数据), so a task can tell how many values changed since."""

    __tablename__ = "approval_locks"
    __table_args__ = (Index("ix_approval_locks_key", "region_id", "indicator_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("report_tasks.id", ondelete="CASCADE"),
                                         index=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("report_transitions.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    indicator_id: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_reason: Mapped[str] = mapped_column(Text, default="")


class Draft(Base):
    """A draft indicator table of a region's next plan (规划草案), before it is issued.

    Advice and work in progress, never a plan: its rows are not targets and nothing
    evaluates them. ``source`` says where it started (proposals, or an existing plan).
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    region: Mapped[Region] = relationship()
    rows: Mapped[list[DraftRow]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftRow.position")


class DraftRow(Base):
    """One row of a draft indicator table, as the planner wrote it."""

    __tablename__ = "draft_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(50), default="")
    indicator_id: Mapped[str | None] = mapped_column(String(100))
    baseline_text: Mapped[str] = mapped_column(String(100), default="")
    target_text: Mapped[str] = mapped_column(String(200), default="")
    attribute: Mapped[str] = mapped_column(String(10), default="")

    draft: Mapped[Draft] = relationship(back_populates="rows")
