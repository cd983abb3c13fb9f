"""The shield port: every use case that serves personal data asks it first (`admit`),
and tells it what happened once the outcome is known (`observe`); other features tell it
about invoices, IBAN changes, account requests and "this wasn't me" reports (the hooks).

`Sentinel` (`rempart.shield.sentinel`) is the app's shield: quotas, detectors and the
containment ladder. `FixedBudgetShield` is quotas only, kept in this process: the shield
of benchmarks and of tests that need no detection. Both are deliberately conservative —
never unlimited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from rempart.audit.context import current_request
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor
from rempart.shield.domain import Subject
from rempart.shield.features import Card
from rempart.shield.quotas import (
    ACCOUNT_REQUEST,
    LocalQuotas,
    QuotaPolicy,
    SubjectKind,
    epoch_ms,
    plan,
)

__all__ = ["ACCOUNT_REQUEST", "Card", "FixedBudgetShield", "Quotas", "Shield", "admit"]


class Quotas(Protocol):
    """Quota accounting alone (`FixedBudgetShield`, `RedisShield`)."""

    def admit(
        self,
        *,
        actor: Actor,
        action: str,
        structure: str | None,
        now: datetime,
        address: str | None = None,
        new_account: bool = False,
        throttled: frozenset[SubjectKind] = frozenset(),
    ) -> None: ...


class Shield(Protocol):
    def admit(
        self,
        *,
        actor: Actor,
        action: str,
        structure: str | None,
        now: datetime,
        address: str | None = None,
        new_account: bool = False,
    ) -> None:
        """Return to go on; raise to refuse: RateLimited (429), StepUpRequired (401),
        Suspended or ChannelClosed (403). `address` is the client's address when the
        caller knows it; `new_account` gives a new account less."""
        ...

    def observe(
        self,
        *,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        structure: str | None,
        now: datetime,
        matched: bool,
        beneficiary_id: uuid.UUID | None = None,
        accredited: bool = False,
        card: Card | None = None,
    ) -> None:
        """After a lookup, in the use case's unit of work, before its commit (so that a
        containment it decides commits with the read, or not at all): whether the card
        matched a beneficiary (and which: honeytokens), whether an accreditation was
        issued, and the card as read (turned into keyed digests at once, never kept)."""
        ...

    def observe_invoice(
        self, *, structure: str, now: datetime, accreditation_id: uuid.UUID | None = None
    ) -> None:
        """An invoice of `structure` was accepted (call it after the invoice commits).
        Feeds the checks-without-invoice detector; never refuses anything."""
        ...

    def observe_iban_change(
        self, *, actor: Actor, structure: str, now: datetime, uow: UnitOfWork | None = None
    ) -> None:
        """`actor` asked to change the IBAN of `structure`. With `uow`, a containment it
        decides joins the caller's transaction (the caller commits); without, call it
        after the commit and the shield commits its own."""
        ...

    def observe_account_request(
        self, *, actor: Actor, now: datetime, uow: UnitOfWork | None = None
    ) -> None:
        """`actor` requested a new account (bursts of account creation)."""
        ...

    def observe_access_report(
        self,
        *,
        accessor_account: uuid.UUID | None,
        accessor_client: uuid.UUID | None,
        structure: str | None,
        now: datetime,
        uow: UnitOfWork | None = None,
    ) -> None:
        """An insured person said "this wasn't me" about an access by this account or
        software client, for this structure."""
        ...

    def forget(self, subject: Subject, now: datetime) -> None:
        """After two analysts lifted a containment: the subject's remembered signals are
        dropped and a grace period begins (only critical signals contain it again)."""
        ...


def admit(
    shield: Shield, uow: UnitOfWork, actor: Actor, action: str, structure: str | None = None
) -> None:
    """The shield's admission of a use case's call, from the request being served (its
    client address) and the unit of work's clock: what every audited read or write asks
    before it touches anything."""
    shield.admit(
        actor=actor,
        action=action,
        structure=structure,
        address=current_request().address,
        now=uow.clock.now(),
    )


class FixedBudgetShield:
    """Quotas kept in this process, no detection: every observation is ignored."""

    def __init__(self, policy: QuotaPolicy | None = None) -> None:
        self.policy = policy or QuotaPolicy()
        self._quotas = LocalQuotas()

    def close(self) -> None:
        return None

    def admit(
        self,
        *,
        actor: Actor,
        action: str,
        structure: str | None,
        now: datetime,
        address: str | None = None,
        new_account: bool = False,
        throttled: frozenset[SubjectKind] = frozenset(),
    ) -> None:
        checks = plan(
            self.policy,
            actor=actor,
            structure=structure,
            address=address,
            new_account=new_account,
            throttled=throttled,
            action=action,
        )
        self._quotas.admit(checks, epoch_ms(now))

    def observe(
        self,
        *,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        structure: str | None,
        now: datetime,
        matched: bool,
        beneficiary_id: uuid.UUID | None = None,
        accredited: bool = False,
        card: Card | None = None,
    ) -> None:
        return None

    def observe_invoice(
        self, *, structure: str, now: datetime, accreditation_id: uuid.UUID | None = None
    ) -> None:
        return None

    def observe_iban_change(
        self, *, actor: Actor, structure: str, now: datetime, uow: UnitOfWork | None = None
    ) -> None:
        return None

    def observe_account_request(
        self, *, actor: Actor, now: datetime, uow: UnitOfWork | None = None
    ) -> None:
        return None

    def observe_access_report(
        self,
        *,
        accessor_account: uuid.UUID | None,
        accessor_client: uuid.UUID | None,
        structure: str | None,
        now: datetime,
        uow: UnitOfWork | None = None,
    ) -> None:
        return None

    def forget(self, subject: Subject, now: datetime) -> None:
        return None
