"""How a process builds its shield (the web app and the operators' commands alike), and
the shield's channel brakes as the incident flow closes a channel."""

from __future__ import annotations

from collections.abc import Callable

from rempart.bootstrap import Platform
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Channel
from rempart.kernel.errors import Conflict
from rempart.settings import Settings
from rempart.shield.alerting import StoredAlertSink
from rempart.shield.lifting import apply_brake
from rempart.shield.port import FixedBudgetShield, Shield
from rempart.shield.quotas import QuotaPolicy
from rempart.shield.redis_quotas import RedisShield
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.sentinel import Sentinel
from rempart.shield.store import LocalFeatureStore


def build_shield(settings: Settings, platform: Platform) -> Sentinel:
    """Containment, quotas and detectors. With Redis, quotas and detector features are
    shared by every worker (each falls back to a conservative local share, never
    unlimited, when Redis does not answer); without, they are kept in this process.
    Alerts are logged, stored and sent to the analysts through the outbox."""
    alerts = StoredAlertSink(platform.uow)
    if settings.redis_url is None:
        return Sentinel(
            quotas=FixedBudgetShield(), store=LocalFeatureStore(), uow=platform.uow, alerts=alerts
        )
    url = settings.redis_url.get_secret_value()
    return Sentinel(
        quotas=RedisShield(
            url, QuotaPolicy(), fallback_share=1 / settings.shield_workers, alerts=alerts
        ),
        store=RedisFeatureStore(url, alerts=alerts),
        uow=platform.uow,
        alerts=alerts,
    )


class ShieldChannelBrakes:
    """Closing a whole channel from an incident is the shield's brake, put on by the
    analyst who executes the containment step (two analysts lift it, as any brake)."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], shield: Shield) -> None:
        self._uow = uow_factory
        self._shield = shield

    def close(self, channel: Channel, reason: str, *, actor: Actor) -> bool:
        """True when braked now, False when the channel was braked already."""
        try:
            apply_brake(uow=self._uow(), actor=actor, shield=self._shield, channel=channel.value)
        except Conflict:
            return False
        return True
