"""The security analysts on duty: at regular intervals during their hours they read the
active containments (`list_containments`) and, once a containment is old enough to have
been looked into, lift those whose subject they find legitimate — two of them, one
asking and the other approving, through the shield's own use cases. They never lift
the compromised accounts of a scenario, nor a channel brake (the attack's cost stays
visible); a wrongly contained pharmacy gets its work back within the triage delay."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from rempart.kernel.errors import DomainError
from rempart.shield.lifting import approve_lift, list_containments, request_lift
from rempart.simulation.timeline import Timeline
from rempart.simulation.world import World, platform_actor

LIFTABLE = frozenset({"account", "structure"})


class Triage:
    def __init__(
        self,
        world: World,
        timeline: Timeline,
        *,
        first: datetime,
        until: datetime,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """Rounds from `first` to `until`; `keep`: subject references never lifted (the
        accounts an attacker holds)."""
        self.world, self.timeline, self.keep = world, timeline, keep
        self.lifted = 0
        p = world.params
        step = timedelta(minutes=p.triage_every_minutes)
        at = first
        while at < until:
            local = world.local(at)
            start, end = p.analyst_hours
            if local.weekday() in p.analyst_days and start <= local.hour < end:
                timeline.at(at, partial(self.round))
            at += step

    def round(self) -> None:
        world, now = self.world, self.timeline.now
        delay = timedelta(minutes=world.params.triage_delay_minutes)
        first, second = world.analysts
        asking = platform_actor(world.platform, first, world.session_policy)
        views = list_containments(uow=world.platform.uow(), actor=asking, shield=world.shield)
        due = [
            v
            for v in views
            if v.subject_kind in LIFTABLE
            and v.subject_ref not in self.keep
            and v.cause_id is None
            and v.pending_lift is None
            and now - v.created_at >= delay
        ]
        if not due:
            return
        approving = platform_actor(world.platform, second, world.session_policy)
        for view in due:
            try:
                asked = request_lift(
                    uow=world.platform.uow(),
                    actor=asking,
                    shield=world.shield,
                    containment_id=view.id,
                )
                approve_lift(
                    uow=world.platform.uow(),
                    actor=approving,
                    shield=world.shield,
                    lift_request_id=asked.id,
                )
            except DomainError:
                continue
            self.lifted += 1
