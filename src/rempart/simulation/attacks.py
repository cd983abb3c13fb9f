"""The attack scenarios, each with a compromised actor driving the real use cases from
an address and a browser of its own.

- `replay-2024`: one phished pharmacist account scraping as fast as it is let, through a
  leaked identity list (real card tuples of the synthetic France, some of people held
  elsewhere, honeytokens among them when the list was copied from insurers' data).
- `slow-scraper`: the same list, paced under every quota and the cadence detector.
- `distributed`: the list spread over several compromised pharmacist accounts.
- `enumeration`: partial identities leaked earlier (NIR, birth date, insurer, no member
  number), member numbers guessed next to known ones.
- `rogue-admin`: a compromised platform administrator requesting accounts.
- `iban-takeover`: a pharmacy owner's account taken over to have the pharmacy paid on
  the attacker's account.
- `stolen-client-key` (in `simulation.software`): a copy of a pharmacy's software key,
  used with a DPoP key of the thief's own.

Every attacker meets the shield as a script would: it waits Retry-After, presents its
stolen factor again when asked to step up (an e-CPS obtained by a phone scam: the worst
case), and stops only when its account, its structure or its channel is closed."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from rempart.audit.context import RequestContext, serving
from rempart.identity.domain import AccountRequest
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import approve_account, request_account
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.kernel.errors import Conflict, DomainError, RateLimited, StepUpRequired
from rempart.payouts.domain import Verdict
from rempart.payouts.service import (
    cancel_bank_account_change,
    payout_account,
    request_bank_account_change,
)
from rempart.registry.domain import BeneficiaryStatement, Profession
from rempart.registry.generator import synthetic_bank_details
from rempart.rights.service import check_rights
from rempart.shield.domain import ChannelClosed, Suspended
from rempart.simulation.measure import alerts_about, identity_fields_disclosed, is_record
from rempart.simulation.timeline import Timeline
from rempart.simulation.workload import PHARMACY_CATEGORIES, card_request
from rempart.simulation.world import (
    ATTACKER_ADDRESS,
    ATTACKER_AGENT,
    Professional,
    World,
    platform_actor,
)


@dataclass
class Attacker:
    """What one compromised actor did and got."""

    account_id: uuid.UUID
    answered: list[datetime] = field(default_factory=list)  # instants of answered lookups
    # The cards whose answers told something about someone: what an incident opened
    # after the attack must scope, exactly (the incident replay test compares them).
    disclosed: list[BeneficiaryStatement] = field(default_factory=list)
    records: int = 0  # answers about someone: rights open or closed
    open_records: int = 0  # with guarantees and an accreditation
    identity_fields: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    stopped_at: datetime | None = None  # when it first met a closed door
    stopped_by: str | None = None
    actions: int = 0  # other actions (account requests, IBAN changes)


def leaked_list(world: World, rng: random.Random) -> Iterator[BeneficiaryStatement]:
    """An identity list as leaked elsewhere: real card tuples of people this operator
    holds (honeytokens included when the list came from insurers' data) and of people it
    does not, in no particular order; endless (people come back in several lists)."""
    p, population = world.params, world.population
    known = [
        i
        for i in range(len(population.statements))
        if p.leak_holds_honeytokens or i not in population.honeytokens
    ]
    while True:
        if rng.random() < p.leak_known_share:
            yield population.statements[rng.choice(known)]
        else:
            yield rng.choice(population.strangers)


def guessed_cards(world: World, rng: random.Random) -> Iterator[BeneficiaryStatement]:
    """Enumeration: for each person of a partial leak (everything but the member
    number), member numbers next to one the attacker knows for the same insurer, in
    rounds over the people."""
    p, population = world.params, world.population
    by_insurer: dict[str, list[str]] = {}
    for line in population.statements:
        by_insurer.setdefault(line.amc_number, []).append(line.member_number)
    people = rng.sample(list(population.statements), min(p.enumeration_people, 10_000))
    anchors = [rng.choice(by_insurer[person.amc_number]) for person in people]
    for round_ in range(p.enumeration_guesses):
        step = (round_ // 2 + 1) * (1 if round_ % 2 == 0 else -1)
        for person, anchor in zip(people, anchors, strict=True):
            yield replace(person, member_number=_near(anchor, step))


def _near(member_number: str, step: int) -> str:
    """The member number `step` away, same letters and width."""
    digits = len(member_number) - len(member_number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    prefix, number = member_number[:digits], member_number[digits:]
    if not number.isdigit():
        return member_number
    width = len(number)
    return prefix + str((int(number) + step) % 10**width).zfill(width)


@dataclass(frozen=True)
class Pace:
    """Seconds between two lookups: uniform in `uniform`, or exponential around
    `mean` (at least `floor`), and never more than `cap` in ten minutes."""

    uniform: tuple[float, float] | None = None
    mean: float = 0.0
    floor: float = 0.0
    cap: int | None = None

    def gap(self, rng: random.Random) -> float:
        if self.uniform is not None:
            return rng.uniform(*self.uniform)
        return max(self.floor, rng.expovariate(1 / self.mean))


RETRY_CLOSED_S = 1_800  # a scraper meeting a closed structure or channel tries again


class Scraper:
    """A compromised professional account reading rights checks from `cards` at `pace`,
    from the attacker's address, until `until` or a closed door."""

    def __init__(
        self,
        world: World,
        timeline: Timeline,
        rng: random.Random,
        account: Professional,
        cards: Iterator[BeneficiaryStatement],
        *,
        address: str,
        pace: Pace,
        until: datetime,
        hours: tuple[int, int] | None = None,
    ) -> None:
        """`hours`: the local hours it works (start, end; may wrap past midnight), or
        all day."""
        self.world, self.timeline, self.rng = world, timeline, rng
        self.account, self.cards, self.pace, self.until = account, cards, pace, until
        self.hours = hours
        self.context = RequestContext(request_id=None, address=address, user_agent=ATTACKER_AGENT)
        self.token: str | None = None
        self.pending: BeneficiaryStatement | None = None
        self.done = False  # its account is suspended
        self.refused_how = "session refused: account suspended"  # when `_actor` is None
        self.stats = Attacker(account.account_id)

    def start(self, at: datetime) -> None:
        self.timeline.at(at, self.step)

    def _sign_in(self) -> Actor | None:
        steps_up = self.world.params.attacker_steps_up
        with serving(self.context):
            self.token = open_session(
                uow=self.world.platform.uow(),
                account_id=self.account.account_id,
                factor=Factor.PRO_SANTE_CONNECT,
                policy=self.world.session_policy,
                # A stolen session (no factor of its own) authenticated long ago.
                authenticated_at=None if steps_up else self.timeline.now - timedelta(days=1),
            )
        return self.world.resume(self.token, self.context)

    def _actor(self) -> Actor | None:
        if self.token is not None:
            actor = self.world.resume(self.token, self.context)
            if actor is not None:
                return actor
        return self._sign_in()

    def _working(self, now: datetime) -> bool:
        assert self.hours is not None
        start, end = self.hours
        hour = self.world.local(now).hour
        return start <= hour < end if start < end else hour >= start or hour < end

    def _step_up(self) -> None:
        """Asked to step up: the stolen e-CPS presented again, or (without it) another
        try in a minute."""
        if self.world.params.attacker_steps_up:
            self._sign_in()
            self._again(self.rng.uniform(3, 10))
        else:
            self._again(60)

    def _stop(self, how: str) -> None:
        """The first closed door it met (the attacker may still try again later)."""
        if self.stats.stopped_at is None:
            self.stats.stopped_at, self.stats.stopped_by = self.timeline.now, how

    def _again(self, seconds: float) -> None:
        self.timeline.at(self.timeline.now + timedelta(seconds=seconds), self.step)

    def step(self) -> None:
        now = self.timeline.now
        if now >= self.until or self.done:
            return
        if self.hours is not None and not self._working(now):
            self.timeline.at(now + timedelta(minutes=15), self.step)
            return
        cap, answered = self.pace.cap, self.stats.answered
        if cap is not None and len(answered) >= cap:
            oldest = answered[-cap]
            if now - oldest < timedelta(minutes=10):  # the budget it keeps under
                wait = (oldest + timedelta(minutes=10) - now).total_seconds()
                self._again(wait + self.rng.uniform(1, 30))
                return
        actor = self._actor()
        if actor is None:  # its account is suspended: nothing opens it any more
            self._stop(self.refused_how)
            self.done = True
            return
        line = self.pending or next(self.cards)
        self.pending = line
        try:
            with serving(self.context):
                answer = check_rights(
                    uow=self.world.platform.uow(),
                    actor=actor,
                    shield=self.world.shield,
                    request=card_request(line, now.date(), PHARMACY_CATEGORIES),
                )
        except RateLimited as refusal:
            self.stats.refusals["throttled"] += 1
            self._again(refusal.retry_after + self.rng.uniform(0, 1))
            return
        except StepUpRequired:
            self.stats.refusals["stepped_up"] += 1
            self._step_up()
            return
        except (Suspended, ChannelClosed) as closed:
            # Its structure or the channel is closed, perhaps not its account: it comes
            # back now and then, in case an analyst reopens the door.
            self._stop("channel braked" if isinstance(closed, ChannelClosed) else "suspended")
            self._again(RETRY_CLOSED_S)
            return
        self.pending = None
        self.stats.answered.append(now)
        if is_record(answer):
            self.stats.disclosed.append(line)
            self.stats.records += 1
            self.stats.open_records += 1 if answer.accreditation_id else 0
        self.stats.identity_fields += identity_fields_disclosed(answer, line)
        self._again(self.pace.gap(self.rng))


# --- the scenarios that read -------------------------------------------------------------


def pharmacists(world: World) -> list[Professional]:
    return [p for p in world.staff() if p.profession is Profession.PHARMACIST]


def _one_pharmacist(
    world: World,
    timeline: Timeline,
    rng: random.Random,
    start: datetime,
    cards: Callable[[World, random.Random], Iterator[BeneficiaryStatement]],
    *,
    address: int,
    pace: Pace,
    hours: float,
    working_hours: tuple[int, int] | None = None,
) -> Scraper:
    """One pharmacist's account, drawn at random, scraping `cards` from its own address
    for `hours` from `start`."""
    account = rng.choice(pharmacists(world))
    scraper = Scraper(
        world,
        timeline,
        rng,
        account,
        cards(world, rng),
        address=ATTACKER_ADDRESS.format(address),
        pace=pace,
        until=start + timedelta(hours=hours),
        hours=working_hours,
    )
    scraper.start(start)
    return scraper


def replay_2024(world: World, timeline: Timeline, rng: random.Random, start: datetime) -> Scraper:
    p = world.params
    return _one_pharmacist(
        world,
        timeline,
        rng,
        start,
        leaked_list,
        address=10,
        pace=Pace(uniform=p.replay_gap_s),
        hours=p.replay_hours,
    )


def slow_scraper(world: World, timeline: Timeline, rng: random.Random, start: datetime) -> Scraper:
    p = world.params
    return _one_pharmacist(
        world,
        timeline,
        rng,
        start,
        leaked_list,
        address=20,
        pace=Pace(mean=p.slow_mean_gap_s, floor=p.careful_min_gap_s, cap=p.careful_cap),
        hours=p.slow_hours,
        working_hours=p.slow_working_hours,
    )


def distributed(
    world: World, timeline: Timeline, rng: random.Random, start: datetime
) -> list[Scraper]:
    p = world.params
    accounts = rng.sample(pharmacists(world), min(p.distributed_accounts, len(pharmacists(world))))
    cards = leaked_list(world, rng)  # one list, shared out
    scrapers = []
    for number, account in enumerate(accounts):
        scraper = Scraper(
            world,
            timeline,
            rng,
            account,
            cards,
            address=ATTACKER_ADDRESS.format(30 + number),
            pace=Pace(mean=p.distributed_mean_gap_s, floor=p.careful_min_gap_s, cap=p.careful_cap),
            until=start + timedelta(hours=p.distributed_hours),
        )
        scraper.start(start + timedelta(seconds=rng.uniform(0, 600)))
        scrapers.append(scraper)
    return scrapers


def enumeration(world: World, timeline: Timeline, rng: random.Random, start: datetime) -> Scraper:
    p = world.params
    return _one_pharmacist(
        world,
        timeline,
        rng,
        start,
        guessed_cards,
        address=40,
        pace=Pace(uniform=p.enumeration_gap_s),
        hours=p.enumeration_hours,
    )


# --- the compromised administrator -------------------------------------------------------


class RogueAdmin:
    """A platform administrator's account in an attacker's hands, requesting accounts
    (professionals of the directory who have none, and platform administrators) one
    after another; the other administrator reviews pending requests once a day and
    approves those whose requester no alert names (four eyes). Throttled, it makes the
    refused request again at Retry-After; asked to step up, it presents the stolen
    passkey again."""

    def __init__(
        self, world: World, timeline: Timeline, rng: random.Random, start: datetime
    ) -> None:
        self.world, self.timeline, self.rng = world, timeline, rng
        self.admin, self.reviewer = world.admins
        self.until = start + timedelta(hours=world.params.rogue_admin_hours)
        self.context = RequestContext(
            request_id=None, address=ATTACKER_ADDRESS.format(50), user_agent=ATTACKER_AGENT
        )
        onboarded = {p.rpps for p in world.staff()}
        self.directory = [
            (p.rpps, p.structures[0])
            for p in world.france.professionals
            if p.rpps not in onboarded and p.structures
        ]
        rng.shuffle(self.directory)
        self.requested: list[uuid.UUID] = []
        self.numbered = 0  # requests made up so far
        self.pending: AccountRequest | None = None  # refused: made again as it was
        self.activated = 0
        self.token: str | None = None
        self.stats = Attacker(self.admin.account_id)
        timeline.at(start, self.step)
        day = world.local(start).date()
        while world.at_local(day, world.params.review_hour) < self.until:
            review = world.at_local(day, world.params.review_hour)
            if review > start:
                timeline.at(review, self.review)
            day += timedelta(days=1)

    def _request(self, number: int) -> AccountRequest:
        if number % 2 == 0 and self.directory:
            rpps, finess = self.directory.pop()
            return AccountRequest(Role.PROFESSIONAL, f"new-{rpps}@rogue.example", rpps, (finess,))
        return AccountRequest(Role.PLATFORM_ADMIN, f"ops-{number:04d}@rogue.example")

    def step(self) -> None:
        now = self.timeline.now
        if now >= self.until or self.stats.stopped_at is not None:
            return
        actor = self.world.resume(self.token, self.context) if self.token else None
        if actor is None:
            self.token, actor = self.world.sign_in(
                self.admin.account_id, self.context, Factor.PASSKEY
            )
        if actor is None:
            self.stats.stopped_at, self.stats.stopped_by = now, "session refused: suspended"
            return
        if self.pending is None:
            self.pending = self._request(self.numbered)
            self.numbered += 1
        try:
            with serving(self.context):
                account_id = request_account(
                    uow=self.world.platform.uow(),
                    actor=actor,
                    request=self.pending,
                    shield=self.world.shield,
                )
        except RateLimited as refusal:
            # Like the scrapers: it comes back at Retry-After, with the same request.
            self.stats.refusals["throttled"] += 1
            wait = refusal.retry_after + self.rng.uniform(0, 1)
            self.timeline.at(now + timedelta(seconds=wait), self.step)
            return
        except StepUpRequired:
            self.stats.refusals["stepped_up"] += 1
            if self.world.params.attacker_steps_up:
                self.token = None  # the stolen passkey, presented again at the next step
                delay = self.rng.uniform(3, 10)
            else:
                delay = 60
            self.timeline.at(now + timedelta(seconds=delay), self.step)
            return
        except (Suspended, ChannelClosed):
            self.stats.stopped_at, self.stats.stopped_by = now, "suspended"
            return
        except Conflict:
            self.pending = None  # already requested: next one
        else:
            self.pending = None
            self.requested.append(account_id)
            self.stats.actions += 1
            self.stats.answered.append(now)
        gap = self.rng.uniform(*self.world.params.rogue_admin_gap_s)
        self.timeline.at(now + timedelta(seconds=gap), self.step)

    def review(self) -> None:
        if alerts_about(self.world.platform, str(self.admin.account_id)):
            return  # an alert names the requester: the reviewer approves none of it
        approver = platform_actor(self.world.platform, self.reviewer, SessionPolicy())
        for account_id in self.requested:
            try:
                approve_account(
                    uow=self.world.platform.uow(), actor=approver, account_id=account_id
                )
            except DomainError:
                continue
            self.activated += 1
        self.requested = []


# --- the IBAN change after a takeover -----------------------------------------------------


class IbanTakeover:
    """A pharmacy owner's account (structure administrator) in an attacker's hands: it
    asks for the pharmacy to be paid on the attacker's account (a stolen e-CPS passes
    the step-up), and asks again after each cancellation. The owner reads the platform's
    out-of-band notice and has a security analyst cancel the change; a payment run each
    evening shows where the pharmacy's money would go."""

    def __init__(
        self, world: World, timeline: Timeline, rng: random.Random, start: datetime
    ) -> None:
        self.world, self.timeline, self.rng = world, timeline, rng
        p = world.params
        owners = [
            person
            for site in world.sites
            for person in site.staff
            if person.role is Role.STRUCTURE_ADMIN and person.profession is Profession.PHARMACIST
        ]
        self.owner = rng.choice(owners)
        self.until = start + timedelta(hours=p.iban_hours)
        self.context = RequestContext(
            request_id=None, address=ATTACKER_ADDRESS.format(60), user_agent=ATTACKER_AGENT
        )
        self.stats = Attacker(self.owner.account_id)
        self.attacker_ibans: set[str] = set()
        self.diverted = self.held = self.paid = self.cancelled = 0
        timeline.at(start, self.attempt)
        day = world.local(start).date()
        while world.at_local(day, p.payment_run_hour) < self.until:
            run = world.at_local(day, p.payment_run_hour)
            if run > start:
                timeline.at(run, self.payment_run)
            day += timedelta(days=1)

    def attempt(self) -> None:
        now, p = self.timeline.now, self.world.params
        if now >= self.until or self.stats.stopped_at is not None:
            return
        if self.stats.actions >= p.iban_attempts:
            return
        _, actor = self.world.sign_in(self.owner.account_id, self.context, Factor.PRO_SANTE_CONNECT)
        if actor is None:
            self.stats.stopped_at, self.stats.stopped_by = now, "session refused: suspended"
            return
        iban, bic = synthetic_bank_details(10_000 + self.world.seed * 10 + self.stats.actions)
        try:
            with serving(self.context):
                request_bank_account_change(
                    uow=self.world.platform.uow(),
                    actor=actor,
                    shield=self.world.shield,
                    structure=self.owner.finess,
                    iban=iban,
                    bic=bic,
                    cooling_off=timedelta(hours=p.payout_cooling_off_hours),
                )
        except (Suspended, ChannelClosed):
            self.stats.stopped_at, self.stats.stopped_by = now, "suspended"
            return
        except (RateLimited, StepUpRequired) as refusal:
            self.stats.refusals[type(refusal).__name__] += 1
            self.timeline.at(now + timedelta(minutes=10), self.attempt)
            return
        self.stats.actions += 1
        self.stats.answered.append(now)
        self.attacker_ibans.add(iban)
        reaction = timedelta(hours=self.rng.uniform(*p.owner_reaction_hours))
        self.timeline.at(now + reaction, self.cancel)

    def cancel(self) -> None:
        """The owner called the helpdesk: a security analyst stops the change."""
        analyst = platform_actor(
            self.world.platform, self.world.analysts[0], self.world.session_policy
        )
        try:
            cancel_bank_account_change(
                uow=self.world.platform.uow(),
                actor=analyst,
                shield=self.world.shield,
                structure=self.owner.finess,
            )
        except DomainError:
            return  # nothing under way any more
        self.cancelled += 1
        retry = timedelta(hours=self.rng.uniform(*self.world.params.iban_retry_hours))
        self.timeline.at(self.timeline.now + retry, self.attempt)

    def payment_run(self) -> None:
        decision = payout_account(
            uow=self.world.platform.uow(), structure_finess=self.owner.finess, at=self.timeline.now
        )
        if decision.verdict is Verdict.HELD:
            self.held += 1
        elif decision.iban is not None and decision.iban.value in self.attacker_ibans:
            self.diverted += 1
        else:
            self.paid += 1
