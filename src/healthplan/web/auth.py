"""Who is asking: a bearer token (API) or the login session (pages); and the one place
where a refusal is decided and logged."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from collections import Counter
from datetime import datetime

from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal, allowed
from healthplan.store.models import Region, User, now
from healthplan.store.users import audit, user_for_session, user_for_token

SESSION_ID = "sid"  # request.session key of the login session's id (store.users.start_session)
SESSION_CSRF = "csrf"  # request.session key of the form token
CSRF_HEADER = "x-csrf-token"  # API writes authenticated by the page session send it


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, name=user.name, role=user.role, region_id=user.region_id)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


TOKEN_CACHE_SECONDS = 10.0
_TOKENS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {sha256: …}


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The principal a bearer token belongs to. A valid token is remembered for
    ``TOKEN_CACHE_SECONDS`` in this process (the dashboard's requests then need no query
    for it), so a token revoked or a user disabled from another process stops working
    within that time; revoking through the API forgets it at once."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    cache = _TOKENS.setdefault(_engine(session), {})
    hit = cache.get(digest)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    user = user_for_token(session, token)
    if user is None:
        cache.pop(digest, None)
        return None
    principal = principal_of(user)
    if len(cache) > 10_000:
        cache.clear()
    cache[digest] = (principal, time.monotonic() + TOKEN_CACHE_SECONDS)
    return principal


def forget_token(token: str) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    for cache in list(_TOKENS.values()):
        cache.pop(digest, None)


def _engine(session):
    bind = session.get_bind() if isinstance(session, Session) else session
    return getattr(bind, "engine", bind)


def current_principal(request: Request, session: Session) -> Principal | None:
    """The user behind ``Authorization: Bearer …``, else the page session; None if neither."""
    token = bearer_token(request)
    if token is not None:
        return principal_for_token(session, token) if token else None
    sid = request.session.get(SESSION_ID) if "session" in request.scope else None
    if not isinstance(sid, str) or not sid:
        return None
    # Looked up on every request (no cache): a session ended by logging out, a password
    # change or disabling the user stops working at once on every worker and server.
    user = user_for_session(session, sid)
    return principal_of(user) if user is not None else None


def csrf_token(request: Request) -> str:
    """The page session's CSRF token (made on first use): forms post it as ``csrf``,
    scripts calling the API with the session cookie send it as ``X-CSRF-Token``."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, given: str | None) -> bool:
    expected = request.session.get(SESSION_CSRF) if "session" in request.scope else None
    return bool(expected) and bool(given) and secrets.compare_digest(str(expected), str(given))


def api_principal(request: Request, session: Session, *, write: bool = False) -> Principal | None:
    """The principal of an API request. A write authenticated by the page session (not a
    token) must carry the session's CSRF token in ``X-CSRF-Token``, or it counts as not
    logged in."""
    principal = current_principal(request, session)
    if (principal is not None and write and bearer_token(request) is None
            and not check_csrf(request, request.headers.get(CSRF_HEADER))):
        return None
    return principal


def region_path(session: Session, region_id: int | None) -> tuple[int, ...]:
    """Region ids from the nation down to ``region_id`` (inclusive)."""
    if region_id is None:
        return ()
    return region_paths(session).get(region_id) or _walk(session, region_id)


def _walk(session: Session, region_id: int) -> tuple[int, ...]:
    path: list[int] = []
    while region_id is not None:
        path.append(region_id)
        region = session.get(Region, region_id)
        region_id = region.parent_id if region is not None else None
    return tuple(reversed(path))


_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def region_paths(session: Session) -> dict[int, tuple[int, ...]]:
    """Every region's path, read once per engine through ``session`` (the GB/T 2260 list
    does not change while the server runs; a region added later is walked in the
    database)."""
    bind = _engine(session)
    paths = _PATHS.get(bind)
    if paths is not None:
        return paths
    parents = dict(session.execute(select(Region.id, Region.parent_id)).all())
    paths = {}

    def path(region_id: int) -> tuple[int, ...]:
        if region_id not in paths:
            parent = parents.get(region_id)
            paths[region_id] = (path(parent) if parent is not None else ()) + (region_id,)
        return paths[region_id]

    for region_id in parents:
        path(region_id)
    _PATHS[bind] = paths
    return paths


