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
    ACCREDITATION_MISMATCH = "R-ACCREDITATION-MISMATCH"
    ALREADY_PAID = "R-ALREADY-PAID"
    INVOICING_DEADLINE = "R-INVOICING-DEADLINE"
    NOT_COVERED = "R-NOT-COVERED"
    CEILING_REACHED = "R-CEILING-REACHED"
    RENEWAL_PERIOD = "R-RENEWAL-PERIOD"
    NOTHING_DUE = "R-NOTHING-DUE"
    AMOUNTS_INCONSISTENT = "R-AMOUNTS-INCONSISTENT"

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
    Reason.ACCREDITATION_MISMATCH: (
        "Accréditation inconnue, d'une autre structure ou d'une autre date de soins",
        "Accreditation unknown, of another structure or of another date of care",
    ),
    Reason.ALREADY_PAID: (
        "Acte déjà facturé (même structure, bénéficiaire, date, code et facture)",
        "Already invoiced (same structure, beneficiary, date, code and invoice)",
    ),
    Reason.INVOICING_DEADLINE: (
        "Facture reçue après le délai de facturation",
        "Invoice received after the invoicing deadline",
    ),
    Reason.NOT_COVERED: (
        "Acte ou produit non couvert par le contrat",
        "Act or product not covered by the contract",
    ),
    Reason.CEILING_REACHED: (
        "Plafond annuel ou forfait atteint",
        "Yearly ceiling or forfait reached",
    ),
    Reason.RENEWAL_PERIOD: (
        "Période de renouvellement non écoulée",
        "Renewal period not yet over",
    ),
    Reason.NOTHING_DUE: (
        "Aucun montant dû par la complémentaire sur cette ligne",
        "Nothing due from the complementary insurer on this line",
    ),
    Reason.AMOUNTS_INCONSISTENT: (
        "Montant demandé différent de la part complémentaire calculée",
        "Amount claimed differs from the calculated complementary share",
    ),
}
