"""The range's parts: the fork of the shield's in-process state, simulated time, and the
count of identity fields an answer carries."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from rempart.identity.permissions import Actor, Role
from rempart.kernel.clock import FixedClock
from rempart.kernel.errors import RateLimited
from rempart.registry.domain import BeneficiaryStatement, Relationship, RightsPeriod
from rempart.rights.eligibility import CheckStatus
from rempart.rights.service import RightsAnswer
from rempart.shield.quotas import Limits, QuotaPolicy
from rempart.shield.store import Mark, Op, Recent, Tally
from rempart.simulation.attacks import Pace, _near
from rempart.simulation.measure import identity_fields_disclosed, is_record
from rempart.simulation.timeline import Timeline
from rempart.simulation.workload import misread
from rempart.simulation.world import ForkableQuotas, ForkableStore

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PERSON = BeneficiaryStatement(
    "123456789",
    "AB12345678",
    "C100",
    "CONV1",
    "185057510812345",
    "185057510812345",
    "19850512",
    1,
    Relationship.INSURED,
    "DURAND",
    "MARIE",
    (RightsPeriod(date(2024, 1, 1), None),),
    date(2026, 12, 1),
)


def test_a_forked_feature_store_answers_like_its_origin_then_goes_its_own_way() -> None:
    store = ForkableStore()
    first: list[Op] = [Tally("k:t", 5, 2, 0), Recent("k:r", "a", 3), Mark("k:m", "x", 10, 0)]
    store.run(first, 100)
    twin = store.fork()
    ops: list[Op] = [Tally("k:t", 5, 0, 0), Recent("k:r", None, 3), Mark("k:m", None, 10, 0)]
    assert twin.run(ops, 100).counts(0) == store.run(ops, 100).counts(0) == {5: 2}
    twin.run([Tally("k:t", 5, 1, 0)], 100)
    assert store.run(ops, 100).counts(0) == {5: 2}
    assert twin.run(ops, 100).counts(0) == {5: 3}
    assert twin.snapshot().keys() == store.snapshot().keys()


def test_forked_quotas_keep_what_was_counted() -> None:
    quotas = ForkableQuotas(QuotaPolicy.everywhere(Limits(3, 1_000, 1_000)))
    actor = Actor(account_id=uuid.uuid4(), role=Role.PROFESSIONAL)
    for _ in range(2):
        quotas.admit(actor=actor, action="rights.check", structure=None, now=NOW)
    twin = quotas.fork()
    twin.admit(actor=actor, action="rights.check", structure=None, now=NOW)
    with pytest.raises(RateLimited):
        twin.admit(actor=actor, action="rights.check", structure=None, now=NOW)
    quotas.admit(actor=actor, action="rights.check", structure=None, now=NOW)  # its own third


def test_the_timeline_runs_actions_in_order_and_moves_the_clock() -> None:
    clock = FixedClock(NOW)
    timeline = Timeline(clock)
    seen: list[tuple[str, datetime]] = []
    timeline.at(NOW + timedelta(minutes=5), lambda: seen.append(("b", clock.now())))
    timeline.at(NOW + timedelta(minutes=1), lambda: seen.append(("a", clock.now())))
    timeline.at(NOW + timedelta(hours=2), lambda: seen.append(("c", clock.now())))
    timeline.run_until(NOW + timedelta(hours=1))
    assert seen == [("a", NOW + timedelta(minutes=1)), ("b", NOW + timedelta(minutes=5))]
    assert clock.now() == NOW + timedelta(hours=1)
    timeline.at(NOW, lambda: seen.append(("late", clock.now())))  # past: runs at once
    timeline.run_until(NOW + timedelta(hours=3))
    assert [name for name, _ in seen] == ["a", "b", "late", "c"]


def test_an_answer_of_the_rights_check_carries_no_identity_field() -> None:
    answer = RightsAnswer(
        CheckStatus.OPEN, None, date(2024, 1, 1), None, (), None, date(2026, 12, 22)
    )
    assert identity_fields_disclosed(answer, PERSON) == 0
    assert is_record(answer)
    stranger = RightsAnswer(CheckStatus.NO_MATCHING_RIGHTS, None, None, None, (), None, None)
    assert not is_record(stranger)


def test_the_identity_count_would_see_a_name_a_nir_or_a_birth_date() -> None:
    @dataclass
    class Leaky:
        status: str
        holder: str
        nir: str
        born: str

    leaky = Leaky("open", "Marie Durand", "185057510812345", "19850512")
    assert identity_fields_disclosed(leaky, PERSON) == 5  # type: ignore[arg-type]


def test_a_misread_card_differs_from_the_card() -> None:
    rng = random.Random(3)
    for _ in range(200):
        typed = misread(PERSON, rng)
        assert (typed.member_number, typed.birth_rank) != (
            PERSON.member_number,
            PERSON.birth_rank,
        )
        assert typed.insured_nir == PERSON.insured_nir


def test_the_harsher_typing_model_misreads_the_last_digit_only() -> None:
    rng = random.Random(3)
    for _ in range(200):
        typed = misread(PERSON, rng, last_digit=True)
        if typed.member_number != PERSON.member_number:
            assert typed.member_number[:-1] == PERSON.member_number[:-1]
        else:
            assert typed.birth_rank != PERSON.birth_rank


def test_member_numbers_guessed_next_to_a_known_one_keep_its_shape() -> None:
    assert _near("AB00000009", 1) == "AB00000010"
    assert _near("AB00000000", -1) == "AB99999999"
    assert _near("12345678", 2) == "12345680"


def test_a_careful_pace_is_irregular() -> None:
    rng = random.Random(1)
    gaps = [Pace(mean=45.0, floor=4.0).gap(rng) for _ in range(2_000)]
    assert min(gaps) >= 4.0
    assert 40 < sum(gaps) / len(gaps) < 52


def test_parameters_can_be_set_from_the_command_line() -> None:
    from rempart.simulation.parameters import Parameters, override

    params = override(
        Parameters(),
        ["slow_working_hours=21,7", "slow_mean_gap_s=360", "attacker_steps_up=no"],
    )
    assert params.slow_working_hours == (21, 7)
    assert params.slow_mean_gap_s == 360.0
    assert params.attacker_steps_up is False
    assert override(params, ["slow_working_hours=none"]).slow_working_hours is None
    for wrong in ("nobody=1", "replay_gap_s=1", "slow_hours=soon", "pharmacy_day=1,2"):
        with pytest.raises(ValueError, match="--set"):
            override(Parameters(), [wrong])
