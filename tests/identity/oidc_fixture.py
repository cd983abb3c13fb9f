"""A real OpenID provider (the npm package `oidc-provider`) shaped like Pro Santé Connect,
run by the tests, and a scripted browser that signs a professional in through it.

The provider runs from tests/identity/oidc_provider (`npm ci` on first use). Without node
and npm the tests that need it skip, unless REMPART_REQUIRE_SERVICES is set (CI), where
they fail. Each xdist worker starts its own provider on a port the system chooses.
"""

from __future__ import annotations

import fcntl
import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from rempart.identity.prosante import ProSanteConnectConfig
from rempart.kernel.identifiers import luhn_check_digit

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
REDIRECT_URI = "https://rempart.test/auth/psc/callback"
OTHER_REDIRECT_URI = "https://other-service.test/callback"
STARTUP_SECONDS = 20.0


def synthetic_rpps(serial: int) -> str:
    """An RPPS valid per parse_rpps, in a "99" range the RPPS (numbers "10...") never
    allocates, so it names nobody."""
    body = f"99{serial:08d}"
    return body + luhn_check_digit(body)


RPPS_CARD = synthetic_rpps(1)
RPPS_USERINFO = synthetic_rpps(2)

CLIENTS: dict[str, dict[str, Any]] = {
    "rempart": {
        "client_id": "rempart",
        "client_secret": "test-only-secret-rempart-0123456789",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "require_auth_time": True,
    },
    # Another relying party of the same provider: its ID tokens must not sign anyone
    # into Rempart. It gets ES256 so that algorithm is exercised for real too.
    "other-service": {
        "client_id": "other-service",
        "client_secret": "test-only-secret-other-0123456789",
        "redirect_uris": [OTHER_REDIRECT_URI],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "id_token_signed_response_alg": "ES256",
    },
}

PROVIDER_CONFIG = {
    "clients": list(CLIENTS.values()),
    "acr_values": ["eidas1", "eidas0"],
    "accounts": {
        "pro-card": {
            "SubjectNameID": "8" + RPPS_CARD,
            "email": "pro-card@example.test",
            "in_id_token": True,
        },
        "pro-userinfo": {
            "SubjectNameID": "8" + RPPS_USERINFO,
            "email": "pro-userinfo@example.test",
            "in_id_token": False,
        },
        # A national identifier that is not an RPPS one (an ADELI-style "0" prefix).
        "pro-adeli": {
            "SubjectNameID": "0" + "751234567",
            "email": "pro-adeli@example.test",
            "in_id_token": True,
        },
    },
}


@dataclass(frozen=True)
class OidcProvider:
    issuer: str

    def config(self, client: str = "rempart", **overrides: Any) -> ProSanteConnectConfig:
        registered = CLIENTS[client]
        values: dict[str, Any] = {
            "issuer": self.issuer,
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
            "redirect_uri": registered["redirect_uris"][0],
        }
        values.update(overrides)
        return ProSanteConnectConfig(**values)

    def sign_in(
        self, url: str, *, login: str = "pro-card", acr: str = "eidas1", cancel: bool = False
    ) -> dict[str, str]:
        """Follow `url` as a browser would, post the login form, and return the query
        parameters of the callback the provider redirects to."""
        with httpx.Client(timeout=10.0) as browser:
            response = browser.get(url)
            assert response.status_code == 303, response.text
            form_url = response.url.join(response.headers["location"])
            form = browser.get(form_url)
            assert form.status_code == 200
            assert "<form" in form.text
            answer = {"abort": "1"} if cancel else {"login": login, "acr": acr}
            response = browser.post(form_url, data=answer)
            assert response.status_code == 303, response.text
            response = browser.get(response.url.join(response.headers["location"]))
            assert response.status_code == 303, response.text
            callback = httpx.URL(response.headers["location"])
        assert str(callback.copy_with(query=None)) in {REDIRECT_URI, OTHER_REDIRECT_URI}
        return dict(callback.params)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("REMPART_REQUIRE_SERVICES"):
        pytest.fail(f"the OpenID provider is required in CI: {reason}")
    pytest.skip(reason)


def _install(npm: str, lock_dir: Path) -> None:
    """`npm ci` once, even with several xdist workers arriving together."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    with (lock_dir / "oidc-provider-npm.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            return
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(PROVIDER_DIR)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"npm ci failed: {done.stderr[-500:]}")


def _read_issuer(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("ready "):
                return line.split(" ", 1)[1].strip()
    raise RuntimeError("the OpenID provider did not start")


def _wait_for_discovery(issuer: str, deadline: float) -> None:
    url = f"{issuer}/.well-known/openid-configuration"
    while True:
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the OpenID provider's discovery does not answer")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are needed to run the test OpenID provider")
    _install(npm, tmp_path_factory.getbasetemp().parent)
    log = tmp_path_factory.mktemp("oidc-provider") / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [node, "provider.mjs", "0"],
            cwd=PROVIDER_DIR,
            env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(PROVIDER_CONFIG)},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            issuer = _read_issuer(process, deadline)
            _wait_for_discovery(issuer, deadline)
        except RuntimeError as exc:
            # node is there, so a provider that does not start is a fault, not a skip.
            raise RuntimeError(f"{exc}: {log.read_text()[-2000:]}") from None
        yield OidcProvider(issuer=issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
