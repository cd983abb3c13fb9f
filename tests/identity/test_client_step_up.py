"""Software at the shield's step-up rung: refused with a DPoP step-up challenge until the
professional it acts for confirms it in the portal with a phishing-resistant factor;
the confirmation counts for that client, that RPPS and that DPoP key, for a while."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rempart.audit.models import AuditRecordRow
from rempart.identity.client_models import ClientStepUpRow
from rempart.identity.client_step_up import (
    CODE_ALPHABET,
    CONFIRMATION_LIFETIME,
    STEP_UP_REQUEST,
    parse_user_code,
    presence_confirmed,
    purge_step_ups,
)
from rempart.identity.domain import SecurityTag
from rempart.identity.permissions import Actor, Channel, Role
from rempart.kernel.errors import InvalidInput, StepUpRequired
from rempart.shield.containment import escalate
from rempart.shield.domain import Rung, Subject, Suspended

from ..shield.ladder_scene import Scene, build_scene, card
from .clientkit import Key
from .web import ORIGIN

CHECKS = "/api/v1/rights/checks"
ASK = "/api/v1/clients/step-up-requests"
PAGE = "/pro/confirm-software"


class Software:
    """The pharmacy's software: a token bound to its DPoP key, acting for the member."""

    def __init__(self, scene: Scene, dpop: Key | None = None, address: str = "testclient") -> None:
        self.scene = scene
        self.dpop = dpop or Key()
        self.address = address  # where it calls from
        self.token = scene.world.token(scene.client_id, scene.client_key, self.dpop).access_token

    def post(self, url: str, body: dict[str, Any] | None = None) -> Any:
        browser = self.scene.web.browser(self.address)
        return browser.post(url, json=body, headers=self.signed("POST", url))

    def get(self, url: str, params: dict[str, str]) -> Any:
        browser = self.scene.web.browser(self.address)
        return browser.get(url, params=params, headers=self.signed("GET", url))

    def signed(self, method: str, url: str) -> dict[str, str]:
        """The headers of one call: the token, a fresh DPoP proof, the acting RPPS."""
        now = self.scene.web.clock.now()
        return {
            "Authorization": f"DPoP {self.token}",
            "DPoP": self.dpop.proof(method, ORIGIN + url, now=now, access_token=self.token),
            "Rempart-Acting-RPPS": self.scene.world.member_rpps,
        }

    def check(self) -> Any:
        return self.post(CHECKS, card(self.scene.lines[0]))

    def ask(self) -> str:
        asked = self.post(ASK)
        assert asked.status_code == 201, asked.text
        code: str = asked.json()["user_code"]
        return code


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Scene:
    return build_scene(tmp_path, database_url, beneficiaries=10)


def _climb(scene: Scene, subject: Subject, rung: Rung = Rung.STEP_UP) -> None:
    with scene.web.platform.uow() as uow:
        assert escalate(uow, subject=subject, rung=rung, evidence="test") is not None
        uow.commit()


def _confirm(scene: Scene, code: str, account: Any = None) -> Any:
    browser = scene.web.signed_in(account or scene.world.structure_admin.account_id)
    return browser.post(PAGE, data={"user_code": code})


def _actor(scene: Scene, dpop: Key) -> Actor:
    """The software's actor, as `authenticate_client_call` gives it."""
    return Actor(
        account_id=scene.client_id,
        role=Role.PROFESSIONAL,
        structures=frozenset({scene.world.finess}),
        channel=Channel.API,
        rpps=scene.world.member_rpps,
        client_id=scene.client_id,
        dpop_jkt=dpop.thumbprint(),
    )


def _refused_for_step_up(answer: Any) -> bool:
    kind: str = answer.json()["type"]
    return answer.status_code == 401 and kind.endswith("/step-up-required")


