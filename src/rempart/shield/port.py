"""The shield port: every use case that serves personal data asks it first, with who is
asking and for what. It answers by returning (go on) or raising `RateLimited`.

`FixedBudgetShield` is the adapter of a single process (and of development): the quotas
of `rempart.shield.quotas`, kept in this process. It is deliberately conservative —
never unlimited — but, being per process, several workers each grant their own budget:
deployments with several workers set REMPART_REDIS_URL and get `RedisShield`, whose
shared budget degrades to the same local code, at a share of the budget, when Redis does
not answer."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from rempart.identity.permissions import Actor
from rempart.shield.quotas import LocalQuotas, QuotaPolicy, epoch_ms, plan


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
        """Return to go on; raise RateLimited to refuse. `address` is the client's
        address when the caller knows it; `new_account` gives a new account less."""
        ...


class FixedBudgetShield:
    def __init__(self, policy: QuotaPolicy | None = None) -> None:
        self.policy = policy or QuotaPolicy()
        self._quotas = LocalQuotas()

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
        checks = plan(
            self.policy,
            actor=actor,
            structure=structure,
            address=address,
            new_account=new_account,
        )
        self._quotas.admit(checks, epoch_ms(now))
