"""Small synthetic datasets for tests, from the project's own generator."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path

from rempart.bootstrap import Platform
from rempart.registry import service
from rempart.registry.domain import BeneficiaryStatement
from rempart.registry.generator import SyntheticFrance, generate_france, generate_statements
from rempart.registry.rights_file import write_csv, write_jsonl

from .conftest import TODAY


def france(beneficiaries: int = 200, seed: int = 7) -> SyntheticFrance:
    return generate_france(seed=seed, beneficiaries=beneficiaries, today=TODAY)


def statements(
    world: SyntheticFrance, beneficiaries: int = 200, seed: int = 7
) -> list[BeneficiaryStatement]:
    return list(
        generate_statements(france=world, seed=seed, beneficiaries=beneficiaries, today=TODAY)
    )


def register(platform: Platform, world: SyntheticFrance) -> None:
    service.register_reference_data(
        uow=platform.uow(),
        insurers=world.insurers,
        structures=world.structures,
        professionals=world.professionals,
    )


def write_file(path: Path, lines: Iterable[BeneficiaryStatement]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        if path.suffix == ".jsonl":
            write_jsonl(lines, handle)
        else:
            write_csv(lines, handle)
    return path


def card_of(statement: BeneficiaryStatement) -> dict[str, object]:
    """The card tuple a pharmacy reads, as keyword arguments for a lookup."""
    return {
        "insured_nir": statement.insured_nir,
        "birth_date": statement.birth_date,
        "birth_rank": statement.birth_rank,
        "amc_number": statement.amc_number,
        "member_number": statement.member_number,
    }


def beneficiary_id_of(platform: Platform, statement: BeneficiaryStatement) -> uuid.UUID:
    """The imported beneficiary a statement became."""
    with platform.uow() as uow:
        found = service.find_beneficiary(uow=uow, **card_of(statement))  # type: ignore[arg-type]
    assert found is not None, "the statement was not imported"
    return found
