"""Users (who did it) and the audit log (what they did)."""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from importlib import resources

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from healthplan.store.models import AuditEntry, User

ENV_USER = "HEALTHPLAN_USER"


def current_user_name(name: str | None = None) -> str:
    """``--user``, else HEALTHPLAN_USER, else the login name."""
    if name:
        return name
    if os.environ.get(ENV_USER):
        return os.environ[ENV_USER]
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def ensure_user(sessions: sessionmaker[Session], name: str, *, role: str = "clerk") -> int:
    """The id of user ``name``, created on first use in its own transaction, so that two
    imports by a new user at the same moment do not collide inside their imports."""
    for _ in range(3):
        with sessions() as session:
            user_id = session.scalar(select(User.id).where(User.name == name))
            if user_id is not None:
                return user_id
            session.add(user := User(name=name, display_name=name, role=role))
            try:
                session.commit()
                return user.id
            except IntegrityError:  # created by someone else meanwhile: read it again
                session.rollback()
    raise RuntimeError(f"cannot create user {name!r}")


def audit(session: Session, user_id: int | None, action: str, object_type: str,
          object_id: int | None, summary: str, detail: dict | None = None) -> AuditEntry:
    entry = AuditEntry(user_id=user_id, action=action, object_type=object_type,
                       object_id=object_id, summary=summary, detail=detail)
    session.add(entry)
    return entry


# --------------------------------------------------------------------------- the input policy

# One policy for the login names and passwords of the CLI, the API and the pages.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9._-]{1,31}")
NAME_MAX = 32
DISPLAY_NAME_MAX = 100
PASSWORD_MIN = 10
PASSWORD_MAX = 128  # what POST /api/v1/tokens and the login form accept, too


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message is for the user."""


def check_user_name(name: str) -> str:
    """``name`` if it can be a login name: 2–32 characters, lower-case ASCII letters,
    digits and ``. _ -``, starting with a letter (names appear in URLs, logs and
    commands; the display name carries the person's or the office's Chinese name)."""
    if not name.strip():
        raise UserError("用户名为空")
    if len(name) > NAME_MAX:
        raise UserError(f"用户名过长（{len(name)} 个字符，最多 {NAME_MAX} 个）")
    if not NAME_PATTERN.fullmatch(name):
        raise UserError(f"用户名 {name[:NAME_MAX]!r} 无效：只能用小写英文字母、数字和 . _ -，"
                        "以字母开头，2—32 个字符（中文姓名或单位请写在 --display-name）")
    return name


def check_display_name(display_name: str) -> str:
    if len(display_name) > DISPLAY_NAME_MAX:
        raise UserError(f"显示名过长（{len(display_name)} 个字符，最多 {DISPLAY_NAME_MAX} 个）")
    if any(ord(ch) < 32 or ch in "<>" for ch in display_name):
        raise UserError("显示名不能含控制字符或 < >")
    return display_name.strip()


def check_role_and_region(role: str, region_id: int | None) -> None:
    from healthplan.store.models import ROLES

    if role not in ROLES:
        raise UserError(f"角色 {role!r} 无效，应为 {'、'.join(ROLES)} 之一")
    if role in ("clerk", "planner") and region_id is None:
        raise UserError(f"{role} 角色必须指定所属地区（--region）")
    if role == "admin" and region_id is not None:
        raise UserError("admin（系统管理员）管理全部地区，不能指定所属地区（去掉 --region）")


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("healthplan.store").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password(password: str, name: str = "") -> str:
    """``password`` if it may be a user's password: 10–128 characters, not blank, not
    one character repeated or a run like 12345678/abcdefgh, not a well-known password,
    not the login name."""
    if len(password) > PASSWORD_MAX:
        raise UserError(f"密码过长（{len(password)} 个字符，最多 {PASSWORD_MAX} 个）")
    if len(password) < PASSWORD_MIN:
        raise UserError(f"密码过短：至少 {PASSWORD_MIN} 个字符")
    folded = password.strip().lower()
    if not folded:
        raise UserError("密码不能全是空格")
    if (len(set(folded)) <= 2 or folded in common_passwords() or _is_run(folded)
            or (name and name.lower() in folded)):
        raise UserError("密码过于简单（常见密码、重复或连续的字符，或含用户名），请换一个")
    if any(ord(ch) < 32 for ch in password):
        raise UserError("密码不能含控制字符")
    return password


def _is_run(text: str) -> bool:
    """Whether ``text`` is one run of consecutive characters up or down (123456789, 9876…)."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1 and steps <= {1, -1}


def check_new_user(name: str, role: str, region_id: int | None, display_name: str = "") -> None:
    """Everything about a new user but the password (the CLI checks it before asking
    for one)."""
    check_user_name(name)
    check_display_name(display_name)
    check_role_and_region(role, region_id)


# --------------------------------------------------------------------------- passwords, tokens

TOKEN_BYTES = 32


def _default_hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id, argon2-cffi's current RFC 9106 defaults


# Every new password hash is made with this. Tests replace it with argon2's CHEAPEST
# profile (tests/web/conftest.py); a hash keeps its own parameters, so verifying one made
# with other parameters works either way.
PASSWORD_HASHER = _default_hasher()


def hash_password(password: str) -> str:
    return PASSWORD_HASHER.hash(password)


