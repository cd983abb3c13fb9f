"""The register's rules, pure: the state machine, the timeline, the deadlines (GDPR art.
33: 72 hours; the processor's contractual target) and the containment steps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.audit.domain import Category
from rempart.incidents import domain, letters, notices
from rempart.incidents.domain import (
    AmcFigures,
    Closure,
    Containment,
    Controller,
    Kind,
    Milestone,
    Status,
    containment_step,
    deadlines,
)
from rempart.kernel.errors import Conflict, InvalidInput

AWARE = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def controller(amc: str = "111111111", **instants: datetime | None) -> Controller:
    return Controller(amc=amc, in_scope=True, **instants)  # type: ignore[arg-type]


def due(now: datetime, controllers: list[Controller], **kw: object) -> domain.Deadlines:
    values: dict[str, object] = {
        "aware_at": AWARE,
        "controller_target": DAY,
        "status": Status.OPEN,
        "scoped": True,
        "controllers": controllers,
        "now": now,
    }
    values.update(kw)
    return deadlines(**values)  # type: ignore[arg-type]


def test_the_deadlines_run_from_awareness() -> None:
    d = due(AWARE, [controller()])
    assert d.controllers_due_at == AWARE + DAY
    assert d.authority_due_at == AWARE + timedelta(hours=72)
    assert not d.controllers_overdue
    assert not d.authority_overdue
    (per,) = d.by_controller
    assert per.inform_due_at == AWARE + DAY
    assert per.authority_due_at is None  # the insurer is not aware until told


def test_an_insurer_not_informed_in_time_is_overdue_and_its_own_72_hours_run_from_the_telling() -> (
    None
):
    late = AWARE + DAY + timedelta(minutes=1)
    d = due(late, [controller()])
    assert d.controllers_overdue
    assert d.by_controller[0].inform_overdue
    told = AWARE + timedelta(hours=30)
    d = due(told + timedelta(hours=73), [controller(informed_at=told)])
    assert not d.controllers_overdue
    per = d.by_controller[0]
    assert per.authority_due_at == told + timedelta(hours=72)
    assert per.authority_overdue
    assert d.authority_overdue  # the strict reading: 72 h from Rempart's awareness
    done = due(
        told + timedelta(hours=73),
        [controller(informed_at=told, authority_notified_at=told + timedelta(hours=10))],
    )
    assert not done.authority_overdue
    assert not done.by_controller[0].authority_overdue


def test_an_unscoped_incident_past_the_target_is_overdue_and_a_closed_one_never_is() -> None:
    late = AWARE + timedelta(hours=80)
    assert due(late, [], scoped=False).controllers_overdue
    assert due(late, [], scoped=False).authority_overdue
    assert not due(late, [], scoped=True).controllers_overdue  # scoped: nobody concerned
    closed = due(late, [controller()], status=Status.CLOSED)
    assert not closed.controllers_overdue
    assert not closed.authority_overdue
    assert not closed.by_controller[0].inform_overdue


def test_an_insurer_out_of_scope_has_no_deadline() -> None:
    out = Controller(amc="222222222", in_scope=False)
    assert due(AWARE + timedelta(days=5), [out]).by_controller == ()


@given(
    target=st.integers(min_value=1, max_value=72),
    after=st.integers(min_value=0, max_value=200 * 60),
    informed=st.one_of(st.none(), st.integers(min_value=0, max_value=100 * 60)),
)
def test_overdue_exactly_when_past_due_and_not_done(
    target: int, after: int, informed: int | None
) -> None:
    now = AWARE + timedelta(minutes=after)
    told = None if informed is None else AWARE + timedelta(minutes=informed)
    if told is not None and told > now:
        told = None
    d = due(now, [controller(informed_at=told)], controller_target=timedelta(hours=target))
    per = d.by_controller[0]
    assert per.inform_overdue == (told is None and now > AWARE + timedelta(hours=target))
    assert per.authority_overdue == (told is not None and now > told + domain.AUTHORITY_DELAY)


def test_the_state_machine() -> None:
    assert domain.contained(Status.OPEN) is Status.CONTAINED
    with pytest.raises(Conflict, match="already"):
        domain.contained(Status.CONTAINED)
    with pytest.raises(Conflict, match="reopen"):
        domain.contained(Status.CLOSED)
    informed = controller(informed_at=AWARE)
    args = {"contained_at": AWARE, "scoped": True, "controllers": [informed]}
    assert domain.closed(Status.CONTAINED, closure=Closure.RESOLVED, **args) is Status.CLOSED  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="containment"):
        domain.closed(
            Status.OPEN, closure=Closure.RESOLVED, contained_at=None, scoped=True, controllers=[]
        )
    with pytest.raises(Conflict, match="scope"):
        domain.closed(
            Status.CONTAINED,
            closure=Closure.RESOLVED,
            contained_at=AWARE,
            scoped=False,
            controllers=[],
        )
    with pytest.raises(Conflict, match="inform every insurer"):
        domain.closed(
            Status.CONTAINED,
            closure=Closure.RESOLVED,
            contained_at=AWARE,
            scoped=True,
            controllers=[controller()],
        )
    assert (
        domain.closed(
            Status.OPEN,
            closure=Closure.NOT_A_BREACH,
            contained_at=None,
            scoped=False,
            controllers=[],
        )
        is Status.CLOSED
    )
    with pytest.raises(Conflict, match="reopen"):
        domain.closed(
            Status.CLOSED,
            closure=Closure.NOT_A_BREACH,
            contained_at=None,
            scoped=False,
            controllers=[],
        )
    assert domain.reopened(Status.CLOSED, contained_at=None) is Status.OPEN
    assert domain.reopened(Status.CLOSED, contained_at=AWARE) is Status.CONTAINED
    with pytest.raises(Conflict):
        domain.reopened(Status.OPEN, contained_at=None)


def test_milestones_follow_the_insurer_timeline() -> None:
    assert domain.milestone_conflict(Milestone.AMC_INFORMED, None) is not None
    fresh = controller()
    assert domain.milestone_conflict(Milestone.AMC_INFORMED, fresh) is None
    assert "not been informed" in (
        domain.milestone_conflict(Milestone.AUTHORITY_NOTIFIED, fresh) or ""
    )
    told = controller(informed_at=AWARE)
    assert domain.milestone_conflict(Milestone.AUTHORITY_NOTIFIED, told) is None
    assert domain.milestone_conflict(Milestone.PEOPLE_NOTIFIED, told) is None
    assert domain.milestone_conflict(Milestone.AMC_INFORMED, told) is not None
    both = controller(informed_at=AWARE, authority_notified_at=AWARE, people_notified_at=AWARE)
    assert domain.milestone_conflict(Milestone.AUTHORITY_NOTIFIED, both) is not None
    assert domain.milestone_conflict(Milestone.PEOPLE_NOTIFIED, both) is not None


def test_the_timeline_refuses_the_future_and_awareness_before_detection() -> None:
    domain.check_opening(detected_at=AWARE, aware_at=AWARE, now=AWARE)
    with pytest.raises(InvalidInput) as error:
        domain.check_opening(detected_at=AWARE, aware_at=AWARE - timedelta(hours=1), now=AWARE)
    assert error.value.field == "aware_at"
    with pytest.raises(InvalidInput) as error:
        domain.check_opening(
            detected_at=AWARE + timedelta(hours=1), aware_at=AWARE + timedelta(hours=1), now=AWARE
        )
    assert error.value.field == "detected_at"
    with pytest.raises(InvalidInput):
        domain.check_opening(detected_at=AWARE.replace(tzinfo=None), aware_at=AWARE, now=AWARE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "NIR 1 85 07 75 123 456 08 seen",
        "carte 185077512345608",
        "x" * 4001,
        "bell\x07",
    ],
)
def test_free_text_refuses_empty_long_control_and_nir_like(text: str) -> None:
    with pytest.raises(InvalidInput):
        domain.free_text(text, field="description")


def test_free_text_keeps_public_numbers() -> None:
    text = "AMC 123456789, FINESS 750000002, RPPS 10000000006, 1200 checks\nsecond line"
    assert domain.free_text(text, field="description") == text


def test_kinds() -> None:
    assert domain.kinds_of(["integrity", "confidentiality"]) == {
        Kind.INTEGRITY,
        Kind.CONFIDENTIALITY,
    }
    with pytest.raises(InvalidInput):
        domain.kinds_of([])
    with pytest.raises(InvalidInput):
        domain.kinds_of(["leak"])


def test_containment_steps_name_their_target() -> None:
    account = uuid.uuid4()
    step = containment_step("suspend_account", str(account).upper(), "phished")
    assert step.target == str(account)
    assert step.target_id == account
    assert containment_step("rotate_keys", None, "keys").target is None
    assert containment_step("close_channel", "portal", "scraping").target == "portal"
    for kind, target in [
        ("suspend_account", None),
        ("suspend_account", "not-a-uuid"),
        ("revoke_client", "portal"),
        ("rotate_keys", "portal"),
        ("close_channel", "cli"),
        ("close_channel", None),
        ("delete_everything", None),
    ]:
        with pytest.raises(InvalidInput):
            containment_step(kind, target, "why")
    with pytest.raises(InvalidInput):
        containment_step("rotate_keys", None, "")


def test_measures_are_counted_in_french() -> None:
    steps = [
        (Containment.SUSPEND_ACCOUNT, "done"),
        (Containment.SUSPEND_ACCOUNT, "already_in_effect"),
        (Containment.ROTATE_KEYS, "recorded"),
    ]
    assert notices.measures(steps) == (
        "suspension du compte professionnel utilisé (2 comptes)",
        "rotation des clés de chiffrement des données",
    )


def _figures(people: int) -> AmcFigures:
    return AmcFigures(
        amc="111111111",
        people=people,
        records=people * 2,
        people_by_category={c: (people if c is Category.RIGHTS else 0) for c in Category},
        records_by_category={c: (people * 2 if c is Category.RIGHTS else 0) for c in Category},
        first_at=AWARE - DAY,
        last_at=AWARE - timedelta(hours=1),
        expired_records=3,
    )


def _facts(*, unintelligible: bool = False) -> notices.Facts:
    return notices.Facts(
        reference="INC-20261128-ABCDEF",
        kinds=frozenset({Kind.CONFIDENTIALITY}),
        description="Compte hameçonné.",
        detected_at=AWARE - timedelta(hours=1),
        aware_at=AWARE,
        contained_at=None,
        window_start=AWARE - DAY,
        window_end=AWARE,
        unintelligible=unintelligible,
        measures=("suspension du compte professionnel utilisé",),
        contact="",
    )


def test_the_notice_and_the_draft_say_the_figures() -> None:
    insurer = notices.Insurer("111111111", "Mutuelle Exemple", "dpo@mutuelle.example")
    notice = notices.plain_text(notices.processor_notice(_facts(), insurer, _figures(7), 2))
    assert "Personnes concernées : 7" in notice
    assert "Consultations concernées : 14" in notice
    assert "version 2" in notice
    assert "3 consultations de la période ne peuvent plus être attribuées" in notice
    assert "en cours" in notice  # not yet contained
    draft = notices.plain_text(notices.authority_draft(_facts(), insurer, _figures(7)))
    assert "Environ 7 bénéficiaires de Mutuelle Exemple" in draft
    assert "dpo@mutuelle.example" in draft
    assert "hameçonnage" in draft
    assert "inintelligibles" not in draft
    flagged = notices.plain_text(
        notices.authority_draft(_facts(unintelligible=True), insurer, _figures(7))
    )
    assert "inintelligibles" in flagged


def test_a_letter_is_plain_and_names_nobody() -> None:
    insurer = notices.Insurer("111111111", "Mutuelle Exemple", None)
    person = letters.Person(
        letter_ref="INC-20261128-ABCDEF-111111111-000001",
        categories=frozenset({Category.RIGHTS, Category.BANK}),
        first_at=AWARE - DAY,
        last_at=AWARE - timedelta(hours=20),
        records=2,
    )
    letter = notices.plain_text(letters.person_letter(_facts(), insurer, person))
    assert letter.startswith("Information sur un accès frauduleux")
    assert "Madame, Monsieur," in letter
    assert "vous êtes couvert(e) par Mutuelle Exemple" in letter
    assert "des coordonnées bancaires" in letter
    assert "fraude bancaire" in letter
    assert "prévenez votre banque" in letter
    assert "Référence à rappeler : INC-20261128-ABCDEF-111111111-000001" in letter
    assert "le 27/11/2026" in letter  # both accesses on one day, Paris time
    unintelligible = notices.plain_text(
        letters.person_letter(_facts(unintelligible=True), insurer, person)
    )
    assert "illisibles" in unintelligible
