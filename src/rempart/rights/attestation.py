"""The attestation code: the card data of a tiers-payant attestation as one string, the
way a counter's 2D-code (DataMatrix) scanner types it. Pure.

Format (docs/formats/attestation-code.md), version 1:

    TP1|<NIR with key>|<birth date as on card, YYYYMMDD>|<birth rank>|<AMC number>
       |<member number>|<agreement type>                          (on one line)

Fields are separated by `|` or by the GS character (0x1D) that DataMatrix scanners emit
between fields; spaces around fields are ignored. Only the shape is checked here: the
values go through the same rules as typed card fields (`RightsCheckRequest.validated`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rempart.kernel.errors import InvalidInput

PREFIX = "TP1"
GROUP_SEPARATOR = "\x1d"
FIELDS = 7
MAX_LENGTH = 200
SHAPE = "TP1|NIR|birth date|birth rank|AMC number|member number|agreement type"


@dataclass(frozen=True)
class AttestationCard:
    insured_nir: str = field(repr=False)
    birth_date: str = field(repr=False)
    birth_rank: int = field(repr=False)
    amc_number: str
    member_number: str = field(repr=False)
    agreement_type: str


def parse_attestation(code: str) -> AttestationCard:
    """The card fields an attestation code carries. The refusal never repeats the code
    (it holds a NIR)."""
    if len(code) > MAX_LENGTH:
        raise InvalidInput("an attestation code is at most 200 characters", field="attestation")
    parts = [part.strip() for part in code.strip().replace(GROUP_SEPARATOR, "|").split("|")]
    if len(parts) != FIELDS or parts[0].upper() != PREFIX:
        raise InvalidInput(f"an attestation code reads {SHAPE}", field="attestation")
    rank = parts[3]
    if not (len(rank) == 1 and rank.isdigit()):
        raise InvalidInput(
            "the birth rank of an attestation code is one digit", field="attestation"
        )
    return AttestationCard(
        insured_nir=parts[1].replace(" ", ""),
        birth_date=parts[2],
        birth_rank=int(rank),
        amc_number=parts[4],
        member_number=parts[5],
        agreement_type=parts[6],
    )


def format_attestation(
    *,
    insured_nir: str,
    birth_date: str,
    birth_rank: int,
    amc_number: str,
    member_number: str,
    agreement_type: str,
) -> str:
    """The attestation code of a card (what an insurer prints as a DataMatrix)."""
    return "|".join(
        (
            PREFIX,
            insured_nir,
            birth_date,
            str(birth_rank),
            amc_number,
            member_number,
            agreement_type,
        )
    )
