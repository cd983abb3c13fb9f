"""Every operation of the published API, called by every kind of account with inputs
generated from the OpenAPI schema itself (schemathesis): none answers a server error,
every refusal is a problem document, and a malformed request names its fields. A
pharmacy's data (an imported rights file) is there, so that known structures, insurers
and people meet the generated values.

This is the regression guard for "bad input always gets a clear error": hand-written
tests cover each route's own cases; this one covers the inputs nobody thought of."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.result import Err
from schemathesis.generation.case import Case

from rempart.identity.permissions import Role
from rempart.shield.port import FixedBudgetShield
from rempart.shield.quotas import Limits, QuotaPolicy

from .factories import beneficiary_id_of
from .identity.web import ORIGIN
from .rights.test_check import Scene, open_scene

# Generated cases per operation and account: enough to reach every route's validation,
# its authorisation and its handler with values of every shape, in seconds.
EXAMPLES = 6
# RFC 6749 §5.2: the token endpoint answers errors in OAuth's own JSON shape.
OAUTH_ERRORS = frozenset({"POST /api/v1/oauth/token"})


def malformed(problem: dict[str, object]) -> bool:
    """An invalid input (or identifier), as against a refusal of a well-formed one."""
    return str(problem.get("type", "")).endswith(("/invalid-input", "/invalid-identifier"))


def named(problem: dict[str, object]) -> bool:
    """A malformed request's problem names its field (`field`) or fields (`fields`)."""
    return bool(problem.get("field") or problem.get("fields"))


@pytest.fixture(scope="module")
def accounts(scene: Scene) -> dict[str, uuid.UUID]:
    """An account of every role, attached to the scene's pharmacy, insurer and people."""
    web, line = scene.web, scene.lines[0]
    beneficiary = beneficiary_id_of(web.platform, line)
    finess = (scene.world.finess,)
    insurer = line.amc_number
    made = {
        Role.PROFESSIONAL: web.account(Role.PROFESSIONAL, "fuzz-pro", finess=finess),
        Role.STRUCTURE_ADMIN: web.account(Role.STRUCTURE_ADMIN, "fuzz-owner", finess=finess),
        Role.INSURER_STAFF: web.account(Role.INSURER_STAFF, "fuzz-insurer", amc_number=insurer),
        Role.INSURER_DPO: web.account(Role.INSURER_DPO, "fuzz-idpo", amc_number=insurer),
        Role.SECURITY_ANALYST: web.account(Role.SECURITY_ANALYST, "fuzz-analyst"),
        Role.PLATFORM_DPO: web.account(Role.PLATFORM_DPO, "fuzz-dpo"),
        Role.PLATFORM_ADMIN: web.account(Role.PLATFORM_ADMIN, "fuzz-admin"),
        Role.INSURED: web.account(Role.INSURED, "fuzz-insured", beneficiary_id=beneficiary),
    }
    return {role.value: account for role, account in made.items()}


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")
    found = open_scene(tmp_path, f"sqlite:///{tmp_path / 'rempart.sqlite3'}")
    # The quotas would rightly refuse a fuzzer after 60 checks a minute; the shield's
    # own behaviour has its tests.
    found.web.app.state.shield.close()
    found.web.app.state.shield = FixedBudgetShield(
        QuotaPolicy.everywhere(Limits(10**9, 10**9, 10**9))
    )
    return found


def problems_in(scene: Scene, role: str, account: uuid.UUID) -> tuple[list[str], Counter[int]]:
    """Every operation, `EXAMPLES` generated cases each, from a fresh session of the
    account (an operation may end its own session: signing out is one)."""
    schema = schemathesis.openapi.from_dict(scene.web.app.openapi())
    found: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            found.append(f"the schema holds an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()
        check = _checker(scene.web.signed_in(account), role, operation.label, found, statuses)
        settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy())(check))()
    return found, statuses


def _checker(
    browser: TestClient, role: str, label: str, found: list[str], statuses: Counter[int]
) -> Callable[[Case[Any]], None]:
    """Sends a generated case as the browser, and notes what its answer gets wrong."""

    def check(case: Case[Any]) -> None:
        sent = case.as_transport_kwargs(base_url=ORIGIN)
        answer = browser.request(
            sent["method"],
            sent["url"],
            headers={**browser.headers, **(sent.get("headers") or {})},
            params=sent.get("params"),
            **{k: sent[k] for k in ("json", "content", "files", "data") if k in sent},
        )
        statuses[answer.status_code] += 1
        what = f"{role} {label} -> {answer.status_code}: {answer.text[:200]}"
        if answer.status_code >= 500:
            found.append(what)
        elif answer.status_code >= 400:
            if label in OAUTH_ERRORS:
                if "error" not in answer.json():
                    found.append(f"not an OAuth error: {what}")
            elif not answer.headers["content-type"].startswith("application/problem+json"):
                found.append(f"not a problem document: {what}")
            elif malformed(answer.json()) and not named(answer.json()):
                found.append(f"a malformed request that names no field: {what}")

    return check


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_generated_requests_get_clear_answers_never_a_server_error(
    scene: Scene, accounts: dict[str, uuid.UUID], role: str
) -> None:
    found, statuses = problems_in(scene, role, accounts[role])
    assert not found, "\n".join(found[:20])
    # The generated requests reached past authentication and validation: some were
    # served, and some were refused by the authorisation matrix or the validation.
    assert statuses[200] + statuses[201] + statuses[204] > 0, statuses
    assert statuses[422] > 0, statuses
