"""Each detector, pure: it fires on the behaviour it watches and stays quiet on a
counter's honest work — a busy pharmacy on a winter Monday included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rempart.shield.detectors import behaviour, events, lookups, volume
from rempart.shield.detectors.lookups import Trait
from rempart.shield.domain import Detector, Ladder, Risk, Rung, Signal, Subject, graded
from rempart.shield.features import Card, trait

PERSON = volume.VolumePolicy()
SHARED = volume.VolumePolicy().scaled(4)
# Four weeks of one pharmacist: 120-180 checks a day, Mondays the busiest.
HISTORY = tuple(180 if d % 5 == 0 else 120 + (d * 7) % 40 for d in range(20))


def test_graded_scores_rise_with_the_excess() -> None:
    assert [graded(r) for r in (0.5, 0.99, 1.0, 1.5, 2.0, 5.0)] == [0, 0, 40, 70, 100, 100]


# --- volume -------------------------------------------------------------------------------


def test_a_winter_monday_stays_under_the_own_baseline() -> None:
    busy = volume.baseline(HISTORY, PERSON)
    assert busy == 180
    # Twice the usual day, with a heavy morning hour: no signal.
    monday = volume.Volume(hour=55, day=330, past_days=HISTORY)
    assert volume.own_baseline(monday, PERSON).score == 0
    assert volume.peers(monday, PERSON).score == 0


def test_reading_three_times_a_busy_day_fires_and_six_times_suspends() -> None:
    assert volume.own_baseline(volume.Volume(60, 540, HISTORY), PERSON).score == 40
    assert volume.own_baseline(volume.Volume(60, 1100, HISTORY), PERSON).score == 100
    # An hour holding a whole busy day fires before the day does.
    assert volume.own_baseline(volume.Volume(190, 190, HISTORY), PERSON).score >= 40


def test_an_account_without_history_is_measured_against_its_peers() -> None:
    young = volume.Volume(hour=30, day=140, past_days=(100, 120), peer_mean=150.0, peer_days=80)
    assert volume.own_baseline(young, PERSON).score == 0  # not mature: no own baseline
    assert volume.peers(young, PERSON).score == 0
    scraping = volume.Volume(hour=400, day=900, past_days=(), peer_mean=150.0, peer_days=80)
    assert volume.peers(scraping, PERSON).score == 100
    # Without trusted peers, the floors hold.
    lonely = volume.Volume(hour=60, day=60, past_days=(), peer_mean=None, peer_days=0)
    assert volume.peers(lonely, PERSON).score == 40


def test_a_mature_subject_creeping_far_above_its_peers_fires() -> None:
    creeping = tuple(range(900, 1300, 20))  # its own baseline followed it up
    assert volume.own_baseline(volume.Volume(100, 1500, creeping), PERSON).score == 0
    assert volume.peers(volume.Volume(100, 1800, creeping, 120.0, 200), PERSON).score == 70


def test_structures_get_higher_floors() -> None:
    assert volume.peers(volume.Volume(200, 900), SHARED).score == 0
    assert volume.peers(volume.Volume(200, 900), PERSON).score == 100


def test_checks_that_never_lead_to_an_invoice() -> None:
    policy = volume.ConversionPolicy()
    assert volume.checks_without_invoice(volume.Conversion(300, 0, True), policy).score == 100
    assert volume.checks_without_invoice(volume.Conversion(300, 20, True), policy).score == 70
    assert volume.checks_without_invoice(volume.Conversion(300, 240, True), policy).score == 0
    # Too few checks, or no invoices anywhere on the platform yet: no judgement.
    assert volume.checks_without_invoice(volume.Conversion(100, 0, True), policy).score == 0
    assert volume.checks_without_invoice(volume.Conversion(900, 0, False), policy).score == 0


# --- lookups -------------------------------------------------------------------------------


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(b"test-key|" + text.encode()).hexdigest()


def _card(nir13: str, member: str = "M0001234", birth: str = "19800101", rank: int = 1) -> Card:
    return Card(nir13 + "00", birth, rank, "123456789", member)


def test_a_trait_keeps_no_identifier() -> None:
    card = _card("1800175123456", member="AB00012345")
    kept = trait(card, matched=True, digest=_digest).encode()
    for value in ("1800175123456", "AB00012345", "19800101", "1800175123"):
        assert value not in kept
    decoded = Trait.decode(kept)
    assert decoded is not None
    assert decoded.order == 456
    assert decoded.tail == 12345


def test_unmatched_share_fires_on_guesses_not_on_typos() -> None:
    policy = lookups.LookupPolicy()
    assert lookups.unmatched(lookups.Matching(30, 2, 150, 6), policy).score == 0
    assert lookups.unmatched(lookups.Matching(30, 12, 150, 20), policy).score == 40
    assert lookups.unmatched(lookups.Matching(40, 36, 40, 36), policy).score == 100
    assert lookups.unmatched(lookups.Matching(10, 10, 10, 10), policy).score == 0  # too few


def test_sequential_nirs_are_enumeration() -> None:
    policy = lookups.LookupPolicy()
    walk = [
        trait(_card(f"1800175123{n:03d}", member=f"M{n:07d}"), matched=False, digest=_digest)
        for n in range(400, 412)
    ]
    signal = lookups.enumeration(list(reversed(walk)), policy)
    assert signal.score == 100
    assert "sequential" in signal.evidence


def test_one_nir_with_many_birth_dates_is_guessing() -> None:
    policy = lookups.LookupPolicy()
    guesses = [
        trait(_card("1800175123456", birth=f"1980{m:02d}01"), matched=False, digest=_digest)
        for m in range(1, 7)
    ]
    assert lookups.enumeration(guesses, policy).score == 70


def test_a_family_at_the_counter_is_not_enumeration() -> None:
    """The insured's NIR on every child's card, distinct birth dates and ranks: they
    match. Other patients of the day: unrelated NIRs and member numbers."""
    policy = lookups.LookupPolicy()
    family = [
        trait(_card("1800175123456", birth=b, rank=r), matched=True, digest=_digest)
        for b, r in (("19800101", 1), ("20100304", 1), ("20120506", 1), ("20120506", 2))
    ]
    others = [
        trait(
            _card(f"{1 + n % 2}{60 + n:02d}{(n % 12) + 1:02d}{10 + n:02d}{100 + n * 7:03d}{n:03d}"),
            matched=True,
            digest=_digest,
        )
        for n in range(40)
    ]
    assert lookups.enumeration(family + others, policy).score == 0


def test_a_misread_member_number_and_its_correction_are_not_enumeration() -> None:
    """A member number keyed wrong in its last digit (no match), then read again: two
    member numbers a few apart, under one insured NIR. Twenty such pairs in the window
    are still one person each."""
    policy = lookups.LookupPolicy()
    window = []
    for n in range(20):
        nir = f"{1 + n % 2}{60 + n:02d}{(n % 12) + 1:02d}{10 + n:02d}{100 + n * 7:03d}{n:03d}"
        member = f"M{1_000_000 + n * 9_973:07d}"
        typed = member[:-1] + str((int(member[-1]) + 1 + n % 9) % 10)
        window += [
            trait(_card(nir, member=typed), matched=False, digest=_digest),
            trait(_card(nir, member=member), matched=True, digest=_digest),
        ]
    signal = lookups.enumeration(list(reversed(window)), policy)
    assert signal.score == 0
    assert signal.evidence.startswith("0 sequential")


def test_walking_member_numbers_across_people_is_enumeration() -> None:
    """Member numbers a few apart, each under another person's NIR (unrelated births
    and places): caught on the member numbers alone."""
    policy = lookups.LookupPolicy()
    walk = [
        trait(
            _card(
                f"{1 + n % 2}{60 + n:02d}{(n % 12) + 1:02d}{10 + n:02d}{100 + n * 7:03d}{n:03d}",
                member=f"M{5000 + 3 * n:07d}",
            ),
            matched=False,
            digest=_digest,
        )
        for n in range(12)
    ]
    assert lookups.sequential_count(list(reversed(walk)), policy) == 11
    assert lookups.enumeration(list(reversed(walk)), policy).score == 100


# --- behaviour -------------------------------------------------------------------------------


def test_a_loop_with_a_sleep_is_not_a_counter() -> None:
    policy = behaviour.CadencePolicy()
    regular = [1_000_000 + i * 2_000 for i in range(25)]
    assert behaviour.cadence(regular[::-1], 8, policy).score == 70
    jittered = [1_000_000 + i * 2_000 + (i % 3) * 300 for i in range(25)]
    assert behaviour.cadence(jittered[::-1], 8, policy).score == 40


def test_a_counter_is_irregular() -> None:
    policy = behaviour.CadencePolicy()
    gaps = [45, 300, 80, 620, 150, 30, 240, 90, 400, 60, 180, 35, 510, 120, 75, 260, 95, 40]
    arrivals, at = [], 1_000_000
    for gap in gaps * 2:
        at += gap * 1000
        arrivals.append(at)
    assert behaviour.cadence(arrivals[::-1], 4, policy).score == 0


def test_sustained_rate_fires_even_when_irregular() -> None:
    policy = behaviour.CadencePolicy()
    assert behaviour.cadence([], 25, policy).score == 40
    assert behaviour.cadence([], 60, policy).score == 100
    software = behaviour.CadencePolicy(sustained_factor=3.0)
    assert behaviour.cadence([], 25, software).score == 0


def test_new_place_with_volume() -> None:
    policy = behaviour.PlacePolicy()
    calm = behaviour.Place(True, False, True, hour=12, busy_day=160)
    assert behaviour.new_place(calm, policy).score == 0  # a new PC, a normal hour
    busy = behaviour.Place(True, False, True, hour=45, busy_day=160)
    assert behaviour.new_place(busy, policy).score == 40
    assert behaviour.new_place(behaviour.Place(False, False, True, 300, 160), policy).score == 0
    # A brand-new account: everything is new; its volume is the peers' business.
    assert behaviour.new_place(behaviour.Place(True, True, False, 300, None), policy).score == 0


def test_a_trickle_from_a_new_address_while_the_structure_is_closed_adds_up() -> None:
    policy = behaviour.PlacePolicy()

    def night(off_hours: int, *, new_address: bool = True) -> int:
        place = behaviour.Place(new_address, not new_address, True, 8, 160, off_hours)
        return behaviour.new_place(place, policy).score

    # A few lookups an hour, far under the volume threshold (30), add up over the night.
    assert [night(n) for n in (1, 9, 10, 19, 20, 39, 40)] == [0, 0, 40, 40, 70, 70, 100]
    assert (
        "while the structure is closed"
        in behaviour.new_place(behaviour.Place(True, False, True, 8, 160, 40), policy).evidence
    )
    # A new counter PC on night duty reads from the pharmacy's usual address: only the
    # volume rule applies to a new device.
    assert night(40, new_address=False) == 0
    # Open hours count nothing here (the engine passes 0): the volume rule stands alone.
    assert behaviour.new_place(behaviour.Place(True, False, True, 8, 160, 0), policy).score == 0


def test_off_hours_need_a_known_structure_that_hardly_works_then() -> None:
    policy = behaviour.HoursPolicy()
    assert behaviour.is_off_hours(2000, 4, 0.0005, policy)
    assert not behaviour.is_off_hours(2000, 4, 0.03, policy)  # its usual hours
    assert not behaviour.is_off_hours(50, 4, 0.0, policy)  # too young to know
    assert not behaviour.is_off_hours(2000, 4, None, policy)


@given(st.floats(min_value=0.0, max_value=1.0), st.integers(min_value=200, max_value=20_000))
def test_a_first_week_however_busy_closes_no_hour(share: float, history: int) -> None:
    """All its lookups in the previous week: the hours it has not worked yet are not
    hours it does not work."""
    policy = behaviour.HoursPolicy()
    assert not behaviour.is_off_hours(history, 1, share, policy)
    assert not behaviour.is_off_hours(500, 1, 0.0, policy)
    night = behaviour.Hours(hour=40, history=history, weeks=1, usual_share=share)
    assert behaviour.unusual_hours(night, policy).score == 0


def test_an_hour_closes_from_three_weeks_with_activity() -> None:
    policy = behaviour.HoursPolicy()
    assert policy.min_weeks == 3
    assert not behaviour.is_off_hours(500, 2, 0.0, policy)
    assert behaviour.is_off_hours(500, 3, 0.0, policy)  # a rare hour, three weeks seen
    assert behaviour.is_off_hours(500, 3, 0.0019, policy)
    assert not behaviour.is_off_hours(500, 3, 0.002, policy)  # not rare
    assert not behaviour.is_off_hours(199, 3, 0.0, policy)  # weeks without volume
    # Three weeks of work and a week of holiday are still a known pattern.
    assert behaviour.is_off_hours(500, 4, 0.0, policy)
    two = behaviour.Hours(hour=40, history=500, weeks=2, usual_share=0.0)
    three = behaviour.Hours(hour=40, history=500, weeks=3, usual_share=0.0)
    assert behaviour.unusual_hours(two, policy).score == 0
    fired = behaviour.unusual_hours(three, policy)
    assert fired.score == 35
    assert fired.evidence == (
        "40 lookups in an hour of the week holding 0.00% of 500 over four weeks (3 active)"
    )


def test_unusual_hours_only_add_to_other_signals() -> None:
    policy = behaviour.HoursPolicy()
    night = behaviour.Hours(hour=40, history=2000, weeks=4, usual_share=0.0005)
    assert behaviour.unusual_hours(night, policy).score == 35  # under the throttle alone
    duty = behaviour.Hours(hour=12, history=2000, weeks=4, usual_share=0.0)  # a night on duty
    assert behaviour.unusual_hours(duty, policy).score == 20
    assert Ladder().rung_for(behaviour.unusual_hours(night, policy).score) is Rung.NONE
    usual = behaviour.Hours(hour=40, history=2000, weeks=4, usual_share=0.03)
    assert behaviour.unusual_hours(usual, policy).score == 0
    young = behaviour.Hours(hour=40, history=50, weeks=4, usual_share=0.0)
    assert behaviour.unusual_hours(young, policy).score == 0


def test_concurrent_sessions() -> None:
    assert behaviour.concurrent_sessions(2, 1).score == 0  # two counters, one pharmacy
    assert behaviour.concurrent_sessions(2, 2).score == 40
    assert behaviour.concurrent_sessions(5, 1).score == 70


def test_quota_pressure() -> None:
    assert behaviour.quota_pressure(3).score == 0
    assert behaviour.quota_pressure(12).score == 30
    assert behaviour.quota_pressure(70).score == 100


# --- events ----------------------------------------------------------------------------------


def test_a_honeytoken_alone_suspends() -> None:
    hit = events.honeytoken(True)
    assert hit.critical
    assert Ladder().rung_for(hit.score) is Rung.SUSPEND
    assert events.honeytoken(False).score == 0


def test_bursts_and_reports() -> None:
    policy = events.BurstPolicy()
    assert events.account_burst(2, factor=1.0, policy=policy).score == 0
    assert events.account_burst(9, factor=1.0, policy=policy).score == 70
    assert events.account_burst(9, factor=5.0, policy=policy).score == 0  # platform admin
    assert events.iban_burst(1, policy).score == 0
    assert events.iban_burst(3, policy).score == 70
    assert events.not_me(1).score == 30
    assert not events.not_me(1).critical
    assert events.not_me(2).critical
    assert events.not_me(3).score == 100


# --- risk ------------------------------------------------------------------------------------


def test_risk_adds_signals_and_the_ladder_maps_it() -> None:
    subject = Subject.structure("750000001")
    risk = Risk(
        subject,
        (
            Signal(Detector.CADENCE, 40, "regular"),
            Signal(Detector.UNUSUAL_HOURS, 30, "night"),
            Signal(Detector.UNMATCHED, 0),
        ),
    )
    assert risk.score == 70
    assert risk.rung(Ladder()) is Rung.STEP_UP
    assert [s.detector for s in risk.fired] == [Detector.CADENCE, Detector.UNUSUAL_HOURS]
    # In the grace period after a lift, only critical signals contain.
    assert risk.rung(Ladder(), in_grace=True) is Rung.NONE
    reported = Risk(subject, (Signal(Detector.NOT_ME, 70, "two reports", True),))
    assert reported.rung(Ladder(), in_grace=True) is Rung.STEP_UP


@given(st.lists(st.integers(min_value=0, max_value=100), max_size=14))
def test_more_evidence_never_lowers_the_rung(scores: list[int]) -> None:
    ladder = Ladder()
    detectors = list(Detector)
    signals = tuple(Signal(detectors[i], s) for i, s in enumerate(scores))
    subject = Subject.structure("750000001")
    rung = Risk(subject, signals).rung(ladder)
    more = Risk(subject, (*signals, Signal(Detector.HONEYTOKEN, 10))).rung(ladder)
    assert more.at_least(rung)
