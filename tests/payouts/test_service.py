"""The use cases on both backends: who may change a structure's bank account, how, and
what the payment run is told meanwhile."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from rempart.audit.domain import AuditTag, Outcome
from rempart.identity.domain import SecurityTag
from rempart.identity.permissions import Actor, Role, Strength
from rempart.identity.service import security_history
from rempart.kernel.errors import (
    Conflict,
    Forbidden,
    InvalidIdentifier,
    NotFound,
    StepUpRequired,
)
from rempart.kernel.identifiers import luhn_check_digit
from rempart.outbox.models import OutboxMessageRow
from rempart.payouts.domain import AccountStatus, HoldReason, Requester, Verdict
from rempart.payouts.models import BankAccountRow
from rempart.payouts.service import (
    BankAccountView,
    PayoutAccount,
    approve_bank_account_change,
    bank_account,
    cancel_bank_account_change,
    payout_account,
    request_bank_account_change,
)

from .support import BIC, COOLING_OFF, NEW_IBAN, NEWER_IBAN, Scene


def request(
    scene: Scene, actor: Actor, iban: str = NEW_IBAN, bic: str = BIC, structure: str = ""
) -> BankAccountView:
    return request_bank_account_change(
        uow=scene.platform.uow(),
        actor=actor,
        shield=scene.shield,
        structure=structure or scene.finess,
        iban=iban,
        bic=bic,
        cooling_off=COOLING_OFF,
    )


def approve(scene: Scene, actor: Actor, change_id: uuid.UUID) -> BankAccountView:
    return approve_bank_account_change(
        uow=scene.platform.uow(),
        actor=actor,
        shield=scene.shield,
        structure=scene.finess,
        change_id=change_id,
        cooling_off=COOLING_OFF,
    )


def cancel(scene: Scene, actor: Actor) -> BankAccountView:
    return cancel_bank_account_change(
        uow=scene.platform.uow(), actor=actor, shield=scene.shield, structure=scene.finess
    )


def paid(scene: Scene, finess: str = "") -> PayoutAccount:
    return payout_account(
        uow=scene.platform.uow(), structure_finess=finess or scene.finess, at=scene.clock.now()
    )


def test_with_no_change_the_onboarding_account_is_paid(scene: Scene) -> None:
    answer = paid(scene)
    assert answer.payable
    assert (str(answer.iban), answer.bic) == (scene.onboarding_iban, scene.onboarding_bic)
    view = bank_account(
        uow=scene.platform.uow(), actor=scene.admin, shield=scene.shield, structure=scene.finess
    )
    assert (view.current.last4, view.change, view.payments) == (
        scene.onboarding_iban[-4:],
        None,
        Verdict.PAY,
    )
    assert len(scene.audited(AuditTag.PAYOUTS_BANK_ACCOUNT_READ)) == 1


def test_a_structure_administrators_change_holds_payments_then_takes_effect(
    scene: Scene,
) -> None:
    requested_at = scene.clock.now()
    view = request(scene, scene.admin)
    assert view.change is not None
    assert (view.change.status, view.change.effective_at, view.payments) == (
        AccountStatus.COOLING_OFF,
        requested_at + COOLING_OFF,
        Verdict.HELD,
    )
    assert view.current.last4 == scene.onboarding_iban[-4:]  # still the old one, held

    scene.later(COOLING_OFF - timedelta(minutes=1))
    held = paid(scene)
    assert (held.verdict, held.reason, held.held_until, held.iban) == (
        Verdict.HELD,
        HoldReason.COOLING_OFF,
        requested_at + COOLING_OFF,
        None,  # not the old account either
    )
    scene.later(timedelta(minutes=1))
    released = paid(scene)
    assert (released.verdict, str(released.iban), released.bic) == (Verdict.PAY, NEW_IBAN, BIC)

    # The next write settles the stored statuses: the change becomes the active account.
    request(scene, scene.admin, NEWER_IBAN)
    with scene.platform.uow() as uow:
        statuses = sorted(uow.session.scalars(select(BankAccountRow.status)))
    assert statuses == [AccountStatus.ACTIVE, AccountStatus.COOLING_OFF]


def test_a_platform_administrators_change_waits_for_a_different_one(scene: Scene) -> None:
    view = request(scene, scene.first)
    assert view.change is not None
    assert (view.change.status, view.change.requester, view.change.effective_at) == (
        AccountStatus.PENDING_APPROVAL,
        Requester.PLATFORM_ADMIN,
        None,
    )
    scene.later(timedelta(days=10))
    held = paid(scene)
    assert (held.verdict, held.reason, held.held_until) == (
        Verdict.HELD,
        HoldReason.PENDING_APPROVAL,
        None,
    )

    with pytest.raises(Forbidden, match="second platform administrator"):
        approve(scene, scene.first, view.change.id)
    (refused,) = scene.audited(AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_APPROVED)
    assert refused.outcome == Outcome.REFUSED  # the attempt is on record
    with pytest.raises(NotFound):
        approve(scene, scene.second, uuid.uuid4())

    approved_at = scene.clock.now()
    view = approve(scene, scene.second, view.change.id)
    assert view.change is not None
    assert (view.change.status, view.change.effective_at) == (
        AccountStatus.COOLING_OFF,
        approved_at + COOLING_OFF,
    )
    scene.later(COOLING_OFF)
    assert str(paid(scene).iban) == NEW_IBAN

    # Both people find it in their security history.
    for actor in (scene.first, scene.second):
        tags = {e.tag for e in security_history(uow=scene.platform.uow(), actor=actor)}
        assert SecurityTag.IBAN_CHANGE_APPROVED in tags
    first_tags = {e.tag for e in security_history(uow=scene.platform.uow(), actor=scene.first)}
    assert SecurityTag.IBAN_CHANGE_REQUESTED in first_tags


def test_cancelling_during_the_cooling_off_resumes_payments_on_the_old_account(
    scene: Scene,
) -> None:
    request(scene, scene.admin)
    scene.later(timedelta(hours=1))
    view = cancel(scene, scene.analyst)
    assert (view.change, view.payments) == (None, Verdict.PAY)
    assert str(paid(scene).iban) == scene.onboarding_iban
    with pytest.raises(NotFound):
        cancel(scene, scene.admin)  # nothing under way any more
    with scene.platform.uow() as uow:
        row = uow.session.scalars(select(BankAccountRow)).one()
        assert (row.status, row.cancelled_by) == (
            AccountStatus.CANCELLED,
            scene.analyst.account_id,
        )
    assert len(scene.audited(AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_CANCELLED)) == 1
    topics = sorted(m.topic for m in scene.outbox())
    assert topics == [
        "security:bank_account:change_cancelled",  # an analyst acted: analysts are told
        "structure:bank_account:cancelled",
        "structure:bank_account:changed",
    ]


def test_a_change_in_effect_cannot_be_cancelled(scene: Scene) -> None:
    request(scene, scene.admin)
    scene.later(COOLING_OFF)
    with pytest.raises(NotFound):
        cancel(scene, scene.admin)
    assert str(paid(scene).iban) == NEW_IBAN


def test_a_new_request_supersedes_the_change_under_way_and_restarts_the_cooling_off(
    scene: Scene,
) -> None:
    first = request(scene, scene.admin)
    scene.later(timedelta(hours=70))
    second = request(scene, scene.admin, NEWER_IBAN)
    assert first.change is not None
    assert second.change is not None
    assert second.change.effective_at == scene.clock.now() + COOLING_OFF
    with scene.platform.uow() as uow:
        statuses = {row.id: row.status for row in uow.session.scalars(select(BankAccountRow))}
    assert statuses == {
        first.change.id: AccountStatus.SUPERSEDED,
        second.change.id: AccountStatus.COOLING_OFF,
    }
    scene.later(timedelta(hours=2))  # the first one's cooling-off would have run out
    assert paid(scene).verdict is Verdict.HELD
    notice = scene.outbox()[-1]
    assert "remplace la demande" in notice.body


def test_requesting_the_account_already_in_effect_or_under_way_is_refused(
    scene: Scene,
) -> None:
    with pytest.raises(Conflict):
        request(scene, scene.admin, scene.onboarding_iban, scene.onboarding_bic)
    request(scene, scene.admin)
    with pytest.raises(Conflict, match="already under way"):
        request(scene, scene.admin)
    assert scene.count(BankAccountRow) == 1


def test_only_the_structures_administrator_or_a_platform_administrator_asks(
    scene: Scene,
) -> None:
    professional = Actor(
        account_id=scene.world.structure_admin.account_id,
        role=Role.PROFESSIONAL,
        structures=frozenset({scene.finess}),
        authenticated_at=scene.clock.now(),
    )
    for stranger in (
        scene.stepped_up(scene.world.other_structure_admin),
        professional,
        scene.stepped_up(scene.analyst),
    ):
        with pytest.raises(Forbidden):
            request(scene, stranger)
    with pytest.raises(Forbidden):
        cancel(scene, scene.stepped_up(scene.world.other_structure_admin))
    with pytest.raises(Forbidden):
        cancel(scene, scene.first)  # platform administrators ask and approve, not cancel
    assert scene.count(BankAccountRow) == 0


def test_a_change_needs_a_fresh_phishing_resistant_factor(scene: Scene) -> None:
    stale = replace(
        scene.world.structure_admin, authenticated_at=scene.clock.now() - timedelta(minutes=6)
    )
    phishable = replace(scene.admin, strength=Strength.PHISHABLE)
    software = replace(scene.admin, client_id=uuid.uuid4(), channel="api")  # type: ignore[arg-type]
    for actor in (stale, phishable, software, replace(scene.first, authenticated_at=None)):
        with pytest.raises(StepUpRequired):
            request(scene, actor)
    view = request(scene, scene.first)
    assert view.change is not None
    with pytest.raises(StepUpRequired):
        approve(scene, replace(scene.second, strength=Strength.PHISHABLE), view.change.id)
    assert scene.count(BankAccountRow) == 1


@pytest.mark.parametrize(
    ("iban", "bic", "field"),
    [
        (NEW_IBAN[:-1] + ("0" if NEW_IBAN[-1] != "0" else "1"), BIC, "iban"),  # check digits
        ("US12345678901234567890", BIC, "iban"),  # outside SEPA
        ("FR76", BIC, "iban"),
        (NEW_IBAN, "BNPA", "bic"),
        (NEW_IBAN, "BNPAZZPP", "bic"),  # no such country
    ],
)
def test_bad_bank_details_are_refused_without_echo_and_nothing_is_written(
    scene: Scene, iban: str, bic: str, field: str
) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        request(scene, scene.admin, iban, bic)
    assert refused.value.field == field
    assert iban not in str(refused.value)
    assert len(iban) < 12 or iban[4:12] not in str(refused.value)
    assert (scene.count(BankAccountRow), scene.count(OutboxMessageRow)) == (0, 0)
    assert scene.audited(AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_REQUESTED) == []


def test_an_unknown_structure_is_not_found(scene: Scene) -> None:
    unknown = "75000000" + luhn_check_digit("75000000")
    with pytest.raises(NotFound):
        paid(scene, unknown)
    with pytest.raises(NotFound):
        request(scene, scene.first, structure=unknown)
    assert scene.count(BankAccountRow) == 0
