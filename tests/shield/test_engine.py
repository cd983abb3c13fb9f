"""The detection engine over a stream of lookups: a pharmacist's month, then a winter
Monday, raises nothing; a phished account scraping as fast as it is let, or walking
identifiers, is called out within a few dozen lookups. Same stream, same risks — in
process or in Redis."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rempart.shield import signals
from rempart.shield.detectors.behaviour import HoursPolicy
from rempart.shield.domain import Detector, Ladder, Rung, Subject
from rempart.shield.engine import Detection, UsualHours, cached_hours
from rempart.shield.features import Card, hour_of, hour_of_week, structure_zone, week_of
from rempart.shield.observations import Assessment, DetectionPolicy
from rempart.shield.quotas import epoch_ms
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.store import FeatureStore, LocalFeatureStore

from .workload import MONDAY, Counter, leaked

LADDER = Ladder()


def highest(assessments: list[Assessment]) -> Rung:
    rungs = [a.rung(LADDER) for a in assessments]
    return max(rungs, key=lambda r: r.level)


def replay(detection: Detection, stream: Iterator[tuple[object, object]]) -> list[Rung]:
    rungs = []
    for at, sighting in stream:
        rungs.append(highest(detection.lookup(sighting, epoch_ms(at))))  # type: ignore[arg-type]
    return rungs


@pytest.fixture
def honest() -> tuple[Detection, Counter]:
    """A month of one pharmacist, kept in process."""
    detection = Detection(LocalFeatureStore())
    counter = Counter.make(seed=7)
    rungs = replay(detection, counter.weeks(MONDAY))
    assert set(rungs) == {Rung.NONE}
    return detection, counter


def test_a_busy_winter_monday_raises_nothing(honest: tuple[Detection, Counter]) -> None:
    detection, counter = honest
    rungs = replay(detection, counter.day(MONDAY, 300))  # nearly twice a usual Monday
    assert set(rungs) == {Rung.NONE}
    state = detection.state(counter.account, epoch_ms(MONDAY + timedelta(hours=18)))
    assert state.risk.score < LADDER.throttle_at


def test_a_new_computer_and_a_night_on_duty_raise_nothing(
    honest: tuple[Detection, Counter],
) -> None:
    detection, counter = honest
    counter.device = "a-new-pc"
    night = MONDAY.replace(hour=1)
    stream = [
        (
            night + timedelta(minutes=4 * i + (i % 3)),
            counter.sighting(counter.rng.choice(counter.patients)),
        )
        for i in range(14)
    ]
    assert set(replay(detection, iter(stream))) == {Rung.NONE}


def test_the_2024_replay_is_called_out_within_a_few_dozen_lookups(
    honest: tuple[Detection, Counter],
) -> None:
    """The account is phished on Monday afternoon: the attacker reads leaked cards about
    one a second, a little jitter."""
    detection, counter = honest
    replay(detection, counter.day(MONDAY, 60))  # the morning's honest work
    rng = random.Random(3)
    start = MONDAY.replace(hour=14)
    counter.address, counter.device = "elsewhere", "a-script"
    stream = [
        (start + timedelta(milliseconds=i * 1000 + rng.randint(-150, 150)), counter.sighting(card))
        for i, card in enumerate(leaked(rng, 120))
    ]
    rungs = replay(detection, iter(stream))
    first = {rung: rungs.index(rung) + 1 for rung in reversed(rungs)}
    assert first[Rung.THROTTLE] <= 25 or first.get(Rung.STEP_UP, 999) <= 25
    assert first[Rung.SUSPEND] <= 60
    fired = {
        s.detector for s in detection.state(counter.account, epoch_ms(start) + 120_000).risk.fired
    }
    assert Detector.CADENCE in fired


def test_a_night_time_trickle_from_a_new_address_is_called_out_within_hours(
    honest: tuple[Detection, Counter],
) -> None:
    """The attack range's blind spot: a phished account read while the pharmacy is
    closed, about ten lookups an hour, irregular — under every volume threshold. The
    same trickle from the pharmacy's own address (a night on duty) stays quiet."""
    detection, counter = honest
    rng = random.Random(5)
    start = MONDAY.replace(hour=22)

    def trickle(address: str) -> list[tuple[object, object]]:
        counter.address = address
        at, stream = start, list[tuple[object, object]]()
        for card in leaked(rng, 60):
            at += timedelta(seconds=rng.expovariate(1 / 360))
            stream.append((at, counter.sighting(card)))
        return stream

    duty = replay(detection, iter(trickle("address-of-the-pharmacy")))
    assert Rung.SUSPEND not in duty
    assert Rung.STEP_UP not in duty

    detection, counter = Detection(LocalFeatureStore()), Counter.make(seed=7)
    replay(detection, counter.weeks(MONDAY))
    rungs = replay(detection, iter(trickle("a-stolen-session-elsewhere")))
    assert Rung.SUSPEND in rungs
    assert rungs.index(Rung.SUSPEND) + 1 <= 40  # about four hours at this pace
    fired = detection.state(counter.account, epoch_ms(start + timedelta(hours=6))).risk.fired
    assert Detector.NEW_PLACE in {s.detector for s in fired}


