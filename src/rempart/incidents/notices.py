"""The documents of a breach, in French, pure: the processor's notice to each insurer
(GDPR art. 33(2)) and a draft of the insurer's own notification to the CNIL (art. 33(3));
the letters to people (art. 34) are in `letters`, on the same sections.

Each is a `Document` of sections (paragraphs, lists, label/value rows) that the HTML,
PDF and plain-text renderings share, so that the three say exactly the same. No document
names a person: a letter carries its reference; the insurer, which holds its members'
names and postal addresses, addresses and sends it (see the mail-merge file).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rempart.audit.domain import Category
from rempart.incidents.domain import AmcFigures, Containment, Kind

try:
    _PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without time zone data
    _PARIS = None


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None = None
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    reference: str
    subject: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Facts:
    """What every document of the incident says alike."""

    reference: str
    kinds: frozenset[Kind]
    description: str
    detected_at: datetime
    aware_at: datetime
    contained_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    unintelligible: bool
    measures: tuple[str, ...]
    contact: str  # how to reach Rempart about it; empty: the contract's contacts


@dataclass(frozen=True, slots=True)
class Insurer:
    amc: str
    name: str
    dpo_email: str | None  # the insurer's DPO, from the registry (sealed there)


KIND_FR = {
    Kind.CONFIDENTIALITY: "atteinte à la confidentialité (accès ou divulgation non autorisés)",
    Kind.INTEGRITY: "atteinte à l'intégrité (modification non autorisée)",
    Kind.AVAILABILITY: "atteinte à la disponibilité (perte d'accès ou destruction)",
}
CATEGORY_FR = {
    Category.IDENTITY: "identité (nom, prénom, numéro de sécurité sociale, date de naissance)",
    Category.RIGHTS: "droits (couverture complémentaire ouverte ou fermée, période de validité)",
    Category.GUARANTEES: "garanties du contrat (taux et forfaits de remboursement)",
    Category.INVOICES: "factures de soins (dates, montants, actes ou produits)",
    Category.BANK: "coordonnées bancaires",
}
_MEASURE_FR = {
    Containment.SUSPEND_ACCOUNT: ("suspension du compte professionnel utilisé", "comptes"),
    Containment.REVOKE_SESSIONS: ("fin de toutes les sessions ouvertes du compte", "comptes"),
    Containment.REVOKE_CLIENT: (
        "révocation du logiciel client utilisé et de ses jetons",
        "logiciels",
    ),
    Containment.ROTATE_KEYS: ("rotation des clés de chiffrement des données", None),
    Containment.CLOSE_CHANNEL: ("fermeture du canal d'accès concerné", "canaux"),
}
_UNINTELLIGIBLE = (
    "Les données divulguées étaient inintelligibles pour leur destinataire (champs chiffrés, "
    "clés de chiffrement non compromises). Au sens de l'article 34, paragraphe 3, point a) "
    "du RGPD, la communication aux personnes concernées n'est alors pas requise ; les "
    "courriers sont fournis si vous décidez de les informer."
)


def when(instant: datetime | None) -> str:
    if instant is None:
        return "non encore"
    if _PARIS is None:  # pragma: no cover
        return instant.astimezone(UTC).strftime("%d/%m/%Y à %H h %M (UTC)")
    return instant.astimezone(_PARIS).strftime("%d/%m/%Y à %H h %M (heure de Paris)")


def day(instant: datetime) -> str:
    local = instant.astimezone(_PARIS) if _PARIS is not None else instant.astimezone(UTC)
    return local.strftime("%d/%m/%Y")


def measures(steps: Iterable[tuple[Containment, str]]) -> tuple[str, ...]:
    """French phrases for the containment steps carried out (kind, effect), counted."""
    done = Counter(kind for kind, effect in steps if effect != "failed")
    phrases = []
    for kind, count in sorted(done.items(), key=lambda item: list(Containment).index(item[0])):
        phrase, unit = _MEASURE_FR[kind]
        phrases.append(phrase if count == 1 or unit is None else f"{phrase} ({count} {unit})")
    return tuple(phrases)


def _contact(facts: Facts) -> str:
    return facts.contact or (
        "le délégué à la protection des données de Rempart, aux coordonnées de votre contrat"
    )


def _timeline(facts: Facts) -> tuple[tuple[str, str], ...]:
    rows = [
        ("Détectée le", when(facts.detected_at)),
        ("Connue de Rempart le", when(facts.aware_at)),
        ("Maîtrisée le", when(facts.contained_at) if facts.contained_at else "en cours"),
    ]
    if facts.window_start and facts.window_end:
        rows.append(
            ("Accès examinés", f"du {when(facts.window_start)} au {when(facts.window_end)}")
        )
    return tuple(rows)


def _figures_rows(figures: AmcFigures) -> tuple[tuple[str, str], ...]:
    rows = [
        ("Personnes concernées", str(figures.people)),
        ("Consultations concernées", str(figures.records)),
    ]
    for category in Category:
        people = figures.people_by_category.get(category, 0)
        if people:
            records = figures.records_by_category.get(category, 0)
            rows.append(
                (
                    CATEGORY_FR[category].capitalize(),
                    f"{people} personnes ({records} consultations)",
                )
            )
    return tuple(rows)


def likely_consequences(categories: Iterable[Category]) -> tuple[str, ...]:
    found = set(categories)
    consequences = [
        "hameçonnage : des messages, appels ou SMS se faisant passer pour l'assureur, "
        "l'Assurance Maladie ou un professionnel de santé, rendus crédibles par ces données"
    ]
    if found & {Category.IDENTITY, Category.RIGHTS, Category.GUARANTEES}:
        consequences.append(
            "usurpation d'identité ou fraude aux remboursements à partir des données de la "
            "carte et de la couverture"
        )
    if Category.INVOICES in found:
        consequences.append("atteinte au secret des soins (nature et dates de soins facturés)")
    if Category.BANK in found:
        consequences.append("fraude bancaire (prélèvements ou virements frauduleux)")
    return tuple(consequences)


def processor_notice(facts: Facts, insurer: Insurer, figures: AmcFigures, version: int) -> Document:
    """Rempart (processor) to the insurer (controller), art. 33(2): facts, figures,
    categories, measures. Versions after the first complete and replace it (art. 33(4))."""
    subject = (
        f"[{facts.reference}] Violation de données : {figures.people} personnes de "
        f"{insurer.name} concernées"
    )
    intro = (
        f"En tant que sous-traitant (opérateur de tiers payant) de {insurer.name} "
        f"(AMC {insurer.amc}), Rempart vous informe, conformément à l'article 33, paragraphe 2 "
        "du RGPD et à notre contrat, d'une violation de données personnelles qui concerne des "
        "bénéficiaires dont vous êtes responsable de traitement."
    )
    sections = [Section(paragraphs=(intro,))]
    if version > 1:
        sections.append(
            Section(
                paragraphs=(
                    f"Cette information (version {version}) complète et remplace les "
                    "précédentes : les chiffres ci-dessous sont à jour.",
                )
            )
        )
    sections += [
        Section(
            "Les faits",
            paragraphs=(facts.description,),
            items=tuple(KIND_FR[k] for k in sorted(facts.kinds)),
            rows=_timeline(facts),
        ),
        Section(
            "Personnes et données concernées",
            paragraphs=_scope_paragraphs(figures),
            rows=_figures_rows(figures),
        ),
        Section(
            "Mesures prises",
            items=facts.measures
            or (
                "maîtrise en cours : les mesures vous seront communiquées dès qu'elles sont prises",
            ),
        ),
    ]
    if facts.unintelligible:
        sections.append(Section("Données inintelligibles", paragraphs=(_UNINTELLIGIBLE,)))
    sections += [
        Section(
            "Ce que nous vous transmettons",
            items=(
                "un projet du contenu de votre notification à la CNIL (article 33, paragraphe 3)",
                "un courrier par personne concernée (article 34), identifié par une référence, "
                "à adresser par vos soins",
                "un fichier de publipostage reliant chaque référence à votre numéro "
                "d'adhérent, transmis par le délégué à la protection des données de Rempart",
            ),
        ),
        Section(
            "Délais",
            paragraphs=(
                "Votre notification à la CNIL est due dans les 72 heures suivant le moment où "
                "vous avez eu connaissance de la violation, soit au plus tard 72 heures après "
                "la réception de cette information ; elle peut être faite par étapes. Merci de "
                "nous indiquer la date de votre notification et celle de l'information des "
                "personnes.",
            ),
        ),
        Section("Contact", paragraphs=(f"Pour toute question : {_contact(facts)}.",)),
    ]
    return Document(
        title="Information d'une violation de données personnelles",
        reference=f"{facts.reference} — AMC {insurer.amc} — version {version}",
        subject=subject,
        sections=tuple(sections),
    )


def _scope_paragraphs(figures: AmcFigures) -> tuple[str, ...]:
    paragraphs = [
        "Le périmètre est exact : il est établi à partir du journal d'accès infalsifiable de "
        "Rempart, qui enregistre chaque consultation et ce qu'elle a divulgué. Seules les "
        "personnes dont des données ont effectivement été communiquées sont comptées."
    ]
    if figures.first_at and figures.last_at:
        paragraphs.append(
            f"Ces consultations ont eu lieu du {when(figures.first_at)} au {when(figures.last_at)}."
        )
    if figures.expired_records:
        paragraphs.append(
            f"{figures.expired_records} consultations de la période ne peuvent plus être "
            "attribuées (journal expiré par la durée de conservation) : le nombre de personnes "
            "est un minimum."
        )
    return tuple(paragraphs)


def authority_draft(facts: Facts, insurer: Insurer, figures: AmcFigures) -> Document:
    """The insurer's own notification to the CNIL, art. 33(3) a-d, drafted for it to
    check, complete and send (it is the controller: the decision and the text are its)."""
    categories = sorted(figures.categories)
    return Document(
        title="Projet — notification à la CNIL (article 33 du RGPD)",
        reference=f"{facts.reference} — AMC {insurer.amc}",
        subject=f"[{facts.reference}] Projet de notification à la CNIL",
        sections=(
            Section(
                paragraphs=(
                    f"Projet préparé par Rempart, sous-traitant de {insurer.name}, à vérifier "
                    "et compléter par le responsable de traitement avant envoi.",
                )
            ),
            Section(
                "a) Nature de la violation",
                paragraphs=(
                    facts.description,
                    "Violation survenue chez le sous-traitant Rempart (opérateur de tiers "
                    "payant), qui en a informé le responsable de traitement.",
                ),
                items=tuple(KIND_FR[k] for k in sorted(facts.kinds)),
                rows=_timeline(facts),
            ),
            Section(
                "Catégories et nombre approximatif de personnes et d'enregistrements",
                paragraphs=(
                    f"Environ {figures.people} bénéficiaires de {insurer.name} ; "
                    f"{figures.records} enregistrements (consultations).",
                ),
                items=tuple(CATEGORY_FR[c] for c in categories),
                rows=_figures_rows(figures),
            ),
            Section(
                "b) Délégué à la protection des données",
                paragraphs=(insurer.dpo_email or "à compléter",),
            ),
            Section("c) Conséquences probables", items=likely_consequences(categories)),
            Section(
                "d) Mesures prises ou envisagées",
                items=(
                    *facts.measures,
                    "information des personnes concernées (article 34) : à décider par le "
                    "responsable de traitement ; les courriers sont prêts",
                ),
                paragraphs=(_UNINTELLIGIBLE,) if facts.unintelligible else (),
            ),
        ),
    )


def plain_text(document: Document) -> str:
    """The document as plain text (outbox bodies, the insured's view)."""
    lines = [document.title, document.reference, ""]
    for section in document.sections:
        if section.heading:
            lines += [section.heading, "-" * len(section.heading)]
        lines += [*section.paragraphs]
        lines += [f"- {item}" for item in section.items]
        lines += [f"{label} : {value}" for label, value in section.rows]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def categories_fr(categories: Iterable[Category]) -> str:
    return " ; ".join(CATEGORY_FR[c] for c in sorted(categories))
