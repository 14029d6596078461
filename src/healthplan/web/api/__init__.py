"""REST API under /api/v1 (JSON; errors as problem details, see ``web.errors``)."""

from fastapi import APIRouter

from healthplan.web.api import (
    audit_log,
    bulletins,
    drafts,
    indicators,
    matrix,
    observations,
    plan_documents,
    plans,
    regions,
    rounds,
    search,
    tokens,
    tracking,
    users,
)

PREFIX = "/api/v1"
MODULES = (tokens, regions, plans, tracking, indicators, observations, search, audit_log,
           users, plan_documents, bulletins, rounds, drafts, matrix)

router = APIRouter()
for module in MODULES:
    router.include_router(module.router)
