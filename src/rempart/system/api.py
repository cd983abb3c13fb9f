from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from rempart import __version__
from rempart.deps import PlatformDep

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str


@router.get("/healthz", response_model=Health)
def health(platform: PlatformDep) -> Health:
    """Readiness: the database answers at the code's schema and the key ring is usable."""
    platform.database.check_ready()
    platform.vaults.current()  # raises (503) when the key ring was replaced by a wrong one
    return Health(status="ok", version=__version__)
