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
    https_only: bool = False  # secure cookies; set behind TLS


def settings_from_environment() -> Settings:
    return Settings(
        secret_key=secret_key(),
        max_upload_bytes=int(os.environ.get("HEALTHPLAN_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)),
        https_only=os.environ.get("HEALTHPLAN_HTTPS_ONLY", "") == "1",
    )