def test_walking_identifiers_is_called_out_as_enumeration() -> None:
    detection = Detection(LocalFeatureStore())
    counter = Counter.make(seed=11)
    start = MONDAY.replace(hour=10)
    stream = []
    for i in range(30):
        card = Card(f"1800175123{400 + i:03d}00", "19800101", 1, "123456789", f"M{5000 + i:07d}")
        stream.append(
            (
                start + timedelta(seconds=37 * i + (i * i) % 23),
                counter.sighting(card, matched=False),
            )
        )
    rungs = replay(detection, iter(stream))
    assert rungs[-1] is Rung.SUSPEND
    fired = {
        s.detector for s in detection.state(counter.account, epoch_ms(start) + 3_600_000).risk.fired
    }
    assert {Detector.ENUMERATION, Detector.UNMATCHED} <= fired


def test_misread_member_numbers_read_again_raise_nothing(
    honest: tuple[Detection, Counter],
) -> None:
    """A Monday where one card in four is keyed wrong in the member number's last digit
    (matches nobody), then read again correctly 10-60 s later: a misread number and its
    correction are neighbours under the same insured NIR, not sequential identifiers of
    other people (the attack range's "misread member numbers" finding)."""
    detection, counter = honest
    opening = MONDAY.replace(hour=8)
    stream: list[tuple[object, object]] = []
    for i in range(160):
        at = opening + timedelta(seconds=220 * i + counter.rng.randint(0, 60))
        card = counter.rng.choice(counter.patients)
        if i % 4 == 0:
            digit = (int(card.member_number[-1]) + counter.rng.randint(1, 9)) % 10
            member = card.member_number[:-1] + str(digit)
            typed = Card(card.insured_nir, card.birth_date, 1, card.amc_number, member)
            stream.append((at, counter.sighting(typed, matched=False)))
            at += timedelta(seconds=counter.rng.uniform(10, 60))
        stream.append((at, counter.sighting(card)))
    assert set(replay(detection, iter(stream))) == {Rung.NONE}
    end = epoch_ms(opening + timedelta(hours=11))
    fired = {s.detector for s in detection.state(counter.account, end).risk.fired}
    assert Detector.ENUMERATION not in fired


def test_a_honeytoken_lookup_suspends_at_once() -> None:
    detection = Detection(LocalFeatureStore())
    counter = Counter.make(seed=5)
    sighting = counter.sighting(counter.patients[0])
    from dataclasses import replace

    (actor, _structure) = detection.lookup(replace(sighting, honeytoken=True), epoch_ms(MONDAY))
    assert actor.rung(LADDER) is Rung.SUSPEND
    assert actor.risk.critical


