"""What the range measures: each professional-day of the legitimate workload (checks,
invoices, refusals), what an attacker's answers carried, and the shield's containments
and alerts, read back from the database the scenario ran on."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rempart.bootstrap import Platform
from rempart.registry.domain import BeneficiaryStatement
from rempart.rights.eligibility import CheckStatus
from rempart.rights.service import RightsAnswer
from rempart.shield.models import AlertRow, ContainmentRow


class Disruption(StrEnum):
    THROTTLED = "throttled"  # 429: a quota, or the throttle rung's tenth of it
    STEPPED_UP = "stepped_up"  # 401: a passkey asked again
    SUSPENDED = "suspended"  # 403: the account, its structure or the channel closed
    CONTAINED = "contained"  # the account or structure stood on a rung that day


@dataclass
class ProfessionalDay:
    checks: int = 0  # lookups attempted
    answered: int = 0
    invoices: int = 0
    disruptions: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class LegitFigures:
    professional_days: int
    disrupted_days: int
    disruptions: dict[str, int]
    checks: int
    answered: int
    invoices: int
    pharmacy_checks: int
    pharmacy_invoices: int
    containments: int  # containment rows on the workload's accounts and structures
    alerts: int
    software_checks: int = 0  # of `checks`, those sent through counter software

    @property
    def disrupted_share(self) -> float:
        return self.disrupted_days / self.professional_days if self.professional_days else 0.0

    @property
    def pharmacy_invoice_ratio(self) -> float:
        return self.pharmacy_invoices / self.pharmacy_checks if self.pharmacy_checks else 0.0


class Ledger:
    """Per professional (account) and local day."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.days: dict[tuple[uuid.UUID, date], ProfessionalDay] = {}
        self.pharmacists: set[uuid.UUID] = set()
        self.through_software: set[uuid.UUID] = set()  # professionals at a software's counter

    def day(self, account_id: uuid.UUID, at: datetime) -> ProfessionalDay:
        key = (account_id, at.astimezone(self.zone).date())
        found = self.days.get(key)
        if found is None:
            found = self.days[key] = ProfessionalDay()
        return found

    def refused(self, account_id: uuid.UUID, at: datetime, kind: Disruption) -> None:
        self.day(account_id, at).disruptions[kind.value] += 1

    def figures(
        self,
        *,
        contained: set[tuple[uuid.UUID, date]],
        containments: int,
        alerts: int,
        exclude: frozenset[uuid.UUID] = frozenset(),
    ) -> LegitFigures:
        """`contained`: the professional-days on which the account, its structure or
        its channel stood on a rung at some moment (disrupted, even if no request met
        the rung). `exclude`: accounts an attacker held (their owner's disruption is no
        false positive)."""
        worked = disrupted = checks = answered = invoices = pharmacy_checks = 0
        pharmacy_invoices = software_checks = 0
        kinds: Counter[str] = Counter()
        for (account_id, day), record in self.days.items():
            if account_id in exclude or record.checks == 0:
                continue
            worked += 1
            checks += record.checks
            answered += record.answered
            invoices += record.invoices
            if account_id in self.pharmacists:
                pharmacy_checks += record.checks
                pharmacy_invoices += record.invoices
            if account_id in self.through_software:
                software_checks += record.checks
            found = Counter(record.disruptions)
            if (account_id, day) in contained:
                found[Disruption.CONTAINED.value] += 1
            if found:
                disrupted += 1
                kinds.update(dict.fromkeys(found, 1))
        return LegitFigures(
            worked,
            disrupted,
            dict(sorted(kinds.items())),
            checks,
            answered,
            invoices,
            pharmacy_checks,
            pharmacy_invoices,
            containments,
            alerts,
            software_checks,
        )


# --- what an answer carries ---------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9]+")


def identity_values(person: BeneficiaryStatement) -> dict[str, str]:
    """The identity fields of a person, as text an answer could carry."""
    values = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "insured_nir": person.insured_nir,
        "birth_date": person.birth_date,
        "member_number": person.member_number,
    }
    if person.beneficiary_nir:
        values["beneficiary_nir"] = person.beneficiary_nir
    return values


def identity_fields_disclosed(answer: RightsAnswer, person: BeneficiaryStatement) -> int:
    """How many of the person's identity fields the answer carries: every value of the
    answer, serialised as the API would, is cut into words and compared with each field
    (names, NIRs, birth date as on the card, member number; names by word). The answer's
    own fields are a status, a reason, a validity period, guarantees and an
    accreditation: this should always be 0."""
    text = json.dumps(dataclasses.asdict(answer), default=str)
    words = {w.upper() for w in _TOKEN.findall(text)}
    found = 0
    for name, value in identity_values(person).items():
        parts = [p.upper() for p in _TOKEN.findall(value) if len(p) >= 3]
        if not parts:
            continue
        if name in ("last_name", "first_name"):
            hit = any(p in words for p in parts)
        else:
            hit = "".join(parts) in words
        found += 1 if hit else 0
    return found


def is_record(answer: RightsAnswer) -> bool:
    """An answer that tells something about a person: rights open or closed."""
    return answer.status is not CheckStatus.NO_MATCHING_RIGHTS


# --- the shield's traces --------------------------------------------------------------------


@dataclass(frozen=True)
class Containment:
    subject_kind: str
    subject_ref: str
    rung: str
    detector: str | None
    created_at: datetime
    escalated_at: datetime
    lifted_at: datetime | None
    evidence: str


def containments(platform: Platform, since: datetime | None = None) -> list[Containment]:
    with platform.uow() as uow:
        query = select(ContainmentRow).order_by(ContainmentRow.created_at)
        if since is not None:
            query = query.where(ContainmentRow.escalated_at >= since)
        return [
            Containment(
                row.subject_kind,
                row.subject_ref,
                row.rung,
                row.detector,
                row.created_at,
                row.escalated_at,
                row.lifted_at,
                row.evidence,
            )
            for row in uow.session.scalars(query)
        ]


def alerts(platform: Platform, since: datetime | None = None) -> list[str]:
    """Codes of the alerts raised since `since`, oldest first."""
    with platform.uow() as uow:
        query = select(AlertRow.code).order_by(AlertRow.created_at)
        if since is not None:
            query = query.where(AlertRow.created_at >= since)
        return list(uow.session.scalars(query))


def alerts_about(platform: Platform, subject_ref: str) -> int:
    """Alerts whose subject is this account, client, structure or channel."""
    with platform.uow() as uow:
        found = uow.session.scalars(select(AlertRow.id).where(AlertRow.subject_ref == subject_ref))
        return len(found.all())
