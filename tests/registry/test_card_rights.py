"""The rights check's one read (`card_rights`) says exactly what the separate reads say:
the beneficiary the card names, their rights periods in order, and their contract's
guarantee lines of the categories asked, once each however many periods there are."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from rempart.bootstrap import Platform
from rempart.registry import service
from rempart.registry.domain import CareCategory, RightsPeriod, RightsStatus

from ..conftest import TODAY
from ..factories import card_of, france, register, statements, write_file

ASKED = (CareCategory.PHARMACY_65, CareCategory.OPTICAL_FREE_PRICE, CareCategory.OTHER)
# Given, out of order, to one person in three: a closed stretch between two open ones.
PERIODS = (
    RightsPeriod(TODAY + timedelta(days=1), None),
    RightsPeriod(TODAY - timedelta(days=400), TODAY - timedelta(days=101)),
    RightsPeriod(TODAY - timedelta(days=100), TODAY, RightsStatus.CLOSED),
)


def test_one_read_equals_the_separate_reads(platform: Platform, tmp_path: Path) -> None:
    world = france(120)
    register(platform, world)
    lines = [
        dataclasses.replace(line, rights=PERIODS) if n % 3 == 0 else line
        for n, line in enumerate(statements(world, 120))
    ]
    path = write_file(tmp_path / "r.csv", lines)
    assert service.import_rights_file(uow=platform.uow(), path=path).rejected == 0
    several_periods = 0
    with platform.uow() as uow:
        for line in lines:
            card = card_of(line)
            found = service.card_rights(uow=uow, categories=ASKED, **card)  # type: ignore[arg-type]
            beneficiary_id = service.find_beneficiary(uow=uow, **card)  # type: ignore[arg-type]
            assert found is not None
            assert found.beneficiary_id == beneficiary_id
            rights = service.beneficiary_rights(session=uow.session, beneficiary_id=beneficiary_id)
            assert found.rights == rights
            guarantees = service.contract_guarantees(
                session=uow.session, contract_id=rights.contract_id, categories=ASKED
            )
            assert found.guarantees == tuple(sorted(guarantees, key=lambda g: g.category))
            several_periods += len(rights.periods) == len(PERIODS)
            # a category the contract lacks, or none asked, adds nothing
            only = service.card_rights(uow=uow, categories=(), **card)  # type: ignore[arg-type]
            assert only is not None
            assert (only.rights, only.guarantees) == (rights, ())
            # every category, some twice: each line once, as the separate read says
            every = service.card_rights(uow=uow, categories=(*CareCategory, *ASKED), **card)  # type: ignore[arg-type]
            assert every is not None
            assert every.guarantees == tuple(
                sorted(
                    service.contract_guarantees(
                        session=uow.session, contract_id=rights.contract_id, categories=CareCategory
                    ),
                    key=lambda g: g.category,
                )
            )
    assert several_periods == len(lines[::3])


def test_a_card_that_names_nobody_reads_nothing(platform: Platform, tmp_path: Path) -> None:
    world = france(20)
    register(platform, world)
    lines = statements(world, 20)
    service.import_rights_file(uow=platform.uow(), path=write_file(tmp_path / "r.csv", lines))
    card = card_of(lines[0]) | {"member_number": "0" + str(lines[0].member_number)}
    with platform.uow() as uow:
        assert service.card_rights(uow=uow, categories=ASKED, **card) is None  # type: ignore[arg-type]
