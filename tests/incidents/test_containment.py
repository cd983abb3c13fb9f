"""Containment from an incident: each step through the service that owns it, and on the
incident's decision log; a channel is closed only through real channel brakes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from rempart.bootstrap import Platform
from rempart.identity.client_models import ClientRow, ClientTokenRow
from rempart.identity.domain import AccountRequest
from rempart.identity.models import AccountRow, SessionRow
from rempart.identity.permissions import Actor, Channel, Role
from rempart.identity.service import approve_account, request_account
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.incidents import containment, service
from rempart.incidents.containment import KeyRotation
from rempart.incidents.domain import Closure, containment_step
from rempart.incidents.ports import ChannelBrakesUnavailable
from rempart.kernel.errors import Conflict, Forbidden, NotAvailable, NotFound
from rempart.shield.lifting import approve_lift, list_containments, request_lift
from rempart.shield.port import FixedBudgetShield
from tests.conftest import NOW

from ..identity.clientkit import Key
from ..identity.clientworld import World, build_world
from .support import build_scene

SHIELD = FixedBudgetShield()
_GHOST_A = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
_GHOST_B = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)


@dataclass
class RecordingBrakes:
    closed: list[tuple[Channel, str]] = field(default_factory=list)

    def close(self, channel: Channel, reason: str, *, actor: Actor) -> bool:
        self.closed.append((channel, reason))
        return True


@dataclass
class Team:
    platform: Platform
    world: World
    analyst: Actor
    incident_id: uuid.UUID
    professional: uuid.UUID

    def contain(
        self, kind: str, target: str | None, **kw: object
    ) -> containment.ContainmentOutcome:
        return containment.contain(
            uow_factory=self.platform.uow,
            actor=kw.pop("actor", self.analyst),  # type: ignore[arg-type]
            shield=SHIELD,
            incident_id=self.incident_id,
            step=containment_step(kind, target, "compromised"),
            **kw,  # type: ignore[arg-type]
        )

    def log(self) -> list[tuple[str, dict[str, object]]]:
        view = service.read_incident(
            uow=self.platform.uow(), actor=self.analyst, shield=SHIELD, incident_id=self.incident_id
        )
        return [(e.kind.value, e.details) for e in view.log]

    def live_sessions(self, account_id: uuid.UUID) -> int:
        with self.platform.uow() as uow:
            return len(
                uow.session.scalars(
                    select(SessionRow.id).where(
                        SessionRow.account_id == account_id, SessionRow.ended_at.is_(None)
                    )
                ).all()
            )


def _account(platform: Platform, role: Role, login: str, **kw: object) -> uuid.UUID:
    account_id = request_account(
        uow=platform.uow(),
        actor=_GHOST_A,
        request=AccountRequest(role, login, **kw),  # type: ignore[arg-type]
    )
    approve_account(uow=platform.uow(), actor=_GHOST_B, account_id=account_id)
    return account_id


@pytest.fixture
def team(platform: Platform) -> Team:
    world = build_world(platform)
    analyst = Actor(
        account_id=_account(platform, Role.SECURITY_ANALYST, "analyst@rempart.example"),
        role=Role.SECURITY_ANALYST,
    )
    incident_id = service.open_incident(
        uow=platform.uow(),
        actor=analyst,
        shield=SHIELD,
        kinds=["confidentiality"],
        description="A pharmacy's account and software misused",
        detected_at=NOW - timedelta(hours=1),
        controller_target=timedelta(hours=24),
    )
    professional = world.structure_admin.account_id
    for _ in range(2):
        open_session(
            uow=platform.uow(),
            account_id=professional,
            factor=Factor.PASSKEY,
            policy=SessionPolicy(),
        )
    return Team(platform, world, analyst, incident_id, professional)


def test_suspending_an_account_ends_its_sessions_and_is_logged(team: Team) -> None:
    assert team.live_sessions(team.professional) == 2
    outcome = team.contain("suspend_account", str(team.professional))
    assert (outcome.effect, outcome.seq) == ("done", 2)
    assert team.live_sessions(team.professional) == 0
    with team.platform.uow() as uow:
        account = uow.session.get(AccountRow, team.professional)
        assert account is not None
        assert account.status == "suspended"
    assert team.contain("suspend_account", str(team.professional)).effect == "already_in_effect"
    assert [d["effect"] for k, d in team.log() if k == "containment"] == [
        "done",
        "already_in_effect",
    ]


def test_two_analysts_reinstate_an_account_an_incident_suspended(team: Team) -> None:
    team.contain("suspend_account", str(team.professional))
    views = list_containments(uow=team.platform.uow(), actor=team.analyst, shield=SHIELD)
    (held,) = [v for v in views if v.subject_ref == str(team.professional)]
    assert held.rung == "suspend"
    second = Actor(
        account_id=_account(team.platform, Role.SECURITY_ANALYST, "lifter@rempart.example"),
        role=Role.SECURITY_ANALYST,
    )
    asked = request_lift(
        uow=team.platform.uow(), actor=team.analyst, shield=SHIELD, containment_id=held.id
    )
    with pytest.raises(Forbidden):  # the one who asked never approves alone
        approve_lift(
            uow=team.platform.uow(), actor=team.analyst, shield=SHIELD, lift_request_id=asked.id
        )
    approve_lift(uow=team.platform.uow(), actor=second, shield=SHIELD, lift_request_id=asked.id)
    with team.platform.uow() as uow:
        account = uow.session.get(AccountRow, team.professional)
        assert account is not None
        assert account.status == "active"


def test_ending_sessions_keeps_the_account(team: Team) -> None:
    outcome = team.contain("revoke_sessions", str(team.professional))
    assert outcome.detail == {"sessions_ended": 2}
    assert team.live_sessions(team.professional) == 0
    with team.platform.uow() as uow:
        account = uow.session.get(AccountRow, team.professional)
        assert account is not None
        assert account.status == "active"
    with pytest.raises(NotFound):
        team.contain("revoke_sessions", str(uuid.uuid4()))
    assert len(team.log()) == 2  # opened, and the one step carried out


def test_an_analyst_revokes_a_software_client_and_its_tokens(team: Team) -> None:
    client_id, client_key = team.world.active_client()
    team.world.token(client_id, client_key, Key())
    outcome = team.contain("revoke_client", str(client_id))
    assert outcome.effect == "done"
    with team.platform.uow() as uow:
        client = uow.session.get(ClientRow, client_id)
        assert client is not None
        assert client.status == "revoked"
        tokens = uow.session.scalars(
            select(ClientTokenRow).where(ClientTokenRow.client_id == client_id)
        ).all()
        assert tokens
        assert all(t.revoked_at is not None for t in tokens)
    assert team.contain("revoke_client", str(client_id)).effect == "already_in_effect"
    with pytest.raises(NotFound):
        team.contain("revoke_client", str(uuid.uuid4()))


def test_a_key_rotation_is_run_elsewhere_and_recorded_here(team: Team) -> None:
    recorded = team.contain("rotate_keys", None)
    assert recorded.effect == "recorded"
    assert recorded.detail == {"active_version": team.platform.vault.active_version}
    ran = team.contain("rotate_keys", None, rotation=KeyRotation(2, 2, 1234))
    assert ran.effect == "done"
    assert ran.detail == {"active_version": 2, "new_version": 2, "resealed": 1234}


def test_closing_a_channel_needs_real_brakes(team: Team) -> None:
    with pytest.raises(ChannelBrakesUnavailable, match="not available in this build"):
        team.contain("close_channel", "portal")
    assert len(team.log()) == 1  # nothing pretended
    brakes = RecordingBrakes()
    outcome = team.contain("close_channel", "portal", brakes=brakes)
    assert outcome.effect == "done"
    assert brakes.closed == [(Channel.PORTAL, "compromised")]
    assert team.log()[-1][1]["target"] == "portal"


def test_only_security_analysts_contain_and_never_a_closed_incident(team: Team) -> None:
    dpo = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_DPO)
    with pytest.raises(Forbidden):
        team.contain("rotate_keys", None, actor=dpo)
    service.close_incident(
        uow=team.platform.uow(),
        actor=team.analyst,
        shield=SHIELD,
        incident_id=team.incident_id,
        closure=Closure.NOT_A_BREACH,
        reason="false alarm",
    )
    with pytest.raises(Conflict, match="reopen"):
        team.contain("suspend_account", str(team.professional))
    assert team.live_sessions(team.professional) == 2


def test_the_route_closes_the_channel_with_the_shields_brake(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Wired to the shield: the portal reads nothing until two analysts lift the brake,
    while software keeps running; closing it twice says so."""
    scene = build_scene(tmp_path, sqlite_url, people=5)
    analyst = scene.browser(scene.analyst)
    opened = analyst.post(
        "/api/v1/incidents",
        json={
            "kinds": ["confidentiality"],
            "description": "Portal scraping",
            "detected_at": NOW.isoformat(),
        },
    )
    url = f"/api/v1/incidents/{opened.json()['id']}/containment"
    answer = analyst.post(url, json={"kind": "close_channel", "target": "portal", "reason": "x"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["effect"] == "done"
    again = analyst.post(url, json={"kind": "close_channel", "target": "portal", "reason": "x"})
    assert again.json().get("effect") == "already_in_effect", again.text
    braked = analyst.get("/api/v1/security/containments").json()
    assert any("portal" in str(row) for row in braked)
    bad = analyst.post(url, json={"kind": "close_channel", "target": "cli", "reason": "x"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "target"
    dpo = scene.browser(scene.dpo)
    assert dpo.post(url, json={"kind": "rotate_keys", "reason": "x"}).status_code == 403
    assert isinstance(ChannelBrakesUnavailable("x"), NotAvailable)
