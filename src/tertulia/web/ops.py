"""Operations: liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.responses import Response

from tertulia.usecases.core import NotReady
from tertulia.web.auth import Core
from tertulia.web.errors import problem
from tertulia.web.problems import problems
from tertulia.web.schemas.common import Out

router = APIRouter(tags=["operations"])


class Health(Out):
    status: str = Field(description="ok when healthy.", examples=["ok"])
    checks: dict[str, str] = Field(
        default_factory=dict,
        description="Each dependency's state.",
        examples=[{"database": "ok", "broker": "ok"}],
    )


@router.get("/healthz", summary="Alive")
async def healthz() -> Health:
    """The process answers. Says nothing about its dependencies (see `/readyz`)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Ready to serve",
    response_model=Health,
    responses=problems("not_ready"),
)
async def readyz(request: Request, core: Core) -> Health | Response:
    """The database and the broker (Redis, when configured) answer within 2 seconds each;
    otherwise 503 naming the first that did not."""
    try:
        checks = await core.check_ready()
    except NotReady as exc:
        return problem(request, 503, "not_ready", f"Not ready: {exc}.")
    return Health(status="ok", checks=checks)
