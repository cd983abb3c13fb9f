"""What the quotas see, read back from the audit log and aggregated: rights checks and
invoices per hour over the last 24 hours, the busiest structures, accounts and software
clients against their quota limits, and a professional's own checks per hour. Counts
only: no person checked is named, and the records are counted where they already are
(every call the shield admits is on record in the same transaction as its answer), so
the figures hold on every worker and backend.

The busiest subjects are ranked by the calls they were served, as the quotas count them:
every data-serving call shares one budget, so a scraper paging through invoices or
member lookups weighs as much as one checking cards. A call served is a record of an
actor (an account or a software client) on the portal, the software API or the insurer
portal, except the identity feature's own records (sign-in, sessions, factors,
approvals: throttled by the sign-in rules, not the quotas) other than the identity calls
the shield admits (`identity.domain.ADMITTED_TAGS`). A call the quotas refused is on no
record and counts in neither. It is close to the quotas' count, not equal: a bank
account change approved by a second person writes two records, and a call the quotas
counted without a structure is charged to the actor's structure here.

The quota store itself keeps opaque keys (`quotas.subject_key`) and is not listed; the
log is the place where "who used how much" can be answered without loosening that."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from rempart.audit.domain import AuditTag
from rempart.audit.models import AuditRecordRow
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.domain import ADMITTED_TAGS
from rempart.identity.permissions import Actor, Channel, Permission, Target, authorize
from rempart.shield.port import Shield
from rempart.shield.quotas import QuotaPolicy
from rempart.shield.tags import ShieldTag

HOURS = 24
TOP = 10  # the busiest subjects shown (the quotas' concern is the few near their limits)
CHECKS = (AuditTag.RIGHTS_CHECK_ANSWERED.value, AuditTag.RIGHTS_CHECK_REFUSED.value)
# The claims' tags for an invoice taken in, accepted or not (`claims.domain.ClaimsTag`,
# which the shield does not import: claims builds on the shield).
INVOICES = ("claims:invoice:received", "claims:invoice:rejected")
SERVING_CHANNELS = (Channel.PORTAL.value, Channel.API.value, Channel.INSURER.value)


@dataclass(frozen=True, slots=True)
class HourlyCounts:
    first: datetime  # the start of the oldest hour (UTC); the current hour is last
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Use:
    """One subject's calls served against its quota limits."""

    kind: str  # "structure" | "account" | "client"
    reference: str  # the FINESS, the account's id or the software client's id
    last_hour: int
    last_day: int
    per_hour: int
    per_day: int


@dataclass(frozen=True, slots=True)
class PlatformActivity:
    checks: HourlyCounts
    invoices: HourlyCounts
    structures: tuple[Use, ...]
    accounts: tuple[Use, ...]
    clients: tuple[Use, ...]


def platform_activity(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, policy: QuotaPolicy | None = None
) -> PlatformActivity:
    """For the security analysts: the platform's checks and invoices per hour and its
    busiest structures, accounts and software clients (the quotas' limits from `policy`,
    the app's by default)."""
    authorize(actor, Permission.ALERT_READ, Target.platform())
    shield.admit(actor=actor, action="security.activity", structure=None, now=uow.clock.now())
    limits = policy or QuotaPolicy()
    with uow:
        now = uow.clock.now()
        checks = _per_hour(uow, now)
        invoices = _per_hour(uow, now, tags=INVOICES)
        structures = _busiest(uow, now, AuditRecordRow.structure_finess)
        accounts = _busiest(uow, now, AuditRecordRow.actor_account_id)
        clients = _busiest(uow, now, AuditRecordRow.client_id)
        record_action(uow, tag=ShieldTag.ACTIVITY_READ, actor=actor)
        uow.commit()
    return PlatformActivity(
        checks,
        invoices,
        tuple(
            Use(
                "structure",
                str(ref),
                hour,
                day,
                limits.structure.per_hour,
                limits.structure.per_day,
            )
            for ref, hour, day in structures
        ),
        tuple(
            Use("account", str(ref), hour, day, limits.actor.per_hour, limits.actor.per_day)
            for ref, hour, day in accounts
        ),
        tuple(
            Use("client", str(ref), hour, day, limits.client.per_hour, limits.client.per_day)
            for ref, hour, day in clients
        ),
    )


def own_checks_per_hour(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> HourlyCounts:
    """A professional's own rights checks per hour (their security history page): what
    their account did, as the platform recorded it."""
    authorize(actor, Permission.SECURITY_HISTORY_READ, Target.own_account(actor))
    shield.admit(actor=actor, action="security.own_activity", structure=None, now=uow.clock.now())
    with uow:
        counts = _per_hour(
            uow, uow.clock.now(), AuditRecordRow.actor_account_id == actor.account_id
        )
        record_action(uow, tag=ShieldTag.OWN_ACTIVITY_READ, actor=actor)
        uow.commit()
    return counts


def _first_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)


def _checks(
    since: datetime, *where: ColumnElement[bool], tags: tuple[str, ...] = CHECKS
) -> ColumnElement[bool]:
    return and_(AuditRecordRow.at >= since, AuditRecordRow.tag.in_(tags), *where)


def _per_hour(
    uow: UnitOfWork, now: datetime, *where: ColumnElement[bool], tags: tuple[str, ...] = CHECKS
) -> HourlyCounts:
    """One pass over the window (the `at` index), one sum per hour: the same statement
    on SQLite and PostgreSQL, no date functions of either."""
    first = _first_hour(now)
    hours = [first + timedelta(hours=i) for i in range(HOURS + 1)]
    sums = [
        func.coalesce(
            func.sum(case((and_(AuditRecordRow.at >= start, AuditRecordRow.at < end), 1), else_=0)),
            0,
        )
        for start, end in itertools.pairwise(hours)
    ]
    row = uow.session.execute(select(*sums).where(_checks(first, *where, tags=tags))).one()
    return HourlyCounts(first, tuple(int(n) for n in row))


def _served(since: datetime, *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """The calls served since `since`, as the quotas count them (module docstring)."""
    return and_(
        AuditRecordRow.at >= since,
        AuditRecordRow.channel.in_(SERVING_CHANNELS),
        # Someone called: the platform's own records (a containment the shield wrote
        # while serving a request) were admitted by no quota.
        or_(AuditRecordRow.actor_account_id.is_not(None), AuditRecordRow.client_id.is_not(None)),
        or_(
            AuditRecordRow.tag.not_like("identity:%"),
            AuditRecordRow.tag.in_(sorted(ADMITTED_TAGS)),
        ),
        *where,
    )


def _busiest(
    uow: UnitOfWork, now: datetime, subject: InstrumentedAttribute[Any]
) -> list[tuple[object, int, int]]:
    hour_ago = now - timedelta(hours=1)
    last_hour = func.sum(case((AuditRecordRow.at >= hour_ago, 1), else_=0))
    last_day = func.count()
    query = (
        select(subject, last_hour, last_day)
        .where(_served(now - timedelta(days=1), subject.is_not(None)))
        .group_by(subject)
        .order_by(last_day.desc(), subject)
        .limit(TOP)
    )
    return [(ref, int(hour or 0), int(day)) for ref, hour, day in uow.session.execute(query)]
