"""Reason codes: stable, documented, with French and English labels, used alike by the
rights check, invoice adjudication and remittance advice. A code never changes meaning
once published; new situations get new codes."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    RIGHTS_CLOSED = "R-RIGHTS-CLOSED"
    RIGHTS_NOT_YET_OPEN = "R-RIGHTS-NOT-YET-OPEN"
    NO_MATCHING_RIGHTS = "R-NO-MATCHING-RIGHTS"
    ACCREDITATION_REVOKED = "R-ACCREDITATION-REVOKED"

    @property
    def label_fr(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    Reason.RIGHTS_CLOSED: (
        "Droits fermés à la date des soins",
        "Rights closed at the date of care",
    ),
    Reason.RIGHTS_NOT_YET_OPEN: (
        "Droits non encore ouverts à la date des soins",
        "Rights not yet open at the date of care",
    ),
    Reason.NO_MATCHING_RIGHTS: (
        "Aucun droit ne correspond aux données de la carte",
        "No rights match the card data",
    ),
    Reason.ACCREDITATION_REVOKED: (
        "Accréditation révoquée : droits fermés rétroactivement",
        "Accreditation revoked: rights closed retroactively",
    ),
}
