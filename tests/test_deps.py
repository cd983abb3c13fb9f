"""The object loaders authorise and fetch in one step: the actor's own structure or
insurer passes, another's is refused before anything is read, a malformed identifier is
refused after the permission check (so it tells an outsider nothing). A use case runs on
the event loop or in the thread pool as the app decided."""

from __future__ import annotations

import threading
import uuid
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.testclient import TestClient

from rempart import problems
from rempart.bootstrap import Platform
from rempart.deps import database_work, get_actor, own_insurer, own_record, own_structure
from rempart.identity.permissions import Actor, Channel, Permission, Role

from .factories import france, register

router = APIRouter()


@router.get("/structures/{finess}")
def structure(
    finess: Annotated[str, Depends(own_structure(Permission.CLIENT_REGISTER))],
) -> dict[str, str]:
    return {"finess": finess}


@router.get("/insurers/{amc_number}")
def insurer(
    amc_number: Annotated[str, Depends(own_insurer(Permission.MEMBER_LOOKUP))],
) -> dict[str, str]:
    return {"amc_number": amc_number}


@router.get("/me/record")
def record(
    beneficiary_id: Annotated[uuid.UUID, Depends(own_record(Permission.ACCESS_HISTORY_READ))],
) -> dict[str, str]:
    return {"beneficiary_id": str(beneficiary_id)}


def client_as(platform: Platform, actor: Actor) -> TestClient:
    app = FastAPI()
    app.state.platform = platform
    problems.install(app)
    app.include_router(router)
    app.dependency_overrides[get_actor] = lambda: actor
    return TestClient(app)


@pytest.fixture
def directory(sqlite_platform: Platform) -> tuple[Platform, list[str], list[str]]:
    world = france(30)
    register(sqlite_platform, world)
    finess = [s.finess for s in world.structures[:2]]
    amcs = [i.amc_number for i in world.insurers[:2]]
    return sqlite_platform, finess, amcs


def test_own_structure(directory: tuple[Platform, list[str], list[str]]) -> None:
    platform, (mine, theirs), _ = directory
    admin = Actor(uuid.uuid4(), Role.STRUCTURE_ADMIN, structures=frozenset({mine}))
    client = client_as(platform, admin)
    assert client.get(f"/structures/{mine}").json() == {"finess": mine}
    assert client.get(f"/structures/{theirs}").status_code == 403
    assert client.get("/structures/not-a-finess").status_code == 422
    professional = Actor(uuid.uuid4(), Role.PROFESSIONAL, structures=frozenset({mine}))
    assert client_as(platform, professional).get("/structures/not-a-finess").status_code == 403
    assert client_as(platform, professional).get(f"/structures/{mine}").status_code == 403


def test_own_structure_that_the_directory_does_not_know(
    directory: tuple[Platform, list[str], list[str]],
) -> None:
    platform, _, _ = directory
    ghost = "750000001"
    admin = Actor(uuid.uuid4(), Role.STRUCTURE_ADMIN, structures=frozenset({ghost}))
    assert client_as(platform, admin).get(f"/structures/{ghost}").status_code == 422


def test_own_insurer(directory: tuple[Platform, list[str], list[str]]) -> None:
    platform, _, (mine, theirs) = directory
    staff = Actor(uuid.uuid4(), Role.INSURER_STAFF, amc_number=mine)
    client = client_as(platform, staff)
    assert client.get(f"/insurers/{mine}").json() == {"amc_number": mine}
    assert client.get(f"/insurers/{theirs}").status_code == 403
    assert client.get("/insurers/12").status_code == 422
    dpo = Actor(uuid.uuid4(), Role.INSURER_DPO, amc_number=mine)
    assert client_as(platform, dpo).get(f"/insurers/{mine}").status_code == 403
    assert client_as(platform, dpo).get("/insurers/12").status_code == 403


def test_loaders_are_for_people_in_a_browser_session(
    directory: tuple[Platform, list[str], list[str]],
) -> None:
    platform, (mine, _), _ = directory
    software = Actor(
        uuid.uuid4(),
        Role.STRUCTURE_ADMIN,
        structures=frozenset({mine}),
        channel=Channel.API,
        client_id=uuid.uuid4(),
    )
    assert client_as(platform, software).get(f"/structures/{mine}").status_code == 403


def test_own_record_is_the_one_the_account_is_bound_to(
    directory: tuple[Platform, list[str], list[str]],
) -> None:
    platform, _, _ = directory
    mine = str(uuid.uuid4())
    insured = Actor(uuid.uuid4(), Role.INSURED, beneficiary_id=mine)
    assert client_as(platform, insured).get("/me/record").json() == {"beneficiary_id": mine}
    unbound = Actor(uuid.uuid4(), Role.INSURED)
    assert client_as(platform, unbound).get("/me/record").status_code == 403
    staff = Actor(uuid.uuid4(), Role.INSURER_STAFF, amc_number="123456789")
    assert client_as(platform, staff).get("/me/record").status_code == 403


def _runs_on_the_loop(inline: bool) -> bool:
    app = FastAPI()
    app.state.inline_database_work = inline

    @app.get("/where")
    async def where(request: Request) -> dict[str, bool]:
        worker = await database_work(request, threading.get_ident)
        return {"loop": worker == threading.get_ident()}

    with TestClient(app) as client:
        answer: bool = client.get("/where").json()["loop"]
        return answer


def test_database_work_runs_where_the_app_decided() -> None:
    assert _runs_on_the_loop(True)
    assert not _runs_on_the_loop(False)
