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
