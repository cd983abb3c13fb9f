"""Detection on the service path: an observation becomes one batch of feature-store
operations (one Redis round trip), the answers become features, the pure detectors turn
features into signals, and the signals and the subject's memory into a risk.

Nothing here touches the database or knows HTTP: the sentinel passes what the service
knew (digests, flags, peer groups) and decides what a risk calls for. Given the same
observations and instants, the engine gives the same risks (the attack range relies on
it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rempart.shield import signals
from rempart.shield.detectors import behaviour, events, lookups, volume
from rempart.shield.detectors.lookups import dated_trait
from rempart.shield.domain import Rung, Signal, Subject, SubjectType
from rempart.shield.features import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    day_of,
    feature_key,
    hour_of,
    hour_of_week,
    minute_of,
    structure_zone,
    subject_prefix,
    week_of,
)
from rempart.shield.observations import Assessment, DetectionPolicy, Sighting
from rempart.shield.store import (
    Add,
    Answers,
    FeatureStore,
    Fields,
    Mark,
    Op,
    Recent,
    Tally,
    window_sum,
)

PLATFORM = "platform:all"
OFF_HOURS = "xo:h"  # lookups from a new address while the structure is closed, per hour


class UsualHours(NamedTuple):
    """A structure's lookups over the previous four weeks, the number of those weeks
    with any, and the share of the lookups made in the current hour of the week."""

    history: int
    weeks: int
    share: float


def cached_hours(value: str | None, hour: int) -> UsualHours | None:
    """The remembered `"{hour}|{history}|{weeks}|{share}"`, if it is of this hour. A
    value of another shape (the older `"{hour}|{history}|{share}"`, which knew no weeks)
    or unreadable is no answer: the caller recomputes and overwrites it."""
    if value is None:
        return None
    parts = value.split("|")
    if len(parts) != 4 or parts[0] != str(hour):
        return None
    try:
        history, weeks, share = int(parts[1]), int(parts[2]), float(parts[3])
    except ValueError:
        return None
    if history < 0 or not 0 <= weeks <= 4 or not 0.0 <= share <= 1.0:
        return None
    return UsualHours(history, weeks, share)


class Count(NamedTuple):
    """An event counted per subject: its feature, the unit of its buckets (minute, hour,
    day of an epoch instant), the window scored (in units) and how long buckets live."""

    feature: str
    unit: Callable[[int], int]
    span: int
    keep_ms: int


REFUSALS = Count("r:m", minute_of, 10, HOUR_MS)
ACCOUNT_REQUESTS = Count("acct:h", hour_of, 24, 2 * DAY_MS)
IBAN_CHANGES = Count("iban:d", day_of, 30, 31 * DAY_MS)
UNCONFIRMED_CODES = Count("code:m", minute_of, 60, 2 * HOUR_MS)
ACCESS_REPORTS = Count("rep:d", day_of, 30, 31 * DAY_MS)


def _seen_lately(prefix: str, name: str, member: str | None, now_ms: int) -> Mark:
    """Addresses or devices a subject used in the last 60 days, with when each was first
    seen (`behaviour.new-place`)."""
    return Mark(f"{prefix}:{name}", member, now_ms, now_ms - 60 * DAY_MS, 61 * DAY_MS)


class Detection:
    def __init__(self, store: FeatureStore, policy: DetectionPolicy | None = None) -> None:
        self.store = store
        self.policy = policy or DetectionPolicy()

    # --- rights checks ----------------------------------------------------------------

    def lookup(self, sighting: Sighting, now_ms: int) -> list[Assessment]:
        minute, hour, day = minute_of(now_ms), hour_of(now_ms), day_of(now_ms)
        subjects = [sighting.actor] + ([sighting.structure] if sighting.structure else [])
        groups = {sighting.actor: sighting.actor_group}
        if sighting.structure is not None:
            groups[sighting.structure] = sighting.structure_group
        missed = 0 if sighting.matched else 1
        ops: list[Op] = []
        at: dict[tuple[Subject, str], int] = {}

        def add(subject: Subject, name: str, op: Op) -> None:
            at[(subject, name)] = len(ops)
            ops.append(op)

        for s in subjects:
            p = subject_prefix(s)
            add(s, "n:m", Tally(f"{p}:n:m", minute, 1, minute - 60, 2 * HOUR_MS))
            add(s, "n:h", Tally(f"{p}:n:h", hour, 1, hour - 48, 3 * DAY_MS))
            add(s, "n:d", Tally(f"{p}:n:d", day, 1, day - 28, 30 * DAY_MS))
            add(s, "u:m", Tally(f"{p}:u:m", minute, missed, minute - 60, 2 * HOUR_MS))
            add(s, "u:h", Tally(f"{p}:u:h", hour, missed, hour - 24, 2 * DAY_MS))
            accredited = 1 if sighting.accredited else 0
            add(s, "acc:h", Tally(f"{p}:acc:h", hour, accredited, hour - 48, 3 * DAY_MS))
            add(s, "sig", Fields(f"{p}:signals", ttl_ms=signals.TTL_MS))
            group = groups[s]
            if group is not None:
                g = subject_prefix(f"{s.type.value}-peers:{group}")
                add(s, "g:n", Tally(f"{g}:n:d", day, 1, day - 8, 9 * DAY_MS))
                add(s, "g:a", Tally(f"{g}:a:d", day, 0, day - 8, 9 * DAY_MS))
        a, s_ = sighting.actor, sighting.structure
        pa = subject_prefix(a)
        trait = sighting.trait.encode() if sighting.trait else None
        card = f"{now_ms}|{trait}" if trait else None
        add(a, "cards", Recent(f"{pa}:cards", card, 50))
        add(a, "arrivals", Recent(f"{pa}:arrivals", str(now_ms), 30))
        # Read here, counted after (`_off_hours`): only the detectors know the lookup
        # came from a new address while the structure is closed.
        add(a, OFF_HOURS, Tally(f"{pa}:{OFF_HOURS}", hour, 0, hour - 23, 2 * DAY_MS))
        for name, member in (("places", sighting.address), ("devices", sighting.device)):
            add(a, name, _seen_lately(pa, name, member, now_ms))
        if a.type is SubjectType.ACCOUNT:
            recent = now_ms - 10 * MINUTE_MS
            sessions = Mark(f"{pa}:sessions", sighting.session, now_ms, recent, HOUR_MS)
            add(a, "sessions", sessions)
        if s_ is not None:
            ps = subject_prefix(s_)
            add(s_, "places", _seen_lately(ps, "places", sighting.address, now_ms))
            # Local weeks and hours, read alike in `_usual_hours`. Tallies written in UTC
            # by an earlier release keep their keys: for four weeks they read as history
            # shifted by an hour or two (as at a daylight-saving change), nothing worse.
            zone = structure_zone(s_.ref)
            how = f"{ps}:how:{week_of(now_ms, zone)}"
            add(s_, "how", Add(how, str(hour_of_week(now_ms, zone)), 1, 35 * DAY_MS))
            add(s_, "inv:h", Tally(f"{ps}:inv:h", hour, 0, hour - 48, 3 * DAY_MS))
        everyone = Tally(feature_key(PLATFORM, "inv:h"), hour, 0, hour - 48, 3 * DAY_MS)
        add(a, "platform-inv", everyone)
        answers = self.store.run(ops, now_ms)

        def counts(s: Subject, name: str) -> dict[int, int]:
            return answers.counts(at[(s, name)])

        follow: list[Op] = []
        memories = {s: signals.Memory.decode(answers.fields(at[(s, "sig")])) for s in subjects}
        for s in subjects:
            group = groups[s]
            if group is not None and counts(s, "n:d").get(day) == 1:  # first lookup today
                g = f"{s.type.value}-peers:{group}"
                follow.append(Tally(feature_key(g, "a:d"), day, 1, day - 8, 9 * DAY_MS))
        hours = self._usual_hours(sighting.structure, memories, answers, at, now_ms, follow)
        invoices_active = sum(counts(a, "platform-inv").values()) > 0
        assessments = []
        for s in subjects:
            fresh = self._lookup_signals(
                s, sighting, answers, at, hours, invoices_active, now_ms, follow
            )
            memory = memories[s]
            changes = memory.changes(fresh, now_ms)
            if changes:
                follow.append(signals.write(s, changes))
            assessments.append(
                Assessment(
                    memory.risk(s, fresh, now_ms), memory.hint(now_ms), memory.in_grace(now_ms)
                )
            )
        if follow:
            self.store.run(follow, now_ms)
        return assessments

    def _usual_hours(
        self,
        structure: Subject | None,
        memories: dict[Subject, signals.Memory],
        answers: Answers,
        at: dict[tuple[Subject, str], int],
        now_ms: int,
        follow: list[Op],
    ) -> UsualHours | None:
        """The structure's lookups over the previous four weeks, how many of those weeks
        had any, and the share made in this hour of the week: computed once an hour per
        structure, then remembered."""
        if structure is None:
            return None
        hour = hour_of(now_ms)
        cached = cached_hours(memories[structure].hours, hour)
        if cached is not None:
            return cached
        # The cache is keyed by the UTC hour: each zone is whole hours from UTC, so that
        # hour is one local hour of the week.
        zone = structure_zone(structure.ref)
        week, how = week_of(now_ms, zone), str(hour_of_week(now_ms, zone))
        reads: list[Op] = [Fields(feature_key(structure, f"how:{week - k}")) for k in (1, 2, 3, 4)]
        weeks = self.store.run(reads, now_ms)
        tables = [weeks.fields(i) for i in range(len(reads))]
        totals = [sum(int(v) for v in table.values()) for table in tables]
        history = sum(totals)
        active = sum(1 for total in totals if total > 0)
        usual = sum(int(table.get(how, "0")) for table in tables)
        share = usual / history if history else 0.0
        follow.append(
            signals.write(structure, ((signals.HOURS_FIELD, f"{hour}|{history}|{active}|{share}"),))
        )
        return UsualHours(history, active, share)

    def _lookup_signals(
        self,
        s: Subject,
        sighting: Sighting,
        answers: Answers,
        at: dict[tuple[Subject, str], int],
        hours: UsualHours | None,
        invoices_active: bool,
        now_ms: int,
        follow: list[Op],
    ) -> list[Signal]:
        p = self.policy
        minute, hour, day = minute_of(now_ms), hour_of(now_ms), day_of(now_ms)

        def counts(name: str, subject: Subject = s) -> dict[int, int]:
            return answers.counts(at[(subject, name)])

        by_minute, by_hour = counts("n:m"), counts("n:h")
        hour_count = window_sum(by_minute, minute - 59, minute)
        ten = window_sum(by_minute, minute - 9, minute)
        day_count = window_sum(by_hour, hour - 23, hour)
        past = tuple(n for d, n in sorted(counts("n:d").items()) if d < day and n > 0)
        peer_mean, peer_days = None, 0
        if (s, "g:n") in at:
            lookups_7d = window_sum(counts("g:n"), day - 7, day - 1)
            peer_days = window_sum(counts("g:a"), day - 7, day - 1)
            peer_mean = lookups_7d / peer_days if peer_days else None
        person = s.type is SubjectType.ACCOUNT
        policy = p.person_volume if person else p.shared_volume
        seen = volume.Volume(hour_count, day_count, past, peer_mean, peer_days)
        found = [volume.own_baseline(seen, policy), volume.peers(seen, policy)]
        found.append(
            lookups.unmatched(
                lookups.Matching(
                    hour_count,
                    window_sum(counts("u:m"), minute - 59, minute),
                    day_count,
                    window_sum(counts("u:h"), hour - 23, hour),
                ),
                p.lookups,
            )
        )
        if sighting.structure is not None:
            checks = window_sum(counts("acc:h"), hour - 47, hour - 24)
            invoices = window_sum(counts("inv:h", sighting.structure), hour - 47, hour)
            found.append(
                volume.checks_without_invoice(
                    volume.Conversion(checks, invoices, invoices_active), p.conversion
                )
            )
        if hours is not None:
            found.append(
                behaviour.unusual_hours(
                    behaviour.Hours(hour_count, hours.history, hours.weeks, hours.share),
                    p.hours,
                )
            )
        if s == sighting.actor:
            closed = hours is not None and behaviour.is_off_hours(
                hours.history, hours.weeks, hours.share, p.hours
            )
            found += self._actor_signals(
                s, sighting, answers, at, seen, ten, now_ms, closed, follow
            )
        return found

    def _actor_signals(
        self,
        s: Subject,
        sighting: Sighting,
        answers: Answers,
        at: dict[tuple[Subject, str], int],
        seen: volume.Volume,
        ten: int,
        now_ms: int,
        closed: bool,
        follow: list[Op],
    ) -> list[Signal]:
        """`closed`: the structure hardly ever works in this hour of the week."""
        p = self.policy
        person = s.type is SubjectType.ACCOUNT
        traits = []
        for item in answers.values(at[(s, "cards")]):
            dated = dated_trait(item)
            if dated is not None and now_ms - dated[0] <= DAY_MS:
                traits.append(dated[1])
        arrivals = [int(x) for x in answers.values(at[(s, "arrivals")]) if x.isdigit()]
        places = answers.seen(at[(s, "places")])
        devices = answers.seen(at[(s, "devices")])
        old = now_ms - DAY_MS

        def is_new(table: dict[str, tuple[int, int]], member: str | None) -> bool:
            return member is not None and member in table and table[member][0] >= old

        established = any(first < old for first, _ in (*places.values(), *devices.values()))
        new_address = is_new(places, sighting.address)
        new_device = is_new(devices, sighting.device)
        if not established and sighting.structure is not None:
            # Someone who never read here before is compared with their structure: a
            # pharmacist whose pharmacy works through its software has no portal
            # history of their own, and a phished password of theirs used from the
            # attacker's network is an address the pharmacy never worked from. The
            # address only: falling back on a browser beside the counter when the
            # software is down is a new device, not a new place.
            shared = answers.seen(at[(sighting.structure, "places")])
            established = any(first < old for first, _ in shared.values())
            new_address, new_device = is_new(shared, sighting.address), False
        off_hours = 0
        if new_address and closed:
            hour = hour_of(now_ms)
            off_hours = window_sum(answers.counts(at[(s, OFF_HOURS)]), hour - 23, hour) + 1
            follow.append(Tally(feature_key(s, OFF_HOURS), hour, 1, hour - 23, 2 * DAY_MS))
        policy = p.person_volume if person else p.shared_volume
        found = [
            lookups.enumeration(traits, p.lookups),
            behaviour.cadence(arrivals, ten, p.cadence if person else p.software_cadence),
            behaviour.new_place(
                behaviour.Place(
                    new_address,
                    new_device,
                    established,
                    seen.hour,
                    volume.baseline(seen.past_days, policy),
                    off_hours,
                ),
                p.place,
            ),
            events.honeytoken(sighting.honeytoken),
        ]
        if person and (s, "sessions") in at:
            recent = now_ms - 10 * MINUTE_MS
            sessions = answers.seen(at[(s, "sessions")])
            addresses = sum(1 for _, last in places.values() if last >= recent)
            found.append(behaviour.concurrent_sessions(len(sessions), addresses))
        return found

    # --- refusals and events ------------------------------------------------------------

    def _counted(
        self, subject: Subject, count: Count, now_ms: int, score: Callable[[int], Signal]
    ) -> Assessment:
        """One more of `count` for the subject in the current unit, the count over the
        window scored, the signal remembered with the subject's memory."""
        at = count.unit(now_ms)
        tally = Tally(feature_key(subject, count.feature), at, 1, at - count.span, count.keep_ms)
        answers = self.store.run([tally, signals.read(subject)], now_ms)
        signal = score(window_sum(answers.counts(0), at - count.span + 1, at))
        memory = signals.Memory.decode(answers.fields(1))
        changes = memory.changes([signal], now_ms)
        if changes:
            self.store.run([signals.write(subject, changes)], now_ms)
        return Assessment(
            memory.risk(subject, [signal], now_ms), memory.hint(now_ms), memory.in_grace(now_ms)
        )

    def refusal(self, subject: Subject, now_ms: int) -> Assessment:
        return self._counted(subject, REFUSALS, now_ms, behaviour.quota_pressure)

    def account_request(self, requester: Subject, *, factor: float, now_ms: int) -> Assessment:
        policy = self.policy.bursts
        return self._counted(
            requester,
            ACCOUNT_REQUESTS,
            now_ms,
            lambda n: events.account_burst(n, factor=factor, policy=policy),
        )

    def iban_change(self, subject: Subject, now_ms: int) -> Assessment:
        policy = self.policy.bursts
        return self._counted(subject, IBAN_CHANGES, now_ms, lambda n: events.iban_burst(n, policy))

    def unconfirmed_code(self, subject: Subject, now_ms: int) -> Assessment:
        policy = self.policy.bursts
        return self._counted(
            subject, UNCONFIRMED_CODES, now_ms, lambda n: events.unconfirmed_codes(n, policy)
        )

    def platform_iban_changes(self, now_ms: int) -> int:
        """Counts one more IBAN change platform-wide; answers those of the last hour."""
        minute = minute_of(now_ms)
        op = Tally(feature_key(PLATFORM, "iban:m"), minute, 1, minute - 60, 2 * HOUR_MS)
        return window_sum(self.store.run([op], now_ms).counts(0), minute - 59, minute)

    def access_report(self, subject: Subject, now_ms: int) -> Assessment:
        return self._counted(subject, ACCESS_REPORTS, now_ms, events.not_me)

    def invoice(self, structure: Subject, now_ms: int) -> None:
        hour = hour_of(now_ms)
        self.store.run(
            [
                Tally(feature_key(structure, "inv:h"), hour, 1, hour - 48, 3 * DAY_MS),
                Tally(feature_key(PLATFORM, "inv:h"), hour, 1, hour - 48, 3 * DAY_MS),
            ],
            now_ms,
        )

    def suspensions(self, channel: str, now_ms: int) -> int:
        """Counts one more suspension on the channel; answers those of the last hour."""
        minute = minute_of(now_ms)
        key = feature_key(f"channel:{channel}", "suspended:m")
        answers = self.store.run([Tally(key, minute, 1, minute - 60, 2 * HOUR_MS)], now_ms)
        return window_sum(answers.counts(0), minute - 59, minute)

    # --- the ladder's memory ------------------------------------------------------------

    def state(self, subject: Subject, now_ms: int) -> Assessment:
        """The subject's remembered signals and rung hint (tests, the security pages)."""
        memory = signals.Memory.decode(self.store.run([signals.read(subject)], now_ms).fields(0))
        return Assessment(
            memory.risk(subject, [], now_ms), memory.hint(now_ms), memory.in_grace(now_ms)
        )

    def contained(self, subject: Subject, rung: Rung, now_ms: int) -> None:
        self.store.run([signals.rung_hint(subject, rung, now_ms)], now_ms)

    def lifted(self, subject: Subject, now_ms: int) -> None:
        self.store.run([signals.forget(subject, grace_until=now_ms + self.policy.grace_ms)], now_ms)


__all__ = ["Assessment", "Detection", "DetectionPolicy", "Sighting"]