def subtree(session: Session, region_id: int) -> list[int]:
    """Ids of ``region_id`` and every region below it."""
    return [rid for rid, path in region_paths(session).items() if region_id in path]


def may(session: Session, principal: Principal | None, action: Action,
        region_id: int | None = None) -> bool:
    """Whether ``principal`` may do ``action`` (no logging: for filtering lists)."""
    return principal is not None and allowed(principal, action, region_path(session, region_id))


def authorise(session: Session, principal: Principal | None, action: Action,
              region_id: int | None = None, *, what: str = "") -> Principal:
    """``principal`` if allowed to do ``action`` on ``region_id``'s data; otherwise roll
    back ``session`` (so the request changes nothing), log the refusal of a logged-in user
    in the audit log in a transaction of its own (so it stays) and raise 401 (nobody
    logged in; see ``RefusalLog``) or 403.

    Works with a session inside ``db.session()``: after the refusal the caller's
    transaction is finished and the exception ends its block."""
    path = region_path(session, region_id)
    if principal is not None and allowed(principal, action, path):
        return principal
    region = session.get(Region, region_id) if region_id is not None else None
    region_name = region.name if region is not None else ""
    bind = session.get_bind()
    session.rollback()
    who = f"{principal.name}（{principal.role}）" if principal else "未登录的请求"
    summary = (f"拒绝 {who}{action.value}" + (f"：{region_name}" if region_name else "")
               + (f"（{what}）" if what else ""))
    if principal is not None:
        # Refusals of anonymous requests are counted by ``RefusalLog`` instead: one
        # write per refused request would let anyone grow the database at will.
        with Session(bind) as log_session, log_session.begin():
            audit(log_session, principal.user_id if principal else None, "denied",
                  "permission", region_id, summary,
                  {"action": action.value, "region_id": region_id, "what": what,
                   "role": principal.role if principal else None})
    if principal is None:
        raise HTTPException(401, "未登录或令牌无效", headers={"WWW-Authenticate": "Bearer"})
    raise HTTPException(403, f"无权限：{principal.name} 不能对"
                        + (f"{region_name}的" if region_name else "") + "数据执行此操作")



# --------------------------------------------------------------------------- what a principal may see


def readable_region_ids(session: Session, principal: Principal) -> set[int] | None:
    """The regions whose plans and data ``principal`` may read: None for all of them
    (an administrator, a user without a region), else their region and every region
    below it. The one rule behind every list of plans (pages, API, the region tree)."""
    if principal.role == "admin" or principal.region_id is None:
        return None
    return set(subtree(session, principal.region_id))


def readable(session: Session, principal: Principal, items: list, region_of=None) -> list:
    """``items`` (plans, or anything with a ``region_id``) that ``principal`` may read."""
    ids = readable_region_ids(session, principal)
    if ids is None:
        return list(items)
    region_of = region_of or (lambda item: item.region_id)
    return [item for item in items if region_of(item) in ids]


# --------------------------------------------------------------------------- refusals without a login


