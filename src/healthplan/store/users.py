"""Users (who did it) and the audit log (what they did)."""

from __future__ import annotations

import getpass
import os

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


# --------------------------------------------------------------------------- passwords, tokens

TOKEN_BYTES = 32


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message is for the user."""


def hash_password(password: str) -> str:
    """Argon2id (argon2-cffi's current defaults)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    if not user.password_hash or not user.active:
        return False
    try:
        return PasswordHasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(session: Session, name: str, password: str, *, role: str,
             region_id: int | None = None, display_name: str = "",
             by: int | None = None) -> User:
    """Create a user who can log in (or give an existing CLI user a password and role)."""
    from healthplan.store.models import ROLES

    if role not in ROLES:
        raise UserError(f"角色 {role!r} 无效，应为 {'、'.join(ROLES)} 之一")
    if len(password) < 8:
        raise UserError("密码至少 8 个字符")
    if role in ("clerk", "planner") and region_id is None:
        raise UserError(f"{role} 角色必须指定所属地区（--region）")
    user = session.scalar(select(User).where(User.name == name))
    if user is not None and user.password_hash:
        raise UserError(f"用户 {name} 已存在")
    if user is None:
        user = User(name=name)
        session.add(user)
    user.display_name = display_name or name
    user.role, user.region_id = role, region_id
    user.password_hash, user.active = hash_password(password), True
    session.flush()
    audit(session, by, "add_user", "user", user.id, f"新增用户 {name}（{role}）",
          {"role": role, "region_id": region_id})
    return user


def issue_token(session: Session, user: User, name: str = "") -> str:
    """A new API token for ``user``; the caller shows it once, only its hash is kept."""
    import hashlib
    import secrets

    from healthplan.store.models import ApiToken

    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ApiToken(user_id=user.id, name=name,
                         token_sha256=hashlib.sha256(token.encode()).hexdigest()))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a (not revoked) token belongs to."""
    import hashlib

    from healthplan.store.models import ApiToken

    digest = hashlib.sha256(token.encode()).hexdigest()
    found = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == digest,
                                                  ApiToken.revoked_at.is_(None)))
    if found is None or not found.user.active:
        return None
    return found.user
