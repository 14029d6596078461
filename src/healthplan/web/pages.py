"""The pages (Chinese, server-rendered)."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the page routes, templates and static files to ``app``."""