def _stream(seed: int) -> list[tuple[object, object]]:
    counter = Counter.make(seed=seed, patients=200)
    days = list(counter.weeks(MONDAY, days=8))
    rng = random.Random(seed)
    start = MONDAY.replace(hour=15)
    scrape = [
        (start + timedelta(seconds=2 * i), counter.sighting(c))
        for i, c in enumerate(leaked(rng, 40))
    ]
    return [*days, *scrape]


def _risks(store: FeatureStore, stream: list[tuple[object, object]]) -> list[tuple[int, ...]]:
    detection = Detection(store)
    return [
        tuple(a.risk.score for a in detection.lookup(s, epoch_ms(at)))  # type: ignore[arg-type]
        for at, s in stream
    ]


def test_the_same_stream_gives_the_same_risks() -> None:
    stream = _stream(21)
    assert _risks(LocalFeatureStore(), stream) == _risks(LocalFeatureStore(), stream)


def test_redis_and_the_process_give_the_same_risks(redis_url: str, namespace: str) -> None:
    stream = _stream(22)
    # A generous timeout: on a loaded machine a slow answer would send a batch to the
    # local fallback, and the comparison is about the scripts, not the failover.
    shared = RedisFeatureStore(redis_url, namespace=namespace, timeout=5.0)
    try:
        assert _risks(shared, stream) == _risks(LocalFeatureStore(), stream)
        assert not shared.degraded
    finally:
        shared.close()


def test_a_young_structure_moving_by_day_is_not_taken_for_a_night() -> None:
    """A pharmacy opened last Wednesday (its only week, some 500 lookups) moves its
    counter on Monday: a new address, and the ordinary day's work from it, in hours of
    the week it has never worked yet. Not yet knowing its hours is not knowing it is
    closed: nothing is contained. With a one-week pattern taken for a usual week (the
    old rule), the same day suspends it."""

    def monday(policy: DetectionPolicy) -> list[Rung]:
        detection, counter = Detection(LocalFeatureStore(), policy), Counter.make(seed=13)
        assert set(replay(detection, counter.weeks(MONDAY, days=5))) == {Rung.NONE}
        counter.address = "the-new-premises"
        return replay(detection, counter.day(MONDAY, 60))

    rungs = monday(DetectionPolicy())
    assert len(rungs) == 60
    assert set(rungs) == {Rung.NONE}
    one_week = DetectionPolicy(hours=HoursPolicy(min_weeks=1))
    assert Rung.SUSPEND in monday(one_week)


def test_the_usual_hours_cache_is_read_only_in_its_own_shape() -> None:
    hour = 493_000
    assert cached_hours(f"{hour}|812|3|0.0125", hour) == UsualHours(812, 3, 0.0125)
    assert cached_hours(f"{hour}|812|3|0.0125", hour + 1) is None  # another hour
    assert cached_hours(f"{hour}|812|0.0125", hour) is None  # the older shape, no weeks
    assert cached_hours(None, hour) is None
    for junk in ("", f"{hour}", f"{hour}|x|3|0.1", f"{hour}|812|9|0.1", f"{hour}|812|3|nan"):
        assert cached_hours(junk, hour) is None


