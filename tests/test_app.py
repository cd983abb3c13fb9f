"""The web app: it starts only with keys and a migrated database, answers its public
pages with security headers, and every route it serves is declared here."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Match

from rempart.app import create_app
from rempart.kernel.clock import FixedClock
from rempart.settings import Environment, Settings
from rempart.vault.errors import KeysMissing, VaultError

from .access_matrix import MOUNTS, ROUTES
from .conftest import NOW, make_settings, write_keys
from .routes import served_routes


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> TestClient:
    home = tmp_path / "home"
    write_keys(home)
    app = create_app(make_settings(home, sqlite_url), clock=FixedClock(NOW))
    return TestClient(app)


def test_every_route_is_declared(client: TestClient) -> None:
    declared = set(ROUTES) | {("MOUNT", path) for path in MOUNTS}
    served = served_routes(client.app.routes)  # type: ignore[attr-defined]
    assert served == declared, f"undeclared: {served - declared}; gone: {declared - served}"


def test_each_route_is_answered_by_its_own_router_whatever_their_order(
    client: TestClient,
) -> None:
    """create_app orders routers by traffic (the first router whose path matches
    answers): that is safe only while no router's routes match another router's paths.
    For every route, a request to its own path is matched first by the router that
    declares it."""
    routes = client.app.routes  # type: ignore[attr-defined]
    for method, path in sorted(served_routes(routes)):
        if method == "MOUNT":
            continue
        concrete = re.sub(r"\{[^}]+\}", "x1", path)
        scope = {"type": "http", "method": method, "path": concrete, "root_path": ""}
        scope |= {"headers": [], "query_string": b"", "app": client.app}
        first = next(r for r in routes if r.matches(scope)[0] is Match.FULL)
        assert (method, path) in served_routes([first]), f"{method} {path} is shadowed"


def test_use_cases_run_on_the_event_loop_only_when_nothing_waits_on_the_network(
    tmp_path: Path, database_url: str
) -> None:
    """deps.database_work: the embedded file without Redis runs inline; PostgreSQL or a
    Redis shield (sockets that may stall) go to the thread pool."""
    home = tmp_path / "home"
    write_keys(home)
    alone = create_app(make_settings(home, database_url))
    with_redis = create_app(make_settings(home, database_url, redis_url="redis://127.0.0.1:1/15"))
    embedded = database_url.startswith("sqlite")
    assert alone.state.inline_database_work is embedded
    assert with_redis.state.inline_database_work is False


def test_landing_page_and_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Rempart" in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # The CSP allows no inline script: every script is a file of this origin.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", response.text, re.S)
    assert scripts
    assert all(not body.strip() for body in scripts)
    assert all(
        src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"', response.text)
    )


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert client.get("/openapi.json").json()["info"]["title"] == "Rempart"


def test_unknown_route_is_a_plain_404(client: TestClient) -> None:
    assert client.get("/api/v1/beneficiaries").status_code == 404


def test_production_refuses_to_start_without_keys(tmp_path: Path, sqlite_url: str) -> None:
    settings = make_settings(tmp_path / "empty", sqlite_url, env=Environment.PRODUCTION)
    with pytest.raises(KeysMissing, match="rempart keys init"):
        create_app(settings)


def test_production_refuses_a_key_file_others_can_read(tmp_path: Path, sqlite_url: str) -> None:
    home = tmp_path / "home"
    source = write_keys(home)
    # development migrates at start; production expects an operator to have done it
    create_app(make_settings(home, sqlite_url))
    os.chmod(source.path, 0o644)
    with pytest.raises(VaultError, match="chmod"):
        create_app(make_settings(home, sqlite_url, env=Environment.PRODUCTION))


def test_production_serves_no_third_party_reference_pages(tmp_path: Path, sqlite_url: str) -> None:
    home = tmp_path / "home"
    write_keys(home)
    create_app(make_settings(home, sqlite_url))  # migrates
    app = create_app(make_settings(home, sqlite_url, env=Environment.PRODUCTION))
    served = served_routes(app.routes)
    assert ("GET", "/openapi.json") in served
    assert not {path for _, path in served} & {"/docs", "/redoc"}


def test_production_refuses_an_in_memory_database() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        Settings(env=Environment.PRODUCTION, database_url="sqlite:///:memory:")


def test_passkeys_need_an_https_origin_outside_development() -> None:
    with pytest.raises(ValueError, match="https origin"):
        Settings(env=Environment.PRODUCTION, webauthn_origin="http://rempart.example")
    with pytest.raises(ValueError, match="REMPART_WEBAUTHN_RP_ID"):
        Settings(env=Environment.PRODUCTION).passkey_relying_party()
    assert Settings(env=Environment.DEVELOPMENT).passkey_relying_party() == (
        "localhost",
        "http://localhost:8000",
    )
