"""Domain objects never print personal data: a repr that reaches a log or a traceback
names the kind of object, not the person."""

from __future__ import annotations

import uuid

from rempart.registry.repository import BeneficiaryView

from ..factories import france, statements


def test_reprs_hide_identifiers_names_and_bank_details() -> None:
    world = france(200)
    for statement in statements(world, 200)[:50]:
        shown = repr(statement)
        secrets = [
            statement.insured_nir,
            statement.birth_date,
            statement.last_name,
            statement.first_name,
            statement.member_number,
        ]
        secrets += [statement.beneficiary_nir] if statement.beneficiary_nir else []
        assert not [value for value in secrets if value in shown]
    for structure in world.structures:
        assert structure.iban not in repr(structure)
        assert structure.address not in repr(structure)
    for professional in world.professionals:
        assert professional.last_name not in repr(professional)
    for insurer in world.insurers:
        assert insurer.dpo_email not in repr(insurer)


def test_the_decrypted_view_is_redacted_too() -> None:
    statement = statements(france(20), 20)[0]
    view = BeneficiaryView(
        id=uuid.uuid4(),
        amc_number=statement.amc_number,
        member_number=statement.member_number,
        contract_code=statement.contract_code,
        insured_nir=statement.insured_nir,
        beneficiary_nir=statement.beneficiary_nir,
        birth_date=statement.birth_date,
        birth_rank=statement.birth_rank,
        relationship=statement.relationship,
        last_name=statement.last_name,
        first_name=statement.first_name,
        rights=statement.rights,
        rights_as_of=statement.as_of,
        closed_reason=None,
    )
    shown = repr(view)
    assert statement.insured_nir not in shown
    assert statement.last_name not in shown