def test_an_hours_cache_of_the_older_shape_is_recomputed(
    honest: tuple[Detection, Counter],
) -> None:
    """A value cached before weeks were counted (`hour|history|share`) is not read as
    `hour|history|weeks|share`: the hour is computed again, from the four weeks."""
    detection, counter = honest
    at = MONDAY.replace(hour=22)
    now = epoch_ms(at)
    hour = hour_of(now)
    field = signals.HOURS_FIELD
    older = f"{hour}|2000|0.5"  # read as it was, the night would be a usual hour
    detection.store.run([signals.write(counter.structure, ((field, older),))], now)
    counter.address = "a-stolen-session-elsewhere"
    cards = leaked(random.Random(9), 10)
    stream = [(at + timedelta(minutes=5 * i), counter.sighting(c)) for i, c in enumerate(cards)]
    rungs = replay(detection, iter(stream))
    # The night is known closed again: ten lookups from the new address are counted.
    assert rungs[:9] == [Rung.NONE] * 9
    assert rungs[9] is Rung.THROTTLE
    fields = detection.store.run([signals.read(counter.structure)], now).fields(0)
    when, history, weeks, share = fields[field].split("|")
    assert (int(when), int(weeks), float(share)) == (hour, 4, 0.0)
    assert int(history) > 2000  # four weeks of a pharmacist, recounted
    assert cached_hours(fields[field], hour) is not None


# --- usual hours, in the structure's local time -------------------------------------------

PARIS = ZoneInfo("Europe/Paris")
# Clocks went forward in Paris on Sunday 29 March 2026, 02:00 -> 03:00.
AFTER_THE_CHANGE = datetime(2026, 3, 30)  # the Monday after, a wall-clock date


def _local_weeks(
    counter: Counter, zone: ZoneInfo, opening: int, closing: int, days: int = 28
) -> list[tuple[object, object]]:
    """`days` before the Monday after the change, Monday to Saturday, about 100 lookups
    a day between `opening` and `closing` on the structure's wall clock."""
    stream: list[tuple[object, object]] = []
    for back in range(days, 0, -1):
        day = AFTER_THE_CHANGE - timedelta(days=back)
        if day.weekday() == 6:
            continue
        seconds = sorted(counter.rng.uniform(0, (closing - opening) * 3600) for _ in range(100))
        for second in seconds:
            local = day.replace(hour=opening, tzinfo=zone) + timedelta(seconds=second)
            stream.append((local, counter.sighting(counter.rng.choice(counter.patients))))
    return stream


