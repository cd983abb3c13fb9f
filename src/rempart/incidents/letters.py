"""The letter to each person concerned by a breach (GDPR art. 34), pure, in plain French:
what was seen of them, when, the risks (phishing, identity fraud) and what to do. It names
nobody: the insurer, which holds its members' names and postal addresses, merges them in
and sends it (the registry holds names but no address; see the mail-merge file)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rempart.audit.domain import Category
from rempart.incidents.notices import Document, Facts, Insurer, Section, day, likely_consequences


@dataclass(frozen=True, slots=True)
class Person:
    letter_ref: str
    categories: frozenset[Category]
    first_at: datetime
    last_at: datetime
    records: int


_SEEN_FR = {
    Category.IDENTITY: (
        "votre identité (nom, prénom, numéro de sécurité sociale, date de naissance)"
    ),
    Category.RIGHTS: "le fait que vous êtes couvert(e) par {insurer}, et la période de vos droits",
    Category.GUARANTEES: "les niveaux de remboursement de votre contrat",
    Category.INVOICES: "des informations sur des soins facturés (dates, montants)",
    Category.BANK: "des coordonnées bancaires",
}


def person_letter(facts: Facts, insurer: Insurer, person: Person) -> Document:
    """Art. 34, in plain words: what was seen, when, the risks, what to do. Addressed by
    the insurer, which merges the name and address it holds (the letter names nobody)."""
    seen = tuple(_SEEN_FR[c].format(insurer=insurer.name) for c in sorted(person.categories))
    period = (
        f"le {day(person.first_at)}"
        if day(person.first_at) == day(person.last_at)
        else f"entre le {day(person.first_at)} et le {day(person.last_at)}"
    )
    sections = [
        Section(paragraphs=("Madame, Monsieur,",)),
        Section(
            "Ce qui s'est passé",
            paragraphs=(
                f"{insurer.name} confie à Rempart la vérification de vos droits auprès des "
                "pharmacies et des professionnels de santé. Un accès de professionnel (compte "
                "ou logiciel) a été utilisé de façon frauduleuse, et des informations vous "
                f"concernant ont été consultées {period}. Voici ce qui a pu être vu :",
            ),
            items=seen,
        ),
        Section(
            "Les risques",
            paragraphs=(
                "Ces informations peuvent servir à rendre crédibles des tentatives d'escroquerie :",
            ),
            items=likely_consequences(person.categories),
        ),
        Section(
            "Ce que vous pouvez faire",
            items=_advice(insurer, person.categories),
        ),
    ]
    if facts.unintelligible:
        sections.insert(
            2,
            Section(
                paragraphs=(
                    "Les informations concernées étaient chiffrées et les clés n'ont pas été "
                    "compromises : elles sont restées illisibles pour la personne qui y a "
                    "accédé. Ce courrier vous est adressé par précaution.",
                )
            ),
        )
    sections.append(
        Section(
            paragraphs=(
                "L'accès frauduleux a été coupé et les mesures nécessaires ont été prises. "
                "Nous vous prions de nous excuser pour ce désagrément.",
                f"Référence à rappeler : {person.letter_ref}",
            )
        )
    )
    return Document(
        title="Information sur un accès frauduleux à vos données",
        reference=person.letter_ref,
        subject=f"{insurer.name} — information sur vos données",
        sections=tuple(sections),
    )


def _advice(insurer: Insurer, categories: Iterable[Category]) -> tuple[str, ...]:
    advice = [
        "Méfiez-vous de tout message, appel ou SMS qui parle de votre mutuelle, de vos "
        "remboursements ou de votre carte Vitale, même s'il semble bien informé. Votre "
        "mutuelle, l'Assurance Maladie et votre pharmacie ne vous demandent jamais vos mots "
        "de passe, codes reçus par SMS ou coordonnées bancaires par courriel, SMS ou téléphone.",
        "Ne cliquez pas sur les liens de ces messages : pour aller sur vos espaces en ligne, "
        "tapez vous-même leur adresse.",
        f"Vérifiez vos relevés de remboursement (compte ameli, espace adhérent de "
        f"{insurer.name}) et signalez tout soin que vous n'avez pas reçu.",
        "Signalez les SMS suspects au 33700 et les courriels sur signal-spam.fr ; de l'aide "
        "est disponible sur cybermalveillance.gouv.fr.",
    ]
    if Category.BANK in set(categories):
        advice.append(
            "Surveillez vos comptes et prévenez votre banque de toute opération inconnue."
        )
    advice.append(
        f"Pour toute question, contactez {insurer.name} aux coordonnées habituelles (celles de "
        "votre carte ou de votre contrat, jamais celles d'un message reçu). Vous pouvez aussi "
        "adresser une réclamation à la CNIL (cnil.fr)."
    )
    return tuple(advice)
