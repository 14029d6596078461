"""Logging in with a name and a password (the login form and ``POST /api/v1/tokens``),
throttled per client address and per account, with the lockout of an account after
repeated wrong passwords.

Every count lives in the database (``login_throttle``, ``users.failed_logins`` …), so that
several workers and several servers over one database throttle as one. An attempt is
counted as a failure *before* its password is checked (in a short transaction that
reads and raises the counts under a row lock) and forgiven after a right password, so
that parallel attempts cannot slip past the limits. A refused attempt writes nothing and
costs no password check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from healthplan.store.database import Database
from healthplan.store.models import LoginThrottle, User, now
from healthplan.store.users import (
    NAME_MAX,
    PASSWORD_MAX,
    audit,
    aware,
    spend_like_a_check,
    verify_password,
)
from healthplan.web.settings import Settings

WRONG = "用户名或密码错误，或账号已停用"


class LoginRefused(Exception):
    """A login that did not succeed: ``status`` 401 (wrong name or password) or 429
    (throttled or locked; ``retry_after`` seconds); the message is for the user."""

    def __init__(self, message: str, status: int = 401, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


@dataclass(frozen=True)
class Attempt:
    name: str
    address: str
    via: str  # "网页登录" or "令牌申请"


def log_in(db: Database, settings: Settings, attempt: Attempt, password: str) -> int:
    """The id of the user ``attempt.name`` if ``password`` is theirs and neither the
    address nor the account is throttled or locked; LoginRefused otherwise."""
    # Input no account can have still counts against the address, like a wrong password.
    possible = 0 < len(attempt.name) <= NAME_MAX and len(password) <= PASSWORD_MAX
    password = password[:PASSWORD_MAX]
    with db.session() as session:
        user_id = _reserve(session, settings, attempt, now(), look_up=possible)
    with db.sessions() as session:  # read, then check the password outside a transaction
        user = session.get(User, user_id) if user_id is not None else None
    if user is not None:
        ok = verify_password(user, password)
    else:
        ok = spend_like_a_check(password)  # as long as a wrong password
    if not ok:
        _failed(db, settings, attempt, user_id)
    with db.session() as session:
        user = session.get(User, user_id, with_for_update=True)
        user.failed_logins, user.last_failed_at, user.locked_until = 0, None, None
        row = session.get(LoginThrottle, attempt.address, with_for_update=True)
        if row is not None and row.failures > 0:
            row.failures -= 1  # a right password is not a failure
    return user_id


def _reserve(session: Session, settings: Settings, attempt: Attempt, at: datetime, *,
             look_up: bool) -> int | None:
    """Refuse the attempt if the address or the account is over its limit; otherwise
    count it as a failure in advance and return the user's id (None: no such user)."""
    row = _address_row(session, attempt.address, at)
    window = timedelta(seconds=settings.address_window_seconds)
    if aware(row.window_start) <= at - window:
        row.failures, row.window_start = 0, at
    if row.failures >= settings.address_failures:
        wait = _seconds(aware(row.window_start) + window - at)
        raise LoginRefused(f"本机登录失败次数过多（{settings.address_window_seconds // 60} 分钟内 "
                           f"{settings.address_failures} 次），请 {_minutes(wait)}后再试", 429, wait)
    user = (session.scalar(select(User).where(User.name == attempt.name).with_for_update())
            if look_up else None)
    if user is not None:
        if user.locked_until is not None and aware(user.locked_until) > at:
            wait = _seconds(aware(user.locked_until) - at)
            raise LoginRefused(f"该账号因连续输错密码已被锁定，请 {_minutes(wait)}后再试，"
                               "或联系系统管理员解锁", 429, wait)
        if user.locked_until is not None:  # the lockout has run out: a fresh count
            user.failed_logins, user.locked_until = 0, None
        if user.failed_logins >= settings.account_delay_after and user.last_failed_at is not None:
            ready = aware(user.last_failed_at) + timedelta(seconds=settings.account_delay_seconds)
            if ready > at:
                wait = _seconds(ready - at)
                raise LoginRefused(f"该账号已连续输错密码 {user.failed_logins} 次，请 {wait} 秒后再试；"
                                   f"连续输错 {settings.account_lock_after} 次将锁定账号", 429, wait)
        user.failed_logins += 1
        user.last_failed_at = at
    row.failures += 1
    # Rows of windows gone by: the table holds only the addresses failing now.
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < at - window,
                                                LoginThrottle.address != attempt.address)
                    .execution_options(synchronize_session=False))
    return user.id if user is not None else None


def _address_row(session: Session, address: str, at: datetime) -> LoginThrottle:
    """The address's row, locked (made if missing, also when another process makes it
    at the same moment)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(LoginThrottle).values(address=address, failures=0, window_start=at)
                    .on_conflict_do_nothing(index_elements=["address"]))
    return session.scalar(select(LoginThrottle).where(LoginThrottle.address == address)
                          .with_for_update().execution_options(populate_existing=True))


def _failed(db: Database, settings: Settings, attempt: Attempt, user_id: int | None):
    """Log a wrong password (the counts were raised by ``_reserve``), lock the account
    when it reaches the limit, and raise the 401."""
    message = WRONG
    with db.session() as session:
        user = session.get(User, user_id, with_for_update=True) if user_id is not None else None
        audit(session, user_id, "denied", "login", user_id,
              f"登录失败：用户名 {attempt.name[:NAME_MAX]}（{attempt.via}，{attempt.address}）",
              {"via": attempt.via, "address": attempt.address,
               "failures": user.failed_logins if user is not None else None})
        if (user is not None and user.failed_logins >= settings.account_lock_after
                and user.locked_until is None):
            user.locked_until = now() + timedelta(seconds=settings.account_lock_seconds)
            audit(session, None, "lock_user", "user", user.id,
                  f"用户 {user.name} 连续输错密码 {user.failed_logins} 次，账号锁定 "
                  f"{_minutes(settings.account_lock_seconds)}（最后一次来自 {attempt.address}）",
                  {"failures": user.failed_logins, "address": attempt.address,
                   "locked_until": user.locked_until.isoformat()})
            message += (f"；已连续输错 {user.failed_logins} 次，账号已锁定 "
                        f"{_minutes(settings.account_lock_seconds)}，可联系系统管理员解锁")
    raise LoginRefused(message)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _minutes(seconds: int) -> str:
    return f"{max(1, math.ceil(seconds / 60))} 分钟"