def _hour_at(
    counter: Counter, zone: ZoneInfo, hour: int, minutes: int = 30, lookups: int = 15
) -> list[tuple[object, object]]:
    """`lookups` in the first `minutes` of `hour` on the Monday after the change."""
    start = AFTER_THE_CHANGE.replace(hour=hour, tzinfo=zone)
    return [
        (
            start + timedelta(seconds=i * minutes * 60 // lookups),
            counter.sighting(counter.rng.choice(counter.patients)),
        )
        for i in range(lookups)
    ]


def _unusual(detection: Detection, counter: Counter, at: object) -> bool:
    now = epoch_ms(at)  # type: ignore[arg-type]
    return any(
        Detector.UNUSUAL_HOURS in {s.detector for s in detection.state(s, now).risk.fired}
        for s in (counter.account, counter.structure)
    )


def test_the_first_hour_after_the_spring_change_is_not_taken_for_closed() -> None:
    """A Paris pharmacy working 08:00-20:00 its time: on the Monday after clocks go
    forward, 08:00-08:30 is one UTC hour earlier than in the four weeks before. Counted
    in UTC, that hour was never worked (closed, 15 lookups in it: unusual); counted on
    the pharmacy's clock, it is its usual first hour. A night hour still reads closed."""
    detection, counter = Detection(LocalFeatureStore()), Counter.make(seed=17)
    assert set(replay(detection, iter(_local_weeks(counter, PARIS, 8, 20)))) == {Rung.NONE}
    morning = _hour_at(counter, PARIS, 8)
    assert set(replay(detection, iter(morning))) == {Rung.NONE}
    assert not _unusual(detection, counter, morning[-1][0])
    night = _hour_at(counter, PARIS, 23)
    replay(detection, iter(night))
    assert _unusual(detection, counter, night[-1][0])


def test_an_overseas_structure_keeps_its_own_hours() -> None:
    """A Guadeloupe pharmacy (FINESS 971...) working 08:00-19:00 its time, which has no
    daylight saving: when Paris's clocks go forward, its last hour (18:00, 23:00 UTC)
    moves from 23:00 to 01:00 Paris time the next day. Counted on its own clock it stays
    its usual last hour; Paris hours would take it for a night."""
    guadeloupe = ZoneInfo("America/Guadeloupe")
    detection, counter = Detection(LocalFeatureStore()), Counter.make(seed=19)
    counter.structure = Subject.structure("971000001")
    replay(detection, iter(_local_weeks(counter, guadeloupe, 8, 19)))
    evening = _hour_at(counter, guadeloupe, 18)
    assert set(replay(detection, iter(evening))) == {Rung.NONE}
    assert not _unusual(detection, counter, evening[-1][0])
    night = _hour_at(counter, guadeloupe, 2)
    replay(detection, iter(night))
    assert _unusual(detection, counter, night[-1][0])


def test_hours_of_the_week_are_read_on_the_structure_clock() -> None:
    reunion = structure_zone("974000001")
    assert reunion == ZoneInfo("Indian/Reunion")
    assert structure_zone("976000001") == ZoneInfo("Indian/Mayotte")
    assert structure_zone("973000001") == ZoneInfo("America/Cayenne")
    assert structure_zone("750000001") == PARIS
    assert structure_zone("2A0000001") == PARIS  # Corsica keeps Paris time
    # Monday 00:30 in La Réunion is still Sunday 20:30 in UTC: a new local week.
    monday = epoch_ms(datetime(2026, 3, 30, 0, 30, tzinfo=reunion))
    assert hour_of_week(monday, reunion) == 0
    assert week_of(monday, reunion) == week_of(monday - 3_600_000, reunion) + 1
    # Paris, 08:30 on the Mondays before and after the change: the same hour of the week.
    before = epoch_ms(datetime(2026, 3, 23, 8, 30, tzinfo=PARIS))
    after = epoch_ms(datetime(2026, 3, 30, 8, 30, tzinfo=PARIS))
    assert hour_of_week(before, PARIS) == hour_of_week(after, PARIS) == 8
    assert week_of(after, PARIS) == week_of(before, PARIS) + 1


def test_a_colleague_new_to_the_portal_is_compared_with_the_pharmacys_places() -> None:
    """The pharmacy works through its software (a client subject) for a month; one of its
    pharmacists never used the portal. Their phished password read from the attacker's
    network is an address the pharmacy never worked from; the same pharmacist falling
    back on a browser at the counter while the software is down is not."""
    software = Counter.make(seed=7)
    software = replace(software, account=Subject.client(uuid.UUID(int=70)))

    def colleague_reads(address: str) -> tuple[list[Rung], set[Detector]]:
        detection = Detection(LocalFeatureStore())
        replay(detection, software.weeks(MONDAY))
        pharmacist = replace(
            software,
            account=Subject.account(uuid.UUID(int=71)),
            rng=random.Random(9),
            address=address,
            device="a-browser-beside-the-counter",
        )
        rng, at = random.Random(4), MONDAY.replace(hour=9)
        stream: list[tuple[object, object]] = []
        for _ in range(90):  # a busy counter's pace, irregular: about 50 an hour
            at += timedelta(seconds=rng.expovariate(1 / 75))
            stream.append((at, pharmacist.sighting(rng.choice(software.patients))))
        rungs = replay(detection, iter(stream))
        fired = detection.state(pharmacist.account, epoch_ms(at)).risk.fired
        return rungs, {s.detector for s in fired}

    rungs, fired = colleague_reads("the-attackers-network")
    assert Detector.NEW_PLACE in fired
    assert {Rung.THROTTLE, Rung.STEP_UP, Rung.SUSPEND} & set(rungs)

    rungs, fired = colleague_reads("address-of-the-pharmacy")
    assert Detector.NEW_PLACE not in fired
    assert set(rungs) == {Rung.NONE}