def verify_password(user: User, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if not user.password_hash or not user.active:
        spend_like_a_check(password)
        return False
    try:
        return PASSWORD_HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: dict[int, str] = {}


def spend_like_a_check(password: str) -> bool:
    """Take as long as checking a password, for a name nobody has (so the answer's time
    does not tell which names exist). Always False."""
    from argon2.exceptions import VerificationError

    hasher = PASSWORD_HASHER
    dummy = _DUMMY_HASH.get(id(hasher))
    if dummy is None:
        dummy = _DUMMY_HASH[id(hasher)] = hasher.hash("not a password of anyone")
    try:
        hasher.verify(dummy, password)
    except VerificationError:
        pass
    return False


def add_user(session: Session, name: str, password: str, *, role: str,
             region_id: int | None = None, display_name: str = "",
             by: int | None = None) -> User:
    """Create a user who can log in (or give an existing CLI user a password and role)."""
    check_new_user(name, role, region_id, display_name)
    check_password(password, name)
    user = session.scalar(select(User).where(User.name == name))
    if user is not None and user.password_hash:
        raise UserError(f"用户 {name} 已存在")
    if user is None:
        user = User(name=name)
        session.add(user)
    user.display_name = check_display_name(display_name) or name
    user.role, user.region_id = role, region_id
    user.password_hash, user.active = hash_password(password), True
    session.flush()
    audit(session, by, "add_user", "user", user.id, f"新增用户 {name}（{role}）",
          {"role": role, "region_id": region_id})
    return user


def set_password(session: Session, user: User, password: str, *, by: int | None) -> int:
    """Give ``user`` a new password; every login session of theirs ends (their API tokens
    stay: they are revoked one by one). Returns the number of sessions ended."""
    check_password(password, user.name)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    ended = end_sessions(session, user.id)
    audit(session, by, "change_password", "user", user.id,
          f"修改用户 {user.name} 的密码，结束其登录会话 {ended} 个")
    return ended


def disable_user(session: Session, user: User, *, by: int | None) -> tuple[int, int]:
    """Disable ``user``: no more logins, every session and API token ends. Returns the
    numbers of tokens and sessions ended."""
    from sqlalchemy import update

    from healthplan.store.models import ApiToken, now

    user.active = False
    revoked = session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now()))
    ended = end_sessions(session, user.id)
    audit(session, by, "disable_user", "user", user.id,
          f"停用用户 {user.name}，作废令牌 {revoked.rowcount} 个，结束登录会话 {ended} 个")
    return revoked.rowcount, ended


def unlock_user(session: Session, user: User, *, by: int | None, via: str) -> bool:
    """Lift the lockout after repeated wrong passwords (and forget the failures).
    Whether the account was locked."""
    from healthplan.store.models import now

    was_locked = user.locked_until is not None and aware(user.locked_until) > now()
    user.failed_logins, user.last_failed_at, user.locked_until = 0, None, None
    audit(session, by, "unlock_user", "user", user.id,
          f"解除用户 {user.name} 的登录锁定（{via}）" + ("" if was_locked else "；该账号未被锁定"),
          {"via": via, "was_locked": was_locked})
    return was_locked


def aware(at: datetime) -> datetime:
    """``at`` with its time zone (SQLite gives stored UTC times back naive)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- web sessions


def start_session(session: Session, user: User, hours: float) -> str:
    """A new login session for ``user``: the random id goes into the browser's cookie,
    only its SHA-256 into the database. Sessions that ended over a day ago are deleted
    here, so the table holds about one day of logins."""
    from sqlalchemy import delete, or_

    from healthplan.store.models import WebSession, now

    at = now()
    session.execute(delete(WebSession).where(or_(
        WebSession.expires_at < at - timedelta(days=1),
        WebSession.revoked_at < at - timedelta(days=1))).execution_options(synchronize_session=False))
    sid = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(WebSession(user_id=user.id, sid_sha256=_sha256(sid), created_at=at,
                           expires_at=at + timedelta(hours=hours)))
    session.flush()
    return sid


def user_for_session(session: Session, sid: str) -> User | None:
    """The active user of a login session that has not ended or expired."""
    from healthplan.store.models import WebSession, now

    found = session.scalar(select(WebSession).where(WebSession.sid_sha256 == _sha256(sid),
                                                    WebSession.revoked_at.is_(None)))
    if found is None or aware(found.expires_at) <= now():
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.active or not user.password_hash:
        return None
    return user


def end_session(session: Session, sid: str) -> bool:
    from sqlalchemy import update

    from healthplan.store.models import WebSession, now

    done = session.execute(update(WebSession).where(WebSession.sid_sha256 == _sha256(sid),
                                                    WebSession.revoked_at.is_(None))
                           .values(revoked_at=now()))
    return done.rowcount > 0


def end_sessions(session: Session, user_id: int) -> int:
    from sqlalchemy import update

    from healthplan.store.models import WebSession, now

    done = session.execute(update(WebSession).where(WebSession.user_id == user_id,
                                                    WebSession.revoked_at.is_(None))
                           .values(revoked_at=now()))
    return done.rowcount


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str = "") -> str:
    """A new API token for ``user``; the caller shows it once, only its hash is kept."""
    from healthplan.store.models import ApiToken

    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ApiToken(user_id=user.id, name=name, token_sha256=_sha256(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a (not revoked) token belongs to."""
    from healthplan.store.models import ApiToken

    found = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _sha256(token),
                                                  ApiToken.revoked_at.is_(None)))
    if found is None or not found.user.active:
        return None
    return found.user
