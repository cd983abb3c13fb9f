from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from rempart import __version__
from rempart.deps import PlatformDep

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    key_version: int


@router.get("/healthz", response_model=Health)
def health(platform: PlatformDep) -> Health:
    """Liveness and readiness: the database answers and the key ring is loaded."""
    platform.database.check_ready()
    return Health(status="ok", version=__version__, key_version=platform.vault.active_version)