class RefusalLog:
    """Refused requests without a login (no or a wrong token, no session), counted in
    memory and written to the audit log as one summary entry per ``seconds`` in each
    process: the first refusal is written at once, the next ones with the first refusal
    after ``seconds`` (or when the application stops). A flood of such requests then
    costs no write transaction each and adds at most one row per interval and process.
    The kinds of request and the client addresses are capped at ``KINDS`` each."""

    KINDS = 50

    RECENT = 10_000  # addresses counted in the current minute, at most

    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds, self.clock = seconds, clock
        self.lock = threading.Lock()
        self.what: Counter = Counter()
        self.addresses: Counter = Counter()
        self.written_at: float | None = None
        self.since: datetime | None = None
        self.minute: int | None = None
        self.this_minute: Counter = Counter()  # refusals per address in the current minute

    def note(self, bind, what: str, address: str) -> int:
        """Count one refusal; return how many this address had in this process in the
        current minute (the caller blocks the address past its limit)."""
        with self.lock:
            _bounded_add(self.what, what[:200], self.KINDS)
            _bounded_add(self.addresses, address, self.KINDS)
            self.since = self.since or now()
            due = self.written_at is None or self.clock() - self.written_at >= self.seconds
            taken = self._take() if due else None
            minute = int(self.clock() // 60)
            if minute != self.minute or (address not in self.this_minute
                                         and len(self.this_minute) >= self.RECENT):
                self.minute, self.this_minute = minute, Counter()
            self.this_minute[address] += 1
            count = self.this_minute[address]
        if taken is not None:
            self._write(bind, taken)
        return count

    def flush(self, bind) -> None:
        with self.lock:
            taken = self._take() if self.what else None
        if taken is not None:
            self._write(bind, taken)

    def _take(self) -> dict:
        total = sum(self.what.values())
        taken = {"count": total, "since": self.since.isoformat() if self.since else None,
                 "until": now().isoformat(), "requests": dict(self.what.most_common()),
                 "addresses": dict(self.addresses.most_common())}
        self.what, self.addresses = Counter(), Counter()
        self.written_at, self.since = self.clock(), None
        return taken

    @staticmethod
    def _write(bind, taken: dict) -> None:
        first = next(iter(taken["requests"]), "")
        summary = (f"拒绝 未登录的请求 {taken['count']} 次（{first}"
                   + (" 等" if len(taken["requests"]) > 1 else "") + "）")
        with Session(bind) as log_session, log_session.begin():
            audit(log_session, None, "denied", "permission", None, summary,
                  {"action": "anonymous", **taken})


def _bounded_add(counter: Counter, key: str, cap: int) -> None:
    if key in counter or len(counter) < cap:
        counter[key] += 1
    else:
        counter["（其他）"] += 1


ANONYMOUS_BLOCK_SECONDS = 60


def refuse_anonymous(request: Request, what: str) -> HTTPException:
    """Count a refused request without a login (``RefusalLog``) and return the 401 to
    raise — or a 429 while the client's address is blocked for sending too many.

    The block is shared by every worker and server: the process that sees an address
    pass ``anonymous_per_minute`` writes one row (``login_throttle``, key
    ``anonymous:ADDRESS``) and every process reads it before answering; a flood thus
    costs one write per address and minute, not one per request."""
    from healthplan.web.security import client_address

    settings, engine = request.app.state.settings, request.app.state.db.engine
    address = client_address(request.scope, settings)
    log = getattr(request.app.state, "refusals", None)
    count = log.note(engine, what, address) if log is not None else 0
    wait = anonymous_block(request.app.state.read_engine, address)
    if wait is None and count > settings.anonymous_per_minute:
        block_anonymous(engine, address)
        wait = ANONYMOUS_BLOCK_SECONDS
    if wait is not None:
        return HTTPException(429, f"未登录的请求过多，请 {wait} 秒后再试",
                             headers={"Retry-After": str(wait)})
    return HTTPException(401, "未登录或令牌无效", headers={"WWW-Authenticate": "Bearer"})


def _block_key(address: str) -> str:
    return f"anonymous:{address}"[:64]


def anonymous_block(bind, address: str) -> int | None:
    """Seconds left of the address's block, None when it is not blocked."""
    from healthplan.store.models import LoginThrottle
    from healthplan.store.users import aware

    with Session(bind) as session:
        start = session.scalar(select(LoginThrottle.window_start)
                               .where(LoginThrottle.address == _block_key(address)))
    if start is None:
        return None
    left = (aware(start) - now()).total_seconds() + ANONYMOUS_BLOCK_SECONDS
    return int(left) + 1 if left > 0 else None


def block_anonymous(bind, address: str) -> None:
    """Block the address from now on (the row's window_start is the block's start)."""
    from sqlalchemy.exc import IntegrityError

    from healthplan.store.models import LoginThrottle

    try:
        with Session(bind) as session, session.begin():
            row = session.get(LoginThrottle, _block_key(address), with_for_update=True)
            if row is None:
                session.add(LoginThrottle(address=_block_key(address), failures=1,
                                          window_start=now()))
            else:
                row.failures, row.window_start = row.failures + 1, now()
    except IntegrityError:
        pass  # another process blocked the address at the same moment: blocked all the same
