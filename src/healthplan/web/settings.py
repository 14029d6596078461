"""Settings from the environment (no secrets in the repository)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENV_SECRET = "HEALTHPLAN_SECRET_KEY"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def secret_key() -> str:
    """HEALTHPLAN_SECRET_KEY, else a random key kept (mode 600) in the user data folder so
    that sessions survive a restart."""
    if os.environ.get(ENV_SECRET):
        return os.environ[ENV_SECRET]
    import platformdirs

    path = Path(platformdirs.user_data_dir("healthplan", appauthor=False)) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    secret_key: str
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    # Cookies are marked Secure on every answer when set (TLS in front); otherwise only
    # on answers to requests that came over HTTPS, directly or through a trusted proxy.
    https_only: bool = False
    # The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (exact
    # addresses). Without one, the client address is the connection's and the headers
    # are ignored: anyone could send them.
    trusted_proxies: tuple[str, ...] = ()
    session_hours: float = 12.0
    # Throttling of logins (POST /login, POST /api/v1/tokens), counted in the database so
    # that every worker and server sees the same counts.
    address_failures: int = 20  # failed logins from one address per window
    address_window_seconds: int = 600
    account_delay_after: int = 5  # consecutive wrong passwords before a wait between tries
    account_delay_seconds: int = 30
    account_lock_after: int = 10  # consecutive wrong passwords that lock the account
    account_lock_seconds: int = 1800  # until an administrator unlocks it, or this passes
    # Refusals of requests without a login are counted in memory and written to the
    # audit log as one entry per this many seconds per process.
    refusal_log_seconds: int = 60
    # Writes without a login from one client address: past this many refusals in a minute
    # in one process, the address is blocked (429) for a minute on every worker and
    # server: the block is one row in the database, written once, read by all.
    anonymous_per_minute: int = 120


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def settings_from_environment() -> Settings:
    proxies = os.environ.get("HEALTHPLAN_TRUSTED_PROXIES", "")
    return Settings(
        secret_key=secret_key(),
        max_upload_bytes=_int("HEALTHPLAN_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES),
        https_only=os.environ.get("HEALTHPLAN_HTTPS_ONLY", "") == "1",
        trusted_proxies=tuple(p.strip() for p in proxies.split(",") if p.strip()),
        account_lock_after=_int("HEALTHPLAN_LOCK_AFTER", Settings.account_lock_after),
        account_lock_seconds=_int("HEALTHPLAN_LOCK_SECONDS", Settings.account_lock_seconds),
        anonymous_per_minute=_int("HEALTHPLAN_ANONYMOUS_PER_MINUTE",
                                  Settings.anonymous_per_minute),
    )
