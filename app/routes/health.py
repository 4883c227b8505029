"""`GET /healthz`: for load balancers and start-up scripts; no sign-in, nothing private."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.grading.service import running_grading_service

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    """"ok" while the process serves requests."""
    graders: str
    """"warming" while the content and graders load (early turns wait for them), then "ready"."""
    grading_processes: int
    """Grading processes running for this web process (0: grades are taken in its worker threads)."""
    graded_in_batches: tuple[int, int]
    """Replies those processes graded since start, and in how many batches."""


@router.get("/healthz", response_model=Health, include_in_schema=False)  # not part of the API: see the README
def health(request: Request) -> Health:
    service = running_grading_service()
    warm = getattr(request.app.state, "warm", False)
    return Health(
        status="ok",
        graders="ready" if warm else "warming",
        grading_processes=service.processes if service else 0,
        graded_in_batches=(service.graded, service.batches) if service else (0, 0),
    )
