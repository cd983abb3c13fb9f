"""The rights check (IDB) over HTTP on the cards a counter really sees: twins sharing the
insured's NIR and birth date, "lunar" birth dates, Corsican and overseas NIRs, rights
closed, ended, not yet open or interrupted, a change of complementary insurer. And the
two promises of issue 5: an answer never carries identity data (every field of every
answer type, and the published schema), and a stranger and a wrong birth date get the
same bytes.

One scene for the module: synthetic statements, built with `dataclasses.replace` on
generated ones, are imported once next to the generated file; each test signs in a
professional of its own after moving the clock a minute on, so that the shield's
per-minute budgets never couple tests."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from rempart.identity.permissions import Role
from rempart.kernel.identifiers import nir_key
from rempart.registry import service as registry
from rempart.registry.domain import (
    BeneficiaryStatement,
    Contract,
    Relationship,
    RightsPeriod,
    RightsStatus,
)
from rempart.registry.repository import RegistryRepository
from rempart.registry.service import find_beneficiary
from rempart.rights.service import revoke_after_import
from rempart.shield.port import FixedBudgetShield

from ..conftest import TODAY
from ..factories import france, statements, write_file
from ..identity.clientworld import World, build_world
from ..identity.web import Web, make_web

CHECKS = "/api/v1/rights/checks"
CATEGORIES = ("pharmacy_65", "optical_free_price", "general_practitioner")
ANSWER_KEYS = {"status", "reason", "valid_from", "valid_until", "guarantees", "accreditation"}


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def nir(first13: str) -> str:
    """A NIR with its right key (97 - N mod 97, Corsica's 2A/2B read as 19/18)."""
    assert len(first13) == 13
    return first13 + nir_key(first13)


# -- the synthetic people -----------------------------------------------------------------

# Twins: children of the same insured, same sex, born the same day (the card carries the
# insured's NIR and the child's birth date; only the rank tells them apart).
TWINS_NIR = nir("1780575056123")
TWINS_BORN = "20150612"
TWIN_ONE_UNTIL = None
TWIN_TWO_UNTIL = days(-60)

# Born abroad (department 99), "lunar" birth dates as printed on the card, and what a
# well-meaning normalisation would turn them into.
LUNAR = {
    "19850000": ("19850101", nir("1855099123004")),  # month and day 00
    "19851200": ("19851201", nir("2851299217015")),  # day 00
    "19850015": ("19850115", nir("1855099352021")),  # month 00
    "19850231": ("19850228", nir("2850299109033")),  # 31 February
}

CORSICA_2A = "180052A004123"  # born 1980-05 in Corse-du-Sud
CORSICA_2B = "292072B033045"  # born 1992-07 in Haute-Corse
OVERSEAS = {
    "971": "1880597112001",  # Guadeloupe
    "972": "2010197209002",  # Martinique
    "973": "1751197301003",  # Guyane
    "974": "2921197412345",  # La Réunion
    "976": "1040297611004",  # Mayotte
}
PLACES = {"2A": CORSICA_2A, "2B": CORSICA_2B} | OVERSEAS

CHANGE_NIR = nir("2660133063111")
CHANGE_BORN = "19660114"
CHANGE_DAY = days(-40)  # rights end at insurer A that day, open at insurer B the next

STRANGER_NIR = nir("1770869123456")  # valid, never imported


@dataclass(frozen=True)
class People:
    """The synthetic statements, by role in the tests."""

    twin_one: BeneficiaryStatement
    twin_two: BeneficiaryStatement
    lunar: dict[str, BeneficiaryStatement]
    places: dict[str, BeneficiaryStatement]
    not_yet_open: BeneficiaryStatement
    ended: BeneficiaryStatement
    closed_status: BeneficiaryStatement
    suspended: BeneficiaryStatement
    closed_future: BeneficiaryStatement
    gap: BeneficiaryStatement
    at_a: BeneficiaryStatement
    at_b: BeneficiaryStatement
    revocable: BeneficiaryStatement

    def all(self) -> list[BeneficiaryStatement]:
        singles = [
            self.twin_one,
            self.twin_two,
            self.not_yet_open,
            self.ended,
            self.closed_status,
            self.suspended,
            self.closed_future,
            self.gap,
            self.at_a,
            self.at_b,
            self.revocable,
        ]
        return singles + list(self.lunar.values()) + list(self.places.values())


def _differing_insurers(
    generated: list[BeneficiaryStatement], contracts: dict[tuple[str, str], Contract]
) -> tuple[BeneficiaryStatement, BeneficiaryStatement]:
    """Two generated statements of different AMCs whose contracts' guarantees differ on
    the categories the tests ask for: the answer then shows whose guarantees it gives."""

    def asked(s: BeneficiaryStatement) -> frozenset[Any]:
        return frozenset(
            g
            for g in contracts[(s.amc_number, s.contract_code)].guarantees
            if g.category in CATEGORIES
        )

    for a in generated:
        for b in generated:
            if a.amc_number != b.amc_number and asked(a) and asked(b) and asked(a) != asked(b):
                return a, b
    raise AssertionError("the generated world has no two differing insurers")


def build_people(
    generated: list[BeneficiaryStatement], contracts: dict[tuple[str, str], Contract]
) -> People:
    base = dataclasses.replace(
        generated[0],
        beneficiary_nir=None,
        relationship=Relationship.INSURED,
        last_name="QUILLEBEUF",
        first_name="Zéphyrine",
        as_of=TODAY,
    )

    def person(member: str, first13: str, born: str, *periods: RightsPeriod, **more: Any) -> Any:
        return dataclasses.replace(
            base,
            member_number=member,
            insured_nir=first13 if len(first13) == 15 else nir(first13),
            birth_date=born,
            birth_rank=more.pop("rank", 1),
            rights=periods,
            **more,
        )

    twin = {"relationship": Relationship.CHILD, "last_name": "VERMANDOIS"}
    a, b = _differing_insurers(generated, contracts)
    return People(
        twin_one=person(
            "TWIN0001",
            TWINS_NIR,
            TWINS_BORN,
            RightsPeriod(days(-700), TWIN_ONE_UNTIL),
            rank=1,
            first_name="Aurélien",
            **twin,
        ),
        twin_two=person(
            "TWIN0001",
            TWINS_NIR,
            TWINS_BORN,
            RightsPeriod(days(-700), TWIN_TWO_UNTIL),
            rank=2,
            first_name="Bastien",
            **twin,
        ),
        lunar={
            born: person(f"LUNE{i:04d}", first13, born, RightsPeriod(days(-500), None))
            for i, (born, (_, first13)) in enumerate(LUNAR.items())
        },
        places={
            place: person(f"LIEU{i:04d}", first13, "19800517", RightsPeriod(days(-500), None))
            for i, (place, first13) in enumerate(PLACES.items())
        },
        not_yet_open=person("DROIT001", "1700175111111", "19700101", RightsPeriod(days(10), None)),
        ended=person("DROIT002", "1700175111112", "19700102", RightsPeriod(days(-400), days(-30))),
        closed_status=person(
            "DROIT003",
            "1700175111113",
            "19700103",
            RightsPeriod(days(-100), days(100), RightsStatus.CLOSED),
        ),
        suspended=person(
            "DROIT004",
            "1700175111114",
            "19700104",
            RightsPeriod(days(-100), None, RightsStatus.SUSPENDED),
        ),
        closed_future=person(
            "DROIT005",
            "1700175111115",
            "19700105",
            RightsPeriod(days(-300), days(-200)),
            RightsPeriod(days(5), None, RightsStatus.CLOSED),
        ),
        gap=person(
            "DROIT006",
            "1700175111116",
            "19700106",
            RightsPeriod(days(-300), days(-100)),
            RightsPeriod(days(-10), days(-5)),
            RightsPeriod(days(20), None),
        ),
        at_a=person(
            "CHGA0001",
            CHANGE_NIR,
            CHANGE_BORN,
            RightsPeriod(days(-600), CHANGE_DAY),
            amc_number=a.amc_number,
            contract_code=a.contract_code,
            agreement_type="TPA",
        ),
        at_b=person(
            "CHGB0001",
            CHANGE_NIR,
            CHANGE_BORN,
            RightsPeriod(CHANGE_DAY + timedelta(days=1), None),
            amc_number=b.amc_number,
            contract_code=b.contract_code,
            agreement_type="TPB",
        ),
        revocable=person("REVOK001", "2690775111117", "19690709", RightsPeriod(days(-100), None)),
    )


# -- the scene ----------------------------------------------------------------------------


@dataclass
class Scene:
    web: Web
    world: World
    generated: list[BeneficiaryStatement]
    people: People
    contracts: dict[tuple[str, str], Contract]
    path: Path

    def counter(self) -> TestClient:
        """A professional of the world's pharmacy, signed in a minute after the last one
        (the shield's budgets are per minute and per structure)."""
        self.web.clock.set(self.web.clock.now() + timedelta(minutes=1, seconds=1))
        pro = self.web.account(
            Role.PROFESSIONAL, f"pharmacien-{uuid.uuid4().hex[:8]}", finess=(self.world.finess,)
        )
        return self.web.signed_in(pro)

    def statements(self) -> list[BeneficiaryStatement]:
        return self.generated + self.people.all()


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    tmp = tmp_path_factory.mktemp("check-cases")
    web = make_web(tmp, f"sqlite:///{tmp / 'rempart.sqlite3'}")
    # These cases test the rights rules, dozens of checks to the instant from one
    # structure: quotas only here; the detectors have their own tests (tests/shield).
    web.app.state.shield = FixedBudgetShield()
    world = build_world(web.platform)
    directory = france(60)
    contracts = {(i.amc_number, c.code): c for i in directory.insurers for c in i.contracts}
    generated = statements(directory, beneficiaries=60)
    people = build_people(generated, contracts)
    path = write_file(tmp / "rights.jsonl", generated + people.all())
    outcome = registry.import_rights_file(uow=web.platform.uow(), path=path)
    assert outcome.rejected == 0, outcome
    assert outcome.imported == len(generated) + len(people.all())
    with TestClient(web.app):
        yield Scene(web, world, generated, people, contracts, tmp)


@pytest.fixture
def counter(scene: Scene) -> TestClient:
    return scene.counter()


def card(line: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "insured_nir": line.insured_nir,
        "birth_date": line.birth_date,
        "birth_rank": line.birth_rank,
        "amc_number": line.amc_number,
        "member_number": line.member_number,
        "agreement_type": line.agreement_type,
        "date_of_care": TODAY.isoformat(),
        "categories": list(CATEGORIES),
    }
    body.update({k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()})
    return body


def check(counter: TestClient, line: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    answer = counter.post(CHECKS, json=card(line, **changes))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == ANSWER_KEYS
    return body


def assert_open(body: dict[str, Any], *, since: date, until: date | None) -> None:
    assert body["status"] == "open", body
    assert body["reason"] is None
    assert body["valid_from"] == since.isoformat()
    assert body["valid_until"] == (until.isoformat() if until else None)
    assert body["accreditation"] is not None
    assert uuid.UUID(body["accreditation"]["id"])


def assert_closed(body: dict[str, Any], reason: str) -> None:
    assert body == {
        "status": "closed",
        "reason": reason,
        "valid_from": None,
        "valid_until": None,
        "guarantees": [],
        "accreditation": None,
    }


NO_MATCH: dict[str, Any] = {
    "status": "no_matching_rights",
    "reason": "R-NO-MATCHING-RIGHTS",
    "valid_from": None,
    "valid_until": None,
    "guarantees": [],
    "accreditation": None,
}


def guarantees_of(scene: Scene, line: BeneficiaryStatement) -> list[dict[str, Any]]:
    contract = scene.contracts[(line.amc_number, line.contract_code)]
    return sorted(
        (
            {
                "category": str(g.category),
                "kind": str(g.kind),
                "rate_bp": g.rate_bp,
                "amount_cents": g.amount_cents,
                "yearly_ceiling_cents": g.yearly_ceiling_cents,
                "renewal_months": g.renewal_months,
            }
            for g in contract.guarantees
            if g.category in CATEGORIES
        ),
        key=lambda g: g["category"],
    )


def sorted_guarantees(body: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(body["guarantees"], key=lambda g: g["category"])


# -- 1. twins -----------------------------------------------------------------------------


def test_twins_each_get_their_own_answer(scene: Scene, counter: TestClient) -> None:
    one, two = scene.people.twin_one, scene.people.twin_two
    assert (one.insured_nir, one.birth_date) == (two.insured_nir, two.birth_date)

    first = check(counter, one)
    assert_open(first, since=days(-700), until=TWIN_ONE_UNTIL)
    assert sorted_guarantees(first) == guarantees_of(scene, one)

    assert_closed(check(counter, two), "R-RIGHTS-CLOSED")

    # On a day both were covered, each gets their own period and their own accreditation.
    earlier = TWIN_TWO_UNTIL - timedelta(days=1)
    again_one = check(counter, one, date_of_care=earlier)
    again_two = check(counter, two, date_of_care=earlier)
    assert_open(again_one, since=days(-700), until=None)
    assert_open(again_two, since=days(-700), until=TWIN_TWO_UNTIL)
    assert again_one["accreditation"]["id"] != again_two["accreditation"]["id"]

    # The attestation's member number as typed, lower-case: the same twin.
    assert_open(
        check(counter, one, member_number=one.member_number.lower()), since=days(-700), until=None
    )

    for rank in (3, 9):
        assert check(counter, one, birth_rank=rank) == NO_MATCH
        assert check(counter, one, birth_rank=rank, date_of_care=earlier) == NO_MATCH


# -- 2. lunar birth dates -----------------------------------------------------------------


@pytest.mark.parametrize("born", list(LUNAR))
def test_lunar_birth_dates_match_only_as_printed(
    scene: Scene, counter: TestClient, born: str
) -> None:
    line = scene.people.lunar[born]
    assert_open(check(counter, line), since=days(-500), until=None)

    normalised = LUNAR[born][0]
    assert check(counter, line, birth_date=normalised) == NO_MATCH
    shifted = born[:4] + born[6:] + born[4:6]  # day and month swapped
    if shifted != born:
        assert check(counter, line, birth_date=shifted) == NO_MATCH

    with scene.web.platform.uow() as uow:  # stored as received, never turned into a date
        found = find_beneficiary(
            uow=uow,
            insured_nir=line.insured_nir,
            birth_date=born,
            birth_rank=1,
            amc_number=line.amc_number,
            member_number=line.member_number,
        )
        assert found is not None
        stored = RegistryRepository(uow.session, uow.vault).load_beneficiary(found)
        assert stored.birth_date == born


# -- 3. Corsica and overseas --------------------------------------------------------------


def _wrong_keys(first13: str) -> list[str]:
    right = int(nir_key(first13))
    keys = {f"{(right % 97) + 1:02d}", f"{(right + 48) % 97 + 1:02d}"}
    # The key computed the naive ways: 2A/2B read as 20, or as each other.
    for wrong in ("20", "18", "19"):
        naive = first13.replace("2A", wrong).replace("2B", wrong)
        if naive != first13 and naive[:13].isdigit():
            keys.add(nir_key(naive))
    keys.discard(nir_key(first13))
    return sorted(keys)


@pytest.mark.parametrize("place", list(PLACES))
def test_corsican_and_overseas_nirs_are_checked(
    scene: Scene, counter: TestClient, place: str
) -> None:
    line = scene.people.places[place]
    first13 = line.insured_nir[:13]
    assert place in first13[5:8]
    assert_open(check(counter, line), since=days(-500), until=None)
    # As a card reader or a person types it: spaced, lower-case letters.
    spaced = " ".join(
        (
            first13[0],
            first13[1:3],
            first13[3:5],
            first13[5:7],
            first13[7:10],
            first13[10:13],
            line.insured_nir[13:],
        )
    )
    assert_open(check(counter, line, insured_nir=spaced.lower()), since=days(-500), until=None)

    for key in _wrong_keys(first13):
        refused = counter.post(CHECKS, json=card(line, insured_nir=first13 + key))
        assert refused.status_code == 422, (key, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == "insured_nir"
        assert first13 not in refused.text


def test_corsica_letters_count_as_19_and_18() -> None:
    assert nir(CORSICA_2A)[13:] == f"{97 - int(CORSICA_2A.replace('2A', '19')) % 97:02d}"
    assert nir(CORSICA_2B)[13:] == f"{97 - int(CORSICA_2B.replace('2B', '18')) % 97:02d}"


# -- 4. closed, ended, not yet open, interrupted ------------------------------------------


def test_closed_and_future_rights_say_why_and_accredit_nothing(
    scene: Scene, counter: TestClient
) -> None:
    p = scene.people
    cases: list[tuple[BeneficiaryStatement, date, str]] = [
        (p.not_yet_open, days(9), "R-RIGHTS-NOT-YET-OPEN"),  # the day before it opens
        (p.not_yet_open, TODAY, "R-RIGHTS-NOT-YET-OPEN"),
        (p.ended, days(-29), "R-RIGHTS-CLOSED"),  # the day after it ended
        (p.ended, TODAY, "R-RIGHTS-CLOSED"),
        (p.ended, days(-401), "R-RIGHTS-NOT-YET-OPEN"),  # the day before the first period
        (p.closed_status, TODAY, "R-RIGHTS-CLOSED"),  # a closed period covers the day
        (p.closed_status, days(-100), "R-RIGHTS-CLOSED"),
        (p.suspended, TODAY, "R-RIGHTS-CLOSED"),
        (p.closed_future, days(5), "R-RIGHTS-CLOSED"),  # a later period, but closed
        (p.closed_future, TODAY, "R-RIGHTS-CLOSED"),
        # In a gap the rights are not open, and reopen later: "not yet open" is the code
        # the eligibility rule gives for any day before an open period.
        (p.gap, days(-50), "R-RIGHTS-NOT-YET-OPEN"),
        (p.gap, TODAY, "R-RIGHTS-NOT-YET-OPEN"),
        (p.gap, days(19), "R-RIGHTS-NOT-YET-OPEN"),
    ]
    for line, day, reason in cases:
        body = check(counter, line, date_of_care=day)
        assert body["status"] == "closed", (line.member_number, day, body)
        assert_closed(body, reason)

    # The edges themselves are open, with the period's own bounds.
    assert_open(check(counter, p.not_yet_open, date_of_care=days(10)), since=days(10), until=None)
    assert_open(check(counter, p.ended, date_of_care=days(-30)), since=days(-400), until=days(-30))
    assert_open(check(counter, p.ended, date_of_care=days(-400)), since=days(-400), until=days(-30))
    assert_open(check(counter, p.gap, date_of_care=days(-100)), since=days(-300), until=days(-100))
    assert_open(check(counter, p.gap, date_of_care=days(-10)), since=days(-10), until=days(-5))
    assert_open(check(counter, p.gap, date_of_care=days(20)), since=days(20), until=None)


# -- 5. change of AMC ---------------------------------------------------------------------


def test_a_change_of_insurer_answers_each_card_for_its_own_period(
    scene: Scene, counter: TestClient
) -> None:
    a, b = scene.people.at_a, scene.people.at_b
    assert a.amc_number != b.amc_number
    assert guarantees_of(scene, a) != guarantees_of(scene, b)

    assert_closed(check(counter, a), "R-RIGHTS-CLOSED")
    assert_closed(check(counter, a, date_of_care=CHANGE_DAY + timedelta(days=1)), "R-RIGHTS-CLOSED")
    at_b = check(counter, b)
    assert_open(at_b, since=CHANGE_DAY + timedelta(days=1), until=None)
    assert sorted_guarantees(at_b) == guarantees_of(scene, b)

    # Before the change, the other way round.
    before = CHANGE_DAY
    at_a = check(counter, a, date_of_care=before)
    assert_open(at_a, since=days(-600), until=CHANGE_DAY)
    assert sorted_guarantees(at_a) == guarantees_of(scene, a)
    assert_closed(check(counter, b, date_of_care=before), "R-RIGHTS-NOT-YET-OPEN")

    # Mixing the two attestations matches nobody.
    assert check(counter, b, member_number=a.member_number) == NO_MATCH
    assert check(counter, a, amc_number=b.amc_number) == NO_MATCH
    assert check(counter, b, agreement_type=a.agreement_type) == NO_MATCH


# -- 6. no identity data in any answer ----------------------------------------------------

_FORBIDDEN_KEY = re.compile(
    r"name|nir|birth|member|address|iban|adresse|naissance|nom|prenom|phone|email|"
    r"(^|_)(dob|sex|bic|rank|ssn|insee|first|last|given|family|surname|insured|beneficiary|"
    r"gender|born)($|_)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Secrets:
    """What the statements say about people: `anywhere` may not appear even inside a
    longer string (NIRs, birth dates, member numbers); `words` (names) not as a word."""

    anywhere: re.Pattern[str]
    words: re.Pattern[str]


def secrets_of(scene: Scene) -> Secrets:
    anywhere: set[str] = set()
    words: set[str] = set()
    for s in scene.statements():
        anywhere |= {s.insured_nir, s.insured_nir[:13], s.birth_date, s.member_number}
        if s.beneficiary_nir:
            anywhere |= {s.beneficiary_nir, s.beneficiary_nir[:13]}
        words |= {s.last_name, s.first_name}
    for s in scene.people.all():  # birth dates we chose away from every rights date
        born = s.birth_date
        anywhere |= {f"{born[:4]}-{born[4:6]}-{born[6:]}", f"{born[6:]}/{born[4:6]}/{born[:4]}"}

    def alternation(values: set[str]) -> str:
        return "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))

    return Secrets(
        re.compile(alternation(anywhere), re.IGNORECASE),
        re.compile(rf"(?<!\w)(?:{alternation(words)})(?!\w)", re.IGNORECASE),
    )


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, str | None, Any]]:
    """(path, key, leaf value) for every leaf, and every key of every object."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", key, None
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, None, value


def assert_no_identity(secrets: Secrets, label: str, answer: Response) -> None:
    body = answer.json()
    texts: list[tuple[str, str]] = [("raw body", answer.text)]
    texts += [(f"header {k}", v) for k, v in answer.headers.items()]
    for path, key, leaf in _walk(body):
        if key is not None:
            assert not _FORBIDDEN_KEY.search(key), f"{label}: key {path} names identity data"
        elif leaf is not None:
            texts.append((path, str(leaf)))
    for where, text in texts:
        assert not secrets.anywhere.search(text), f"{label}: {where} contains identity data"
        assert not secrets.words.search(text), f"{label}: {where} contains a name"


def test_no_answer_carries_identity_data(scene: Scene, counter: TestClient) -> None:
    p = scene.people
    answers: dict[str, Response] = {}

    def keep(label: str, answer: Response, status: int) -> Response:
        assert answer.status_code == status, (label, answer.text)
        answers[label] = answer
        return answer

    opened = keep("open", counter.post(CHECKS, json=card(p.twin_one)), 200)
    assert opened.json()["status"] == "open"
    assert opened.json()["guarantees"]
    keep("open, lunar", counter.post(CHECKS, json=card(p.lunar["19850231"])), 200)
    keep("open, Corsica", counter.post(CHECKS, json=card(p.places["2A"])), 200)
    keep("closed", counter.post(CHECKS, json=card(p.twin_two)), 200)
    keep("not yet open", counter.post(CHECKS, json=card(p.not_yet_open)), 200)
    keep(
        "no match, wrong birth date",
        counter.post(CHECKS, json=card(p.twin_one, birth_date="20150613")),
        200,
    )
    keep(
        "no match, stranger",
        counter.post(CHECKS, json=card(p.twin_one, insured_nir=STRANGER_NIR)),
        200,
    )
    keep(
        "422, NIR key",
        counter.post(
            CHECKS, json=card(p.places["2B"], insured_nir=CORSICA_2B + _wrong_keys(CORSICA_2B)[0])
        ),
        422,
    )
    keep(
        "422, schema",
        counter.post(CHECKS, json=card(p.twin_one, birth_date=p.twin_one.birth_date + "1")),
        422,
    )
    keep(
        "422, NIR too long",
        counter.post(
            CHECKS, json=card(p.twin_one, insured_nir=p.twin_one.insured_nir + " 0000000")
        ),
        422,
    )
    keep(
        "422, unknown field",
        counter.post(CHECKS, json={**card(p.twin_one), "last_name": "VERMANDOIS"}),
        422,
    )
    keep(
        "422, member number",
        counter.post(CHECKS, json=card(p.twin_one, member_number="TWIN 0001!")),
        422,
    )
    keep(
        "403, another structure",
        counter.post(CHECKS, json=card(p.twin_one, structure=scene.world.other_finess)),
        403,
    )
    keep("401, nobody signed in", scene.web.browser().post(CHECKS, json=card(p.twin_one)), 401)

    accreditation = opened.json()["accreditation"]["id"]
    lines = [
        {
            "category": "pharmacy_65",
            "code": "3400930000001",
            "quantity": 1,
            "unit_price_cents": 1000,
            "unit_br_cents": 1000,
            "amo_rate_bp": 6500,
            "amo_cents": 650,
            "franchise_cents": 100,
        }
    ]
    calculations = "/api/v1/rights/calculations"
    keep(
        "calculation",
        counter.post(calculations, json={"accreditation_id": accreditation, "lines": lines}),
        200,
    )
    keep(
        "calculation, unknown accreditation",
        counter.post(calculations, json={"accreditation_id": str(uuid.uuid4()), "lines": lines}),
        404,
    )

    # A revoked accreditation: rights closed retroactively by a later import.
    line = p.revocable
    issued = counter.post(CHECKS, json=card(line)).json()["accreditation"]["id"]
    closing = dataclasses.replace(line, rights=(RightsPeriod(days(-100), days(-1)),))
    path = write_file(scene.path / "closing.jsonl", [closing])
    outcome = registry.import_rights_file(uow=scene.web.platform.uow(), path=path)
    assert revoke_after_import(uow=scene.web.platform.uow(), run_id=outcome.run_id) == 1
    since = (scene.web.clock.now() - timedelta(minutes=1)).isoformat()
    revoked = keep(
        "revoked list", counter.get("/api/v1/rights/revoked", params={"since": since}), 200
    )
    assert [r["accreditation_id"] for r in revoked.json()] == [issued]
    keep(
        "revoked list, 422",
        counter.get("/api/v1/rights/revoked", params={"since": "2026-11-28T09:00:00"}),
        422,
    )

    # The shield: a fresh professional, the sixty-first check in a minute.
    scraper = scene.counter()
    for _ in range(60):
        assert scraper.post(CHECKS, json=card(p.twin_one)).status_code == 200
    limited = keep("429, shield", scraper.post(CHECKS, json=card(p.twin_one)), 429)
    assert "retry-after" in limited.headers

    assert {a.status_code for a in answers.values()} == {200, 401, 403, 404, 422, 429}
    secrets = secrets_of(scene)
    for label, answer in answers.items():
        assert_no_identity(secrets, label, answer)


def _schema_properties(openapi: dict[str, Any], schema: Any, seen: set[str]) -> Iterator[str]:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield name  # a component's name is published too
                yield from _schema_properties(openapi, openapi["components"]["schemas"][name], seen)
        for key, item in schema.items():
            if key == "properties" and isinstance(item, dict):
                yield from item
            yield from _schema_properties(openapi, item, seen)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_properties(openapi, item, seen)


def test_the_published_answers_name_no_identity_field(scene: Scene) -> None:
    served = scene.web.browser().get("/openapi.json")
    assert served.status_code == 200
    openapi = served.json()
    rights = {path: item for path, item in openapi["paths"].items() if "/api/v1/rights/" in path}
    assert {
        "/api/v1/rights/checks",
        "/api/v1/rights/revoked",
        "/api/v1/rights/calculations",
    } <= set(rights)
    named: list[str] = []
    for path, item in rights.items():
        for method, operation in item.items():
            responses = operation.get("responses", {})
            assert "200" in responses, (path, method)
            for status, response in responses.items():
                names = list(_schema_properties(openapi, response, set()))
                named += names
                for name in names:
                    assert not _FORBIDDEN_KEY.search(name), f"{method} {path} {status}: {name}"
    assert {"status", "accreditation", "guarantees", "accreditation_id", "totals"} <= set(named)


# -- 7. a stranger and a wrong birth date: the same bytes ---------------------------------


def _same_bytes(answers: list[Response]) -> None:
    first = answers[0]
    assert first.status_code == 200
    assert first.json() == NO_MATCH
    for other in answers[1:]:
        assert other.status_code == first.status_code
        assert other.content == first.content
        assert sorted(
            (k.lower(), v) for k, v in other.headers.multi_items() if k.lower() != "x-request-id"
        ) == sorted(
            (k.lower(), v) for k, v in first.headers.multi_items() if k.lower() != "x-request-id"
        )
    assert len({a.headers["x-request-id"] for a in answers}) == len(answers)


def test_a_stranger_and_a_wrong_birth_date_are_byte_identical(
    scene: Scene, counter: TestClient
) -> None:
    p = scene.people
    post = counter.post
    _same_bytes(
        [
            post(CHECKS, json=card(p.twin_one, insured_nir=STRANGER_NIR)),  # unknown person
            post(CHECKS, json=card(p.twin_one, birth_date="20150613")),  # open rights
            post(CHECKS, json=card(p.twin_two, birth_date="20150613")),  # closed rights
            post(CHECKS, json=card(p.not_yet_open, birth_date="19700100")),
            post(CHECKS, json=card(p.lunar["19850000"], birth_date="19850101")),  # normalised
            post(CHECKS, json=card(p.places["2A"], birth_date="19800518")),  # Corsica
            post(CHECKS, json=card(p.places["974"], birth_date="19800518")),  # overseas
            post(CHECKS, json=card(p.at_a, birth_date="19660115")),  # rights moved away
            post(CHECKS, json=card(p.twin_one, insured_nir=STRANGER_NIR, birth_date="20150613")),
        ]
    )
