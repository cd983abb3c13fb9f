"""The app's shield: containment first, then quotas, on every data-serving request;
detection after each lookup and on the other features' hooks; the ladder's next rung
when a risk calls for it.

Per request: one indexed read of the containment table (the subjects' rungs and the
channel's brake), the quota script, and after the lookup one batch of feature-store
operations; the database is written only when a rung is climbed. Shared state is in
the database (containments, alerts) and the feature store (Redis when configured): a
worker keeps nothing the others need, only a short-lived cache of directory facts (a
structure's kind and size, a professional's profession: peer groups)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import bindparam, func, select

from rempart.audit.context import current_request
from rempart.db.bulk import read
from rempart.db.uow import UnitOfWork
from rempart.identity.client_step_up import (
    CONFIRMATION_LIFETIME,
    STEP_UP_REQUEST,
    STEP_UP_REQUEST_PATH,
    confirmed_here,
    known_key,
    presence_confirmed,
)
from rempart.identity.factors import require_recent_strong_factor
from rempart.identity.permissions import Actor, Channel, Role
from rempart.kernel.errors import RateLimited, StepUpRequired
from rempart.registry.models import MembershipRow, ProfessionalRow, StructureRow
from rempart.shield import containment
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, AlertSink, LoggingAlertSink, Severity
from rempart.shield.domain import ChannelClosed, Rung, Subject, Suspended
from rempart.shield.engine import Detection
from rempart.shield.features import Card, trait
from rempart.shield.installations import Caller, Recognition, recognise, trust
from rempart.shield.models import HoneytokenRow
from rempart.shield.observations import Assessment, DetectionPolicy, Sighting
from rempart.shield.port import Quotas
from rempart.shield.quotas import SubjectKind, epoch_ms
from rempart.shield.store import FeatureStore
from rempart.vault.cipher import Vault

STEP_UP_MAX_AGE = timedelta(minutes=5)  # the step-up rung: a factor this fresh
INSURER_ROLES = frozenset({Role.INSURER_STAFF, Role.INSURER_DPO})
# Suspensions on one channel within an hour that put its brake on by themselves. The
# professional portal is where the 2024 breaches came in; the software API carries the
# pharmacies' daily work, so there the shield only alerts (an analyst decides).
AUTO_BRAKE_AFTER = {Channel.PORTAL.value: 5}
RECOMMEND_BRAKE_AFTER = 5
# Actions of the people responding to an incident: a brake never locks them out.
RESPONSE_ACTIONS = ("security.", "incidents.")
PLATFORM_IBAN_CODE = "shield.platform.iban-burst"
_GROUP_TTL_MS = 3_600_000
_HONEYTOKEN = select(HoneytokenRow.beneficiary_id).where(
    HoneytokenRow.beneficiary_id == bindparam("id")
)


def channel_of(actor: Actor) -> str:
    """Insurer staff reach the platform through the insurer portal."""
    if actor.channel is Channel.PORTAL and actor.role in INSURER_ROLES:
        return Channel.INSURER.value
    return actor.channel.value


def subject_of(actor: Actor) -> Subject:
    if actor.client_id is not None:
        return Subject.client(actor.client_id)
    return Subject.account(actor.account_id)


class Sentinel:
    def __init__(
        self,
        *,
        quotas: Quotas,
        store: FeatureStore,
        uow: Callable[[], UnitOfWork],
        policy: DetectionPolicy | None = None,
        alerts: AlertSink | None = None,
        step_up_max_age: timedelta = STEP_UP_MAX_AGE,
    ) -> None:
        self.quotas = quotas
        self.detection = Detection(store, policy)
        self._uow = uow
        self._alerts = alerts or LoggingAlertSink()
        self.step_up_max_age = step_up_max_age
        self._groups: dict[str, tuple[int, str | None]] = {}
        self._groups_lock = threading.Lock()

    @property
    def policy(self) -> DetectionPolicy:
        return self.detection.policy

    def close(self) -> None:
        wait = getattr(self._alerts, "wait", None)
        if callable(wait):
            wait()
        for part in (self.quotas, self.detection.store):
            close = getattr(part, "close", None)
            if callable(close):
                close()

    # --- before: containment, then quotas ------------------------------------------------

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
        if action.startswith(RESPONSE_ACTIONS):
            # The security pages and the incident register: counted, never braked (the
            # analysts who respond, and release a brake, come in through the portal).
            self.quotas.admit(actor=actor, action=action, structure=None, now=now, address=address)
            return
        who = subject_of(actor)
        where = Subject.structure(structure) if structure else None
        channel = Subject.channel(channel_of(actor))
        rungs = containment.standing(self._uow().engine, [s for s in (who, where, channel) if s])
        if channel in rungs:
            raise ChannelClosed(f"the {channel.ref} channel reads nothing for now")
        own = rungs.get(who, Rung.NONE)
        shared = rungs.get(where, Rung.NONE) if where else Rung.NONE
        if own.at_least(Rung.SUSPEND) or shared.at_least(Rung.SUSPEND):
            raise Suspended("access is suspended: a security analyst reviews it")
        throttled = frozenset(
            kind
            for kind, rung in ((SubjectKind.ACTOR, own), (SubjectKind.STRUCTURE, shared))
            if rung.at_least(Rung.THROTTLE)
        )
        stepping_up = own.at_least(Rung.STEP_UP) or shared.at_least(Rung.STEP_UP)
        now_ms = epoch_ms(now)
        seen = self._recognised(actor, now_ms)
        stranger = seen is not None and seen[1] is Recognition.STRANGER
        try:
            # Asking for the professional's confirmation is how software answers the
            # rung, and another installation of its key: counted and contained like
            # any call, never asked for a step-up.
            if (stepping_up or stranger) and action != STEP_UP_REQUEST:
                self._require_step_up(actor, now)
            self.quotas.admit(
                actor=actor,
                action=action,
                structure=structure,
                now=now,
                address=address,
                new_account=new_account,
                throttled=throttled,
            )
        except (RateLimited, StepUpRequired) as refused:
            # Another installation waiting for its confirmation is refused every call:
            # counted against the client, that would contain the pharmacy's own
            # installation too (its codes are what counts, below).
            if not (stranger and not stepping_up and isinstance(refused, StepUpRequired)):
                assessment = self.detection.refusal(who, now_ms)
                self._settle(None, [assessment], actor, now)
            raise
        if (
            seen is not None
            and action != STEP_UP_REQUEST
            # Served: a stranger got here only through a professional's confirmation,
            # which anchors its key unless given past the "another network" warning.
            and (not stranger or confirmed_here(uow=self._uow(), actor=actor))
        ):
            trust(self.detection.store, self._uow, *seen, now_ms=now_ms)
        if (
            (stepping_up or stranger)
            and action == STEP_UP_REQUEST
            and actor.client_id is not None
            and not known_key(uow=self._uow(), actor=actor)
        ):
            # A DPoP key no professional confirmed today asking for a way out of the
            # rung: a copy of the client key keeps asking (detectors.events).
            assessment = self.detection.unconfirmed_code(who, now_ms)
            self._settle(None, [assessment], actor, now)

    def _recognised(self, actor: Actor, now_ms: int) -> tuple[Caller, Recognition] | None:
        """Software: the installation the call came from, and how its client knows it
        (shield.installations)."""
        if actor.client_id is None or actor.dpop_jkt is None:
            return None
        address = current_request().address
        with self._uow() as uow:
            key = _digest(uow.vault, f"key|{actor.dpop_jkt}")
            place = _digest(uow.vault, f"address|{address}") if address else None
            engine = uow.engine
        caller = Caller(actor.client_id, actor.dpop_jkt, key, place)
        return caller, recognise(self.detection.store, engine, caller, now_ms)

    def _require_step_up(self, actor: Actor, now: datetime) -> None:
        """A person presents a phishing-resistant factor again; software needs the
        professional it acts for to have confirmed it lately (identity.client_step_up)."""
        if actor.channel is not Channel.API:
            require_recent_strong_factor(
                actor, now_seconds=now.timestamp(), max_age=self.step_up_max_age
            )
            return
        if presence_confirmed(uow=self._uow(), actor=actor):
            return
        raise StepUpRequired(
            f"the professional at the counter must confirm this software: POST "
            f"{STEP_UP_REQUEST_PATH} for a code, which they type in the portal",
            max_age=int(CONFIRMATION_LIFETIME.total_seconds()),
            scheme="DPoP",
            step_up_uri=STEP_UP_REQUEST_PATH,
        )

    # --- after: what the lookup gave -----------------------------------------------------

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
        digest = partial(_digest, uow.vault)

        request = current_request()
        now_ms = epoch_ms(now)
        group = self._group(uow, structure, now_ms) if structure else None
        actor_group = group
        if group is not None and actor.rpps:
            # People are compared with their own profession in structures of the size.
            profession = self._profession(uow, actor.rpps, now_ms)
            actor_group = f"{profession}/{group.rsplit('/', 1)[-1]}" if profession else group
        # On the driver (db.bulk.read): the ORM's execution of this one-row probe cost
        # more than the rest of the observation's database work.
        honeytoken = beneficiary_id is not None and bool(
            read(uow.connection(), _HONEYTOKEN, {"id": beneficiary_id})
        )
        who = subject_of(actor)
        sighting = Sighting(
            actor=who,
            structure=Subject.structure(structure) if structure else None,
            actor_group=actor_group,
            structure_group=group,
            trait=trait(card, matched=matched, digest=digest) if card else None,
            matched=matched,
            accredited=accredited,
            honeytoken=honeytoken,
            address=digest(f"address|{request.address}") if request.address else None,
            device=digest(f"device|{request.user_agent}") if request.user_agent else None,
            session=digest(f"session|{actor.session_id}") if actor.session_id else None,
        )
        self._settle(uow, self.detection.lookup(sighting, now_ms), actor, now)

    # --- hooks of other features ----------------------------------------------------------

    def observe_invoice(
        self, *, structure: str, now: datetime, accreditation_id: uuid.UUID | None = None
    ) -> None:
        self.detection.invoice(Subject.structure(structure), epoch_ms(now))

    def observe_iban_change(
        self, *, actor: Actor, structure: str, now: datetime, uow: UnitOfWork | None = None
    ) -> None:
        now_ms = epoch_ms(now)
        found = [
            self.detection.iban_change(Subject.structure(structure), now_ms),
            self.detection.iban_change(subject_of(actor), now_ms),
        ]
        recent = self.detection.platform_iban_changes(now_ms)
        burst = recent if recent == self.policy.bursts.platform_iban_per_hour else 0
        self._settle(uow, found, actor, now, platform_iban=burst)

    def observe_account_request(
        self, *, actor: Actor, now: datetime, uow: UnitOfWork | None = None
    ) -> None:
        bursts = self.policy.bursts
        factor = {
            Role.PLATFORM_ADMIN: bursts.platform_admin_factor,
            Role.INSURER_STAFF: bursts.insurer_factor,
        }.get(actor.role, 1.0)
        found = [
            self.detection.account_request(subject_of(actor), factor=factor, now_ms=epoch_ms(now))
        ]
        self._settle(uow, found, actor, now)

    def observe_access_report(
        self,
        *,
        accessor_account: uuid.UUID | None,
        accessor_client: uuid.UUID | None,
        structure: str | None,
        now: datetime,
        uow: UnitOfWork | None = None,
    ) -> None:
        now_ms = epoch_ms(now)
        subjects = [
            Subject.client(accessor_client) if accessor_client else None,
            Subject.account(accessor_account) if accessor_account else None,
            Subject.structure(structure) if structure else None,
        ]
        found = [self.detection.access_report(s, now_ms) for s in subjects if s is not None]
        self._settle(uow, found, None, now)

    # --- the ladder ------------------------------------------------------------------------

    def state(self, subject: Subject, now: datetime) -> Assessment:
        """A subject's remembered signals and risk (tests, simulations)."""
        return self.detection.state(subject, epoch_ms(now))

    def forget(self, subject: Subject, now: datetime) -> None:
        """After a lift: the subject's signals are forgotten and a grace period begins."""
        self.detection.lifted(subject, epoch_ms(now))

    def _settle(
        self,
        uow: UnitOfWork | None,
        assessments: list[Assessment],
        actor: Actor | None,
        now: datetime,
        platform_iban: int = 0,
    ) -> None:
        """Climb the ladder where a risk calls for a rung above the known one; without
        the caller's unit of work, in one of its own (only when there is something to
        write)."""
        ladder = self.policy.ladder
        due = [(a, a.rung(ladder)) for a in assessments]
        due = [(a, rung) for a, rung in due if rung.level > a.hint.level]
        if not due and not platform_iban:
            return
        if uow is None:
            with self._uow() as own:
                self._settle(own, assessments, actor, now, platform_iban)
                own.commit()
            return
        now_ms = epoch_ms(now)
        if platform_iban:
            store_alert(
                uow,
                Alert(
                    PLATFORM_IBAN_CODE,
                    Severity.HIGH,
                    f"{platform_iban} IBAN change requests across the platform in an hour",
                    subject_kind="platform",
                ),
            )
        for assessment, rung in due:
            subject = assessment.risk.subject
            rows = containment.active_rungs(uow, [subject])
            known = rows.get(subject, Rung.NONE)
            if known.level < rung.level:
                containment.escalate_for(uow, assessment.risk, rung)
                if rung is Rung.SUSPEND and actor is not None:
                    self._maybe_brake(uow, channel_of(actor), now_ms)
            self.detection.contained(subject, max(known, rung, key=lambda r: r.level), now_ms)

    def _maybe_brake(self, uow: UnitOfWork, channel: str, now_ms: int) -> None:
        count = self.detection.suspensions(channel, now_ms)
        limit = AUTO_BRAKE_AFTER.get(channel)
        evidence = f"{count} suspensions on the {channel} channel within an hour"
        if limit is not None and count >= limit:
            containment.escalate(
                uow, subject=Subject.channel(channel), rung=Rung.BRAKE, evidence=evidence
            )
        elif count == RECOMMEND_BRAKE_AFTER:
            store_alert(
                uow,
                Alert(
                    "shield.channel.brake-recommended",
                    Severity.CRITICAL,
                    evidence + ": consider PUT /api/v1/security/brakes/" + channel,
                    subject_kind="channel",
                    subject_ref=channel,
                ),
            )

    def _cached(self, key: str, now_ms: int) -> tuple[bool, str | None]:
        with self._groups_lock:
            cached = self._groups.get(key)
        if cached is not None and cached[0] > now_ms:
            return True, cached[1]
        return False, None

    def _remember(self, key: str, value: str | None, now_ms: int) -> None:
        with self._groups_lock:
            if len(self._groups) > 50_000:
                self._groups.clear()
            self._groups[key] = (now_ms + _GROUP_TTL_MS, value)

    def _profession(self, uow: UnitOfWork, rpps: str, now_ms: int) -> str | None:
        known, profession = self._cached(f"rpps:{rpps}", now_ms)
        if not known:
            profession = uow.session.scalar(
                select(ProfessionalRow.profession).where(ProfessionalRow.rpps == rpps)
            )
            self._remember(f"rpps:{rpps}", profession, now_ms)
        return profession

    def _group(self, uow: UnitOfWork, finess: str, now_ms: int) -> str | None:
        """The structure's peer group, "<kind>/<size>" (size by its number of
        professionals), from the directory; cached an hour in this process."""
        known, cached = self._cached(f"finess:{finess}", now_ms)
        if known:
            return cached
        row = uow.session.execute(
            select(StructureRow.kind, func.count(MembershipRow.professional_id))
            .outerjoin(MembershipRow, MembershipRow.structure_id == StructureRow.id)
            .where(StructureRow.finess == finess)
            .group_by(StructureRow.kind)
        ).first()
        group = None
        if row is not None:
            kind, members = row
            size = "small" if members <= 2 else "medium" if members <= 6 else "large"
            group = f"{kind}/{size}"
        self._remember(f"finess:{finess}", group, now_ms)
        return group


def _digest(vault: Vault, text: str) -> str:
    """A keyed digest the feature store keeps instead of an address, a device or a key."""
    return vault.pseudonym("shield", text).rsplit("_", 1)[-1]
