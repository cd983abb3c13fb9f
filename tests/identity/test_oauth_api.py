"""The token endpoint over HTTP: RFC 6749 form in, token or RFC 6749 §5.2 error out, never
cached; and resource refusals carry a `WWW-Authenticate: DPoP` challenge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from fastapi import FastAPI, Header, Request
from fastapi.testclient import TestClient

from rempart.app import create_app
from rempart.bootstrap import Platform
from rempart.deps import PlatformDep
from rempart.identity import oauth_api
from rempart.identity.client_auth import ASSERTION_TYPE, GRANT_TYPE, authenticate_client_call
from rempart.kernel.clock import FixedClock

from ..conftest import NOW, make_settings, write_keys
from .clientkit import Key
from .clientworld import World, build_world

ORIGIN = "http://localhost:8000"  # the development default of the public origin
TOKEN_URL = ORIGIN + oauth_api.TOKEN_PATH
RESOURCE_URL = ORIGIN + "/test/resource"


def _resource_route(app: FastAPI) -> None:
    """What deps.py will do for software routes: authenticate, then serve."""

    @app.get("/test/resource")
    def resource(
        request: Request,
        platform: PlatformDep,
        authorization: Annotated[str | None, Header()] = None,
        dpop: Annotated[str | None, Header()] = None,
        acting: Annotated[str | None, Header(alias="Rempart-Acting-RPPS")] = None,
    ) -> dict[str, str]:
        actor = authenticate_client_call(
            uow=platform.uow(),
            authorization=authorization,
            dpop=dpop,
            method=request.method,
            url=ORIGIN + request.url.path,
            acting_rpps=acting,
        )
        return {"rpps": actor.rpps or ""}


@pytest.fixture
def served(tmp_path: Path, sqlite_url: str) -> tuple[TestClient, World]:
    home = tmp_path / "home"
    write_keys(home)
    app = create_app(make_settings(home, sqlite_url), clock=FixedClock(NOW))
    app.include_router(oauth_api.router)
    _resource_route(app)
    platform: Platform = app.state.platform
    return TestClient(app), build_world(platform)


def form(client_id: object, key: Key, **changes: str) -> dict[str, str]:
    values = {
        "grant_type": GRANT_TYPE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": key.assertion(str(client_id), now=NOW, aud=TOKEN_URL),
    }
    values.update(changes)
    return values


def test_a_token_over_http_then_a_resource_call(served: tuple[TestClient, World]) -> None:
    http, world = served
    client_id, key = world.active_client()
    dpop_key = Key()
    response = http.post(
        oauth_api.TOKEN_PATH,
        data=form(client_id, key),
        headers={"DPoP": dpop_key.proof("POST", TOKEN_URL, now=NOW)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("DPoP", 300)
    assert response.headers["cache-control"] == "no-store"
    token = body["access_token"]
    call = http.get(
        "/test/resource",
        headers={
            "Authorization": f"DPoP {token}",
            "DPoP": dpop_key.proof("GET", RESOURCE_URL, now=NOW, access_token=token),
            "Rempart-Acting-RPPS": world.member_rpps,
        },
    )
    assert call.json() == {"rpps": world.member_rpps}
    bearer = http.get(
        "/test/resource",
        headers={
            "Authorization": f"Bearer {token}",
            "DPoP": dpop_key.proof("GET", RESOURCE_URL, now=NOW, access_token=token),
        },
    )
    assert bearer.status_code == 401
    assert bearer.json()["type"].endswith("/invalid-token")
    assert bearer.headers["www-authenticate"].startswith('DPoP error="invalid_token"')
    garbled = http.get(
        "/test/resource",
        headers={"Authorization": f"DPoP {token}", "DPoP": "garbage"},
    )
    assert 'error="invalid_dpop_proof"' in garbled.headers["www-authenticate"]


def test_token_errors_are_rfc_6749_bodies(served: tuple[TestClient, World]) -> None:
    http, world = served
    client_id, key = world.active_client()
    proof = Key().proof("POST", TOKEN_URL, now=NOW)
    refused = http.post(oauth_api.TOKEN_PATH, data=form(client_id, Key()), headers={"DPoP": proof})
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "invalid_client",
        "error_description": "client authentication failed",
    }
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["www-authenticate"].startswith("DPoP")
    cases = [
        ({"data": form(client_id, key), "headers": {}}, "invalid_dpop_proof"),
        (
            {"data": form(client_id, key, grant_type="password"), "headers": {}},
            "unsupported_grant_type",
        ),
        ({"json": form(client_id, key), "headers": {"DPoP": proof}}, "invalid_request"),
        (
            {
                "content": "grant_type=client_credentials&grant_type=client_credentials",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "invalid_request",
        ),
    ]
    for arguments, error in cases:
        response = http.post(oauth_api.TOKEN_PATH, **arguments)  # type: ignore[arg-type]
        assert (response.status_code, response.json()["error"]) == (400, error), error