@pytest.mark.parametrize("level", ["client", "structure"])
def test_software_at_the_step_up_rung_passes_once_its_professional_confirms_it(
    scene: Scene, level: str
) -> None:
    software = Software(scene)
    assert software.check().status_code == 200
    subject = (
        Subject.client(scene.client_id)
        if level == "client"
        else Subject.structure(scene.world.finess)
    )
    _climb(scene, subject)

    refused = software.check()
    assert _refused_for_step_up(refused)
    challenge = refused.headers["WWW-Authenticate"]
    assert challenge.startswith('DPoP error="insufficient_user_authentication"')
    assert "algs=" in challenge
    assert f"max_age={int(CONFIRMATION_LIFETIME.total_seconds())}" in challenge
    assert refused.json()["step_up_uri"] == ASK

    asked = software.post(ASK)  # the rung never refuses the way out of it
    assert asked.status_code == 201, asked.text
    shown = asked.json()
    assert shown["verification_uri"] == ORIGIN + PAGE
    assert shown["expires_in"] == 600
    letters = shown["user_code"].replace("-", "")
    assert len(letters) == 8
    assert set(letters) <= set(CODE_ALPHABET)

    page = scene.web.signed_in(scene.world.structure_admin.account_id).get(PAGE)
    assert page.status_code == 200
    assert 'name="user_code"' in page.text
    confirmed = _confirm(scene, shown["user_code"].lower())  # as typed: case does not matter
    assert confirmed.status_code == 200, confirmed.text
    assert "data-software-confirmed" in confirmed.text
    assert "Officine Logiciel 4.2" in confirmed.text

    assert software.check().status_code == 200
    assert SecurityTag.CLIENT_STEP_UP_CONFIRMED in scene.security_events(
        scene.world.structure_admin.account_id
    )
    with scene.web.platform.uow() as uow:
        requested = uow.session.scalars(
            select(AuditRecordRow.client_id).where(
                AuditRecordRow.tag == SecurityTag.CLIENT_STEP_UP_REQUESTED
            )
        ).all()
    assert requested == [scene.client_id]  # on record, as the client (no account)


def test_a_confirmation_counts_for_that_dpop_key_and_for_fifteen_minutes(scene: Scene) -> None:
    software = Software(scene)
    _climb(scene, Subject.client(scene.client_id))
    assert _confirm(scene, software.ask()).status_code == 200
    assert software.check().status_code == 200

    # The client's key copied elsewhere, used with a DPoP key of the thief's own.
    assert _refused_for_step_up(Software(scene).check())

    scene.tick(minutes=14)
    assert Software(scene, software.dpop).check().status_code == 200
    scene.tick(minutes=2)
    assert _refused_for_step_up(Software(scene, software.dpop).check())


def test_a_confirmation_counts_only_for_the_rpps_the_software_named(scene: Scene) -> None:
    software = Software(scene)
    assert _confirm(scene, software.ask()).status_code == 200
    with scene.web.platform.uow() as uow:
        (requested_by,) = uow.session.scalars(
            select(AuditRecordRow.actor_rpps).where(
                AuditRecordRow.tag == SecurityTag.CLIENT_STEP_UP_REQUESTED
            )
        ).all()
    acting = _actor(scene, software.dpop)
    assert requested_by == acting.rpps
    assert presence_confirmed(uow=scene.web.platform.uow(), actor=acting)
    other = replace(acting, rpps=scene.world.outsider_rpps)
    assert not presence_confirmed(uow=scene.web.platform.uow(), actor=other)


def test_only_the_named_professional_confirms_and_a_code_works_once(scene: Scene) -> None:
    software = Software(scene)
    _climb(scene, Subject.client(scene.client_id))
    code = software.ask()
    # Another professional of the pharmacy, one of another structure, one without RPPS.
    colleague = scene.web.account(
        Role.PROFESSIONAL, "colleague", finess=(scene.world.finess,), rpps="10000000015"
    )
    elsewhere = scene.web.account(
        Role.PROFESSIONAL, "elsewhere", finess=(scene.world.other_finess,), rpps="10000000023"
    )
    answers = [_confirm(scene, code, who) for who in (colleague, elsewhere, scene.pro)]
    answers.append(_confirm(scene, "BCDF-GHJK"))  # nobody's code
    assert {a.status_code for a in answers} == {422}
    details = {re.sub(r"<[^>]+>|\s+", " ", a.text.split("data-problem", 1)[1]) for a in answers}
    assert len(details) == 1  # one answer for all: nothing tells whose code it was
    assert _refused_for_step_up(software.check())

    assert _confirm(scene, code).status_code == 200
    assert _confirm(scene, code).status_code == 422  # used
    with scene.web.platform.uow() as uow:
        refused = uow.session.scalars(
            select(AuditRecordRow.outcome).where(
                AuditRecordRow.tag == SecurityTag.CLIENT_STEP_UP_CONFIRMED
            )
        ).all()
    assert sorted(refused) == ["allowed"] + ["not_found"] * 5  # every try is on record


def test_codes_expire_and_a_new_one_voids_the_last(scene: Scene) -> None:
    software = Software(scene)
    first = software.ask()
    second = software.ask()
    assert _confirm(scene, first).status_code == 422
    scene.tick(minutes=11)
    assert _confirm(scene, second).status_code == 422
    assert _confirm(scene, Software(scene, software.dpop).ask()).status_code == 200


