"""REST API under /api/v1 (JSON; errors as problem details)."""

from fastapi import APIRouter

router = APIRouter()
