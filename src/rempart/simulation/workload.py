"""The legitimate workload: each working structure's day planned from its volume, the
day of the week, the season and its opening hours; night and Sunday duty; and at each
visit a counter that signs in to the portal with a passkey, checks the card through
`check_rights` (strangers and misread cards included), invoices through
`submit_invoice` a few minutes later, and meets the shield like a person would: waits
Retry-After on a 429, presents a passkey again when asked to step up, and stops for the
day when suspended. Every refusal is written in the ledger against its professional-day.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial

from rempart.audit.context import RequestContext, serving
from rempart.claims.domain import ClaimedLine
from rempart.claims.requests import InvoiceSubmission
from rempart.claims.service import submit_invoice
from rempart.identity.permissions import Actor
from rempart.kernel.errors import RateLimited, StepUpRequired
from rempart.registry.domain import (
    BeneficiaryStatement,
    CareCategory,
    Profession,
    RightsStatus,
    StructureKind,
)
from rempart.rights.domain import CareLine
from rempart.rights.requests import RightsCheckRequest
from rempart.rights.service import RightsAnswer, check_rights
from rempart.shield.domain import ChannelClosed, Suspended
from rempart.simulation.measure import Disruption, Ledger
from rempart.simulation.parameters import (
    OPTICAL_HOURS,
    PHARMACY_HOURS,
    PHARMACY_SATURDAY_HOURS,
    PRACTICE_HOURS,
)
from rempart.simulation.timeline import Timeline
from rempart.simulation.world import Professional, Site, World

PHARMACY_CATEGORIES = (CareCategory.PHARMACY_65, CareCategory.PHARMACY_30)
SESSION_LIFETIME = timedelta(hours=10)  # identity's absolute session limit


def card_request(
    line: BeneficiaryStatement, day: date, categories: tuple[CareCategory, ...]
) -> RightsCheckRequest:
    return RightsCheckRequest(
        insured_nir=line.insured_nir,
        birth_date=line.birth_date,
        birth_rank=line.birth_rank,
        amc_number=line.amc_number,
        member_number=line.member_number,
        agreement_type=line.agreement_type,
        date_of_care=day,
        categories=categories,
    )


def misread(
    line: BeneficiaryStatement, rng: random.Random, *, last_digit: bool = False
) -> BeneficiaryStatement:
    """The same card with one thing keyed wrong: the member number (keyed from the
    insurer's paper attestation when it is not scanned) with one digit wrong or two
    neighbouring digits swapped, or now and then the wrong birth rank picked.
    `last_digit`: the member number is always wrong in its last digit (the harsher
    model, `typo_last_digit`)."""
    member = line.member_number
    positions = [i for i, c in enumerate(member) if c.isdigit()]
    roll = rng.random()
    if roll < 0.1 or len(positions) < 2:
        return replace(line, birth_rank=2 if line.birth_rank == 1 else 1)
    chars = list(member)
    if last_digit:
        i = positions[-1]
        chars[i] = str((int(chars[i]) + rng.randint(1, 9)) % 10)
    elif roll < 0.7:
        i = rng.choice(positions)
        chars[i] = str((int(chars[i]) + rng.randint(1, 9)) % 10)
    else:
        i = rng.choice([k for k in positions if k + 1 in positions])
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    typed = "".join(chars)
    if typed == member:  # two equal digits swapped: the rank instead
        return replace(line, birth_rank=2 if line.birth_rank == 1 else 1)
    return replace(line, member_number=typed)


def open_on(line: BeneficiaryStatement, day: date) -> bool:
    return any(p.covers(day) and p.status is RightsStatus.OPEN for p in line.rights)


@dataclass
class Session:
    token: str
    actor: Actor
    opened: datetime
    last_used: datetime


class Counter:
    """One professional at their counter: their portal session, and the day they stopped
    (suspended: they call the helpdesk and work without the platform)."""

    def __init__(self, world: World, professional: Professional, site: Site) -> None:
        self.world = world
        self.professional = professional
        self.site = site
        self.context = RequestContext(
            request_id=None, address=site.address, user_agent=professional.device
        )
        self.session: Session | None = None
        self.stopped_on: date | None = None

    def actor(self, now: datetime, *, fresh: bool = False) -> Actor | None:
        """The actor of the counter's session; signs in again (passkey) after the idle
        limit, the absolute limit, or when asked to step up (`fresh`)."""
        idle = timedelta(minutes=self.world.params.session_idle_minutes)
        current = self.session
        if (
            fresh
            or current is None
            or now - current.last_used > idle
            or now - current.opened > SESSION_LIFETIME
        ):
            token, actor = self.world.sign_in(self.professional.account_id, self.context)
            if actor is None:
                self.session = None
                return None
            current = self.session = Session(token, actor, now, now)
        current.last_used = now
        return current.actor

    def stopped(self, now: datetime) -> bool:
        return self.stopped_on is not None and self.stopped_on == self.world.local(now).date()


class Workload:
    """The legitimate work of `sites` from `first` (a local day) on; `plan` schedules
    one day at a time on the timeline."""

    def __init__(
        self,
        world: World,
        timeline: Timeline,
        ledger: Ledger,
        rng: random.Random,
        sites: tuple[Site, ...],
    ) -> None:
        self.world = world
        self.params = world.params
        self.timeline = timeline
        self.ledger = ledger
        self.rng = rng
        self.sites = sites
        self.counters = {
            p.account_id: Counter(world, p, site) for site in sites for p in site.staff
        }
        self.invoice_numbers = 0
        for site in sites:
            if site.kind is StructureKind.PHARMACY:
                ledger.pharmacists.update(p.account_id for p in site.staff)
        population = world.population

        def current(family: int) -> bool:
            first = population.statements[population.families[family][0]]
            return open_on(first, world.attack_start.date())

        self.pools = {
            site.finess: [
                f
                for f in site.families
                if current(f) or rng.random() < self.params.lapsed_card_share
            ]
            for site in sites
        }

    # --- planning ---------------------------------------------------------------------

    def plan(self, first: date, days: int) -> None:
        for offset in range(days):
            day = first + timedelta(days=offset)
            self.timeline.at(self.world.at_local(day, 0), partial(self._plan_day, day))

    def _plan_day(self, day: date) -> None:
        p = self.params
        weekday = day.weekday()
        season = p.winter_factor if day.month in p.winter_months else 1.0
        for site in self.sites:
            profile = _profile(site.kind, weekday)
            if profile is None:
                continue
            factor = p.weekday_factor[weekday] * season
            for professional in site.staff:
                mean = professional.day_mean * factor
                count = max(0, round(self.rng.gauss(mean, p.day_noise * mean)))
                for hours in _instants(self.rng, profile, count):
                    self._schedule_visit(site, professional, day, hours)
        pharmacies = [s for s in self.sites if s.kind is StructureKind.PHARMACY and s.staff]
        if pharmacies and self.rng.random() < p.duty_night_probability:
            site = self.rng.choice(pharmacies)
            professional = self.rng.choice(site.staff)
            low, high = p.duty_night_checks
            for _ in range(round(self.rng.randint(low, high) * p.scale)):
                self._schedule_visit(site, professional, day, self.rng.uniform(20.0, 32.75))
        if pharmacies and weekday == 6 and self.rng.random() < p.duty_sunday_probability:
            site = self.rng.choice(pharmacies)
            professional = self.rng.choice(site.staff)
            low, high = p.duty_sunday_checks
            count = round(self.rng.randint(low, high) * p.scale)
            for hours in _instants(self.rng, PHARMACY_SATURDAY_HOURS, count):
                self._schedule_visit(site, professional, day, hours)

    def _schedule_visit(
        self, site: Site, professional: Professional, day: date, hours: float
    ) -> None:
        when = self.world.at_local(day, hours)
        self.timeline.at(when, partial(self._visit, site, professional))

    # --- a visit ----------------------------------------------------------------------

    def _visit(self, site: Site, professional: Professional) -> None:
        p, rng = self.params, self.rng
        population = self.world.population
        roll = rng.random()
        if roll < p.stranger_share:
            line = rng.choice(population.strangers)
            self._check(site, professional, line, 0)
            return
        family = population.families[rng.choice(self.pools[site.finess])]
        line = population.statements[rng.choice(family)]
        if roll < p.stranger_share + p.typo_share:
            self._check(site, professional, misread(line, rng, last_digit=p.typo_last_digit), 0)
            again = self.timeline.now + timedelta(seconds=rng.uniform(10, 60))
            self.timeline.at(again, partial(self._check, site, professional, line, 0))
        else:
            self._check(site, professional, line, 0)
        if len(family) > 1 and rng.random() < p.second_member_share:
            other = population.statements[rng.choice(family)]
            later = self.timeline.now + timedelta(seconds=rng.uniform(30, 120))
            self.timeline.at(later, partial(self._check, site, professional, other, 0))

    def _check(
        self, site: Site, professional: Professional, line: BeneficiaryStatement, attempt: int
    ) -> None:
        counter = self.counters[professional.account_id]
        now = self.timeline.now
        record = self.ledger.day(professional.account_id, now)
        if attempt == 0:
            record.checks += 1
        if counter.stopped(now):
            return  # already disrupted today: the counter works without the platform
        actor = counter.actor(now)
        if actor is None:
            self._stop(counter, now)
            return
        request = card_request(line, now.date(), _categories(professional))
        try:
            with serving(counter.context):
                answer = check_rights(
                    uow=self.world.platform.uow(),
                    actor=actor,
                    shield=self.world.shield,
                    request=request,
                )
        except RateLimited as refusal:
            self.ledger.refused(professional.account_id, now, Disruption.THROTTLED)
            if attempt < self.params.retries:
                retry = now + timedelta(seconds=refusal.retry_after + self.rng.uniform(0, 5))
                self.timeline.at(retry, partial(self._check, site, professional, line, attempt + 1))
            return
        except StepUpRequired:
            self.ledger.refused(professional.account_id, now, Disruption.STEPPED_UP)
            if attempt < self.params.retries and counter.actor(now, fresh=True) is not None:
                retry = now + timedelta(seconds=self.rng.uniform(10, 30))
                self.timeline.at(retry, partial(self._check, site, professional, line, attempt + 1))
            return
        except (Suspended, ChannelClosed):
            self._stop(counter, now)
            return
        record.answered += 1
        self._maybe_invoice(site, professional, line, answer)

    def _stop(self, counter: Counter, now: datetime) -> None:
        self.ledger.refused(counter.professional.account_id, now, Disruption.SUSPENDED)
        counter.stopped_on = self.world.local(now).date()

    # --- the invoice ------------------------------------------------------------------

    def _maybe_invoice(
        self,
        site: Site,
        professional: Professional,
        line: BeneficiaryStatement,
        answer: RightsAnswer,
    ) -> None:
        if answer.accreditation_id is None:
            return
        p = self.params
        share, (low, high) = {
            StructureKind.PHARMACY: (p.invoice_share_pharmacy, p.invoice_delay_pharmacy),
            StructureKind.OPTICAL_SHOP: (p.invoice_share_optical, p.invoice_delay_optical),
        }.get(site.kind, (p.invoice_share_practice, p.invoice_delay_practice))
        if self.rng.random() >= share:
            return
        now = self.timeline.now
        self.invoice_numbers += 1
        submission = InvoiceSubmission(
            invoice_number=f"S{self.invoice_numbers:09d}",
            date_of_care=now.date(),
            lines=_lines(professional, self.rng),
            accreditation_id=answer.accreditation_id,
        )
        key = f"range-{uuid.UUID(int=self.rng.getrandbits(128)).hex}"
        when = now + timedelta(minutes=self.rng.uniform(low, high))
        self.timeline.at(when, partial(self._invoice, professional, submission, key, 0))

    def _invoice(
        self, professional: Professional, submission: InvoiceSubmission, key: str, attempt: int
    ) -> None:
        counter = self.counters[professional.account_id]
        now = self.timeline.now
        if counter.stopped(now):
            return
        actor = counter.actor(now)
        if actor is None:
            self._stop(counter, now)
            return
        try:
            with serving(counter.context):
                submit_invoice(
                    uow=self.world.platform.uow(),
                    actor=actor,
                    shield=self.world.shield,
                    submission=submission,
                    idempotency_key=key,
                )
        except RateLimited as refusal:
            self.ledger.refused(professional.account_id, now, Disruption.THROTTLED)
            if attempt < self.params.retries:
                retry = now + timedelta(seconds=refusal.retry_after + self.rng.uniform(0, 60))
                self.timeline.at(
                    retry, partial(self._invoice, professional, submission, key, attempt + 1)
                )
            return
        except StepUpRequired:
            self.ledger.refused(professional.account_id, now, Disruption.STEPPED_UP)
            if attempt < self.params.retries and counter.actor(now, fresh=True) is not None:
                self.timeline.at(
                    now + timedelta(seconds=20),
                    partial(self._invoice, professional, submission, key, attempt + 1),
                )
            return
        except (Suspended, ChannelClosed):
            self._stop(counter, now)
            return
        self.ledger.day(professional.account_id, now).invoices += 1


def _profile(kind: StructureKind, weekday: int) -> tuple[float, ...] | None:
    """The hour weights of a working day, None when closed."""
    if kind is StructureKind.PHARMACY:
        return PHARMACY_HOURS if weekday < 5 else PHARMACY_SATURDAY_HOURS if weekday == 5 else None
    if kind is StructureKind.OPTICAL_SHOP:
        return OPTICAL_HOURS if 1 <= weekday <= 5 else None
    return PRACTICE_HOURS if weekday < 5 else None


def _instants(rng: random.Random, profile: tuple[float, ...], count: int) -> list[float]:
    """`count` local hours of the day (fractional), drawn by the hour weights."""
    hours = [h for h, w in enumerate(profile) if w > 0]
    weights = [profile[h] for h in hours]
    if not hours or count <= 0:
        return []
    chosen = rng.choices(hours, weights=weights, k=count)
    return [h + rng.random() for h in chosen]


def _categories(professional: Professional) -> tuple[CareCategory, ...]:
    return {
        Profession.PHARMACIST: PHARMACY_CATEGORIES,
        Profession.GENERAL_PRACTITIONER: (CareCategory.GENERAL_PRACTITIONER,),
        Profession.NURSE: (CareCategory.GENERAL_PRACTITIONER,),
        Profession.OPTICIAN: (CareCategory.OPTICAL_FREE_PRICE,),
    }.get(professional.profession, (CareCategory.SPECIALIST,))


def _lines(professional: Professional, rng: random.Random) -> tuple[ClaimedLine, ...]:
    """What the software invoices after the check: 1-3 drugs at a pharmacy (65%, 30% or
    100% AMO rate), a consultation at a practice (the EUR 2 participation deducted from
    the AMO share), a pair of glasses at an optical shop."""
    if professional.profession is Profession.PHARMACIST:
        lines = []
        for n in range(rng.choice((1, 1, 2, 2, 3))):
            category, rate = rng.choice(
                (
                    (CareCategory.PHARMACY_65, 6500),
                    (CareCategory.PHARMACY_65, 6500),
                    (CareCategory.PHARMACY_30, 3000),
                    (CareCategory.PHARMACY_100, 10_000),
                )
            )
            price, boxes = rng.randrange(150, 4000), rng.choice((1, 1, 2))
            code = f"34009{rng.randrange(10**7):07d}{n}"
            amo = price * boxes * rate // 10_000
            lines.append(ClaimedLine(CareLine(category, code, boxes, price, price, rate, amo)))
        return tuple(lines)
    if professional.profession is Profession.OPTICIAN:
        price = rng.randrange(9_000, 45_000)
        care = CareLine(CareCategory.OPTICAL_FREE_PRICE, "2203240", 1, price, 500, 6000, 300)
        return (ClaimedLine(care),)
    category = _categories(professional)[0]
    price = 3000 if category is CareCategory.GENERAL_PRACTITIONER else 5000
    care = CareLine(
        category, "G" if price == 3000 else "APC", 1, price, price, 7000, price * 7 // 10, 200
    )
    return (ClaimedLine(care),)