def test_asking_for_a_code_skips_the_step_up_rung_only(scene: Scene) -> None:
    """The way out of the rung is counted and contained like any call: a suspension
    refuses it too. People never ask (the route is software's)."""
    shield = scene.web.app.state.shield
    software = _actor(scene, Key())
    now = scene.web.clock.now()
    _climb(scene, Subject.client(scene.client_id))
    shield.admit(actor=software, action=STEP_UP_REQUEST, structure=None, now=now)
    with pytest.raises(StepUpRequired):
        shield.admit(actor=software, action="rights.check", structure=None, now=now)
    _climb(scene, Subject.client(scene.client_id), Rung.SUSPEND)
    with pytest.raises(Suspended):
        shield.admit(actor=software, action=STEP_UP_REQUEST, structure=None, now=now)
    person = scene.web.signed_in(scene.world.structure_admin.account_id)
    assert person.post(ASK).status_code == 403


@pytest.mark.parametrize("typed", ["bcdf-ghjk", " BCDF GHJK ", "BCDFGHJK"])
def test_a_code_is_read_as_people_type_it(typed: str) -> None:
    assert parse_user_code(typed) == "BCDFGHJK"


@pytest.mark.parametrize("typed", ["", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GH1K"])
def test_a_malformed_code_names_its_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_user_code(typed)
    assert refused.value.field == "user_code"


def test_someone_else_asking_for_codes_does_not_void_the_software_s(scene: Scene) -> None:
    software, thief = Software(scene), Software(scene)  # the same client, another DPoP key
    code = software.ask()
    for _ in range(3):
        thief.ask()
    assert _confirm(scene, code).status_code == 200


def test_both_calls_count_against_the_structure_too(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    admitted: list[tuple[str, str | None]] = []
    shield = scene.web.app.state.shield
    admit = shield.admit

    def counted(**kwargs: Any) -> None:
        admitted.append((kwargs["action"], kwargs["structure"]))
        admit(**kwargs)

    monkeypatch.setattr(shield, "admit", counted)
    _confirm(scene, Software(scene).ask())
    assert admitted == [
        (STEP_UP_REQUEST, scene.world.finess),
        ("identity.step_up_confirmation", scene.world.finess),
    ]


def test_old_requests_are_purged_and_recent_ones_kept(scene: Scene) -> None:
    Software(scene).ask()
    assert purge_step_ups(uow=scene.web.platform.uow()) == 0
    scene.tick(days=31)
    Software(scene).ask()
    assert purge_step_ups(uow=scene.web.platform.uow()) == 1
    with scene.web.platform.uow() as uow:
        assert len(uow.session.scalars(select(ClientStepUpRow.id)).all()) == 1


def _from(scene: Scene, address: str) -> TestClient:
    """The professional's browser, signed in with a passkey, on the network `address`."""
    return scene.web.signed_in(scene.world.structure_admin.account_id, address=address)


def test_a_code_asked_from_another_network_is_confirmed_only_knowingly(scene: Scene) -> None:
    """The relayed-code scam: a thief with the client key asks for a code from their own
    network and reads it out to the pharmacist over the phone."""
    thief = Software(scene)
    _climb(scene, Subject.client(scene.client_id))
    code = thief.ask()  # from the test client's address
    pharmacist = _from(scene, "203.0.113.7")
    warned = pharmacist.post(PAGE, data={"user_code": code})
    assert warned.status_code == 200
    assert "data-software-elsewhere" in warned.text
    assert "data-software-confirmed" not in warned.text
    assert "Officine Logiciel 4.2" in warned.text  # what asked, for them to judge
    assert _refused_for_step_up(thief.check())  # nothing confirmed yet
    before = len(scene.alerts())
    confirmed = pharmacist.post(PAGE, data={"user_code": code, "elsewhere": "accepted"})
    assert "data-software-confirmed" in confirmed.text
    alerts = scene.alerts()[before:]
    assert [a.code for a in alerts] == ["identity.client.step-up-confirmed-elsewhere"]
    assert alerts[0].subject_ref == str(scene.client_id)


def test_a_code_asked_and_confirmed_from_the_same_network_needs_no_second_step(
    scene: Scene,
) -> None:
    software = Software(scene)
    counter = _from(scene, "testclient")  # the software's own address here
    confirmed = counter.post(PAGE, data={"user_code": software.ask()})
    assert "data-software-confirmed" in confirmed.text
