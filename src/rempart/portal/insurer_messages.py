"""The insurer staff's words (contracts, rights-file uploads, member lookup), French
first and English, merged into the portal's catalogue by `messages`. The guarantee
editor's field labels are built from the care categories' own labels, so that a refusal
naming `g-pharmacy_65-rate` reads "Pharmacie remboursée à 65 % — taux"."""

from __future__ import annotations

from collections.abc import Mapping

from rempart.registry.domain import CareCategory, RuleKind
from rempart.rights.responsible import VIOLATION_LABELS

GUARANTEE_PARTS: dict[str, tuple[str, str]] = {
    "kind": ("règle", "rule"),
    "rate": ("taux (%)", "rate (%)"),
    "amount": ("montant (€)", "amount (€)"),
    "ceiling": ("plafond annuel (€)", "yearly ceiling (€)"),
    "renewal": ("renouvellement (mois)", "renewal (months)"),
}
RULE_KINDS: dict[RuleKind, tuple[str, str]] = {
    RuleKind.PERCENT_OF_BR: ("% de la base de remboursement", "% of the base rate"),
    RuleKind.PERCENT_OF_TM: ("% du ticket modérateur", "% of the ticket modérateur"),
    RuleKind.FIXED_PER_ACT: ("forfait par acte", "fixed amount per act"),
    RuleKind.YEARLY_FORFAIT: ("forfait annuel", "yearly allowance"),
    RuleKind.EXCLUDED: ("exclu", "excluded"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.insurer.contracts": ("Contrats et garanties", "Contracts and guarantees"),
    "nav.insurer.imports": ("Fichiers de droits", "Rights files"),
    "nav.insurer.members": ("Recherche d'un adhérent", "Member lookup"),
    # --- contracts ---
    "insurer.contracts.title": ("Contrats et garanties", "Contracts and guarantees"),
    "insurer.contracts.text": (
        "Les contrats de la complémentaire {amc} et leurs garanties par catégorie de soins. "
        "Un contrat responsable est vérifié avant tout enregistrement.",
        "The contracts of insurer {amc} and their guarantees per care category. A "
        "responsible contract is checked before anything is saved.",
    ),
    "insurer.contracts.caption": ("Contrats, par code", "Contracts, by code"),
    "insurer.contracts.code": ("Code", "Code"),
    "insurer.contracts.label": ("Libellé", "Label"),
    "insurer.contracts.responsible": ("Responsable", "Responsible"),
    "insurer.contracts.lines": ("Lignes de garantie", "Guarantee lines"),
    "insurer.contracts.edit": ("Modifier", "Edit"),
    "insurer.contracts.new": ("Nouveau contrat", "New contract"),
    "insurer.contracts.none": ("Aucun contrat pour l'instant.", "No contract yet."),
    "insurer.contracts.yes": ("oui", "yes"),
    "insurer.contracts.no": ("non", "no"),
    "insurer.contract.new_title": ("Nouveau contrat", "New contract"),
    "insurer.contract.edit_title": ("Contrat {code}", "Contract {code}"),
    "insurer.contract.back": ("Retour aux contrats", "Back to the contracts"),
    "insurer.contract.general": ("Le contrat", "The contract"),
    "insurer.contract.responsible_hint": (
        "Un contrat responsable doit couvrir le ticket modérateur du parcours de soins, le "
        "forfait journalier et les paniers 100 % Santé, et ne jamais couvrir les franchises, "
        "la participation forfaitaire ni la majoration hors parcours.",
        "A responsible contract must cover the ticket modérateur on the care pathway, the "
        "hospital daily charge and the 100% Santé baskets, and never franchises, the "
        "participation forfaitaire or the out-of-pathway penalty.",
    ),
    "insurer.contract.guarantees": (
        "Garanties par catégorie de soins",
        "Guarantees per care category",
    ),
    "insurer.contract.guarantees_hint": (
        "Laissez la règle vide pour une catégorie sans garantie. Taux en pour cent "
        "(100 = 100 %), montants en euros.",
        "Leave the rule empty for a category without a guarantee. Rates in per cent "
        "(100 = 100%), amounts in euros.",
    ),
    "insurer.contract.category": ("Catégorie", "Category"),
    "insurer.contract.no_rule": ("— aucune garantie —", "— no guarantee —"),
    "insurer.contract.save": ("Enregistrer le contrat", "Save the contract"),
    "insurer.contract.saved": ("Contrat {code} enregistré", "Contract {code} saved"),
    "insurer.contract.saved_text": (
        "La modification est enregistrée et tracée dans le journal d'audit.",
        "The change is saved and on record in the audit log.",
    ),
    "insurer.contract.refused": (
        "Ce contrat ne respecte pas les règles du contrat responsable",
        "This contract breaks the contrat responsable rules",
    ),
    "insurer.contract.refused_text": (
        "Rien n'a été enregistré. Corrigez chaque ligne ci-dessous, ou décochez "
        "« contrat responsable ».",
        'Nothing was saved. Correct each line below, or untick "responsible contract".',
    ),
    "field.label": ("Libellé", "Label"),
    "field.responsible": ("Contrat responsable", "Responsible contract"),
    "field.guarantees": ("Garanties", "Guarantees"),
    # --- imports ---
    "insurer.imports.title": ("Fichiers de droits", "Rights files"),
    "insurer.imports.text": (
        "Déposez le fichier de droits de la complémentaire {amc} (CSV ou JSON Lines, 5 Mo "
        "au plus). Seules ses propres lignes sont importées ; une ligne d'un autre "
        "organisme est rejetée.",
        "Upload the rights file of insurer {amc} (CSV or JSON Lines, 5 MB at most). Only "
        "its own lines are imported; a line of another insurer is rejected.",
    ),
    "insurer.imports.upload": ("Déposer un fichier", "Upload a file"),
    "insurer.imports.submit": ("Importer le fichier", "Import the file"),
    "insurer.imports.caption": ("Imports, les plus récents d'abord", "Imports, newest first"),
    "insurer.imports.file": ("Fichier", "File"),
    "insurer.imports.started": ("Commencé le", "Started"),
    "insurer.imports.status": ("État", "Status"),
    "insurer.imports.lines": ("Lignes", "Lines"),
    "insurer.imports.created": ("Créés", "Created"),
    "insurer.imports.updated": ("Modifiés", "Updated"),
    "insurer.imports.unchanged": ("Inchangés", "Unchanged"),
    "insurer.imports.rejected": ("Rejetés", "Rejected"),
    "insurer.imports.report": ("Rapport des rejets", "Rejected-lines report"),
    "insurer.imports.no_report": ("aucun rejet", "no rejection"),
    "insurer.imports.none": ("Aucun import pour l'instant.", "No import yet."),
    "insurer.imports.status.completed": ("terminé", "completed"),
    "insurer.imports.status.running": ("en cours", "running"),
    "insurer.imports.done": ("Fichier {name} importé", "File {name} imported"),
    "insurer.imports.done_text": (
        "{lines} {lines:ligne lue|lignes lues} : {created} {created:créée|créées}, "
        "{updated} {updated:modifiée|modifiées}, {unchanged} {unchanged:inchangée|inchangées}, "
        "{rejected} {rejected:rejetée|rejetées}.",
        "{lines} {lines:line|lines} read: {created} created, {updated} updated, "
        "{unchanged} unchanged, "
        "{rejected} rejected.",
    ),
    "insurer.imports.report_hint": (
        "Le rapport donne le numéro, le code et le champ de chaque ligne rejetée, jamais "
        "son contenu : retrouvez la ligne dans votre fichier.",
        "The report gives each rejected line's number, code and field, never its content: "
        "look the line up in your own file.",
    ),
    "insurer.imports.revoked": (
        "{count} {count:accréditation révoquée|accréditations révoquées} : "
        "les droits ne couvrent plus leur date de soins.",
        "{count} {count:accreditation|accreditations} revoked: "
        "the rights no longer cover their date of care.",
    ),
    "insurer.imports.list_link": ("Voir la liste des imports", "See the list of imports"),
    "field.rights_file": ("Fichier de droits (.csv, .jsonl)", "Rights file (.csv, .jsonl)"),
    "field.rights_file.hint": (
        "Format décrit dans la documentation du fichier de droits ; 5 Mo au plus.",
        "Format described in the rights-file documentation; 5 MB at most.",
    ),
    # --- member lookup ---
    "insurer.members.title": ("Recherche d'un adhérent", "Member lookup"),
    "insurer.members.text": (
        "Retrouvez un bénéficiaire de la complémentaire {amc} avec les données exactes de "
        "sa carte, jamais par un nom ou une partie d'identifiant. Chaque recherche et "
        "chaque affichage d'identité est tracé avec son motif.",
        "Find a beneficiary of insurer {amc} with the exact data of their cards, never by "
        "a name or part of an identifier. Every lookup and every identity shown is on "
        "record with its reason.",
    ),
    "insurer.members.form": ("Rechercher par la carte", "Look up by the card"),
    "insurer.members.card": ("Données de la carte", "Card data"),
    "insurer.members.why": ("Motif de la recherche", "Reason for the lookup"),
    "insurer.members.submit": ("Rechercher", "Look up"),
    "insurer.members.placeholder": (
        "Le résultat s'affichera ici, masqué.",
        "The result will show here, masked.",
    ),
    "insurer.members.answer": ("Résultat", "Result"),
    "insurer.members.nobody": (
        "Aucun bénéficiaire de votre complémentaire ne correspond à ces données.",
        "No beneficiary of your insurer matches these data.",
    ),
    "insurer.members.masked_note": (
        "Identité masquée. L'affichage complet est tracé avec le motif indiqué.",
        "Identity masked. Showing it in full is on record with the reason given.",
    ),
    "insurer.members.reveal": ("Afficher l'identité complète", "Show the full identity"),
    "insurer.members.revealed_note": (
        "Identité affichée : cet accès est tracé avec le motif « {reason} », dossier {reference}.",
        'Identity shown: this access is on record with the reason "{reason}", case {reference}.',
    ),
    "insurer.members.initials": ("Initiales", "Initials"),
    "insurer.members.name": ("Nom, prénom", "Name"),
    "insurer.members.nir": ("NIR de l'assuré", "Insured person's NIR"),
    "insurer.members.own_nir": ("NIR du bénéficiaire", "Beneficiary's NIR"),
    "insurer.members.birth": ("Naissance", "Birth"),
    "insurer.members.rank": ("Rang", "Rank"),
    "insurer.members.relationship": ("Qualité", "Relationship"),
    "insurer.members.member_number": ("Numéro d'adhérent", "Member number"),
    "insurer.members.contract": ("Contrat", "Contract"),
    "insurer.members.rights": ("Périodes de droits", "Rights periods"),
    "insurer.members.as_of": ("Situation au {day}", "As of {day}"),
    "insurer.members.open_ended": ("sans fin", "open-ended"),
    "insurer.members.rights_status.open": ("ouverts", "open"),
    "insurer.members.rights_status.suspended": ("suspendus", "suspended"),
    "insurer.members.rights_status.closed": ("fermés", "closed"),
    "insurer.members.relationship.insured": ("assuré", "insured"),
    "insurer.members.relationship.spouse": ("conjoint", "spouse"),
    "insurer.members.relationship.child": ("enfant", "child"),
    "insurer.members.relationship.other": ("autre", "other"),
    "field.reason": ("Motif", "Reason"),
    "field.case_reference": ("Référence du dossier", "Case reference"),
    "field.case_reference.hint": (
        "Numéro de ticket ou de dossier (lettres, chiffres, - _ / .), jamais un "
        "identifiant de la personne.",
        "Ticket or case number (letters, digits, - _ / .), never an identifier of the person.",
    ),
    "reason.member_request": ("Demande de l'adhérent", "The member's request"),
    "reason.claim_review": ("Examen d'une facture ou d'un remboursement", "Claim review"),
    "reason.rights_correction": ("Correction de droits", "Rights correction"),
    "reason.data_subject_request": (
        "Demande RGPD (accès, rectification)",
        "GDPR request (access, rectification)",
    ),
    "reason.fraud_investigation": ("Enquête pour fraude", "Fraud investigation"),
}


def derived_messages(catalogue: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The guarantee editor's field labels (one per category and part), the rule kinds
    and the contrat responsable violations, from the labels defined with them."""
    derived: dict[str, tuple[str, str]] = {}
    for category in CareCategory:
        fr, en = catalogue.get(f"category.{category.value}", (category.value, category.value))
        for part, (part_fr, part_en) in GUARANTEE_PARTS.items():
            derived[f"field.g-{category.value}-{part}"] = (f"{fr} — {part_fr}", f"{en} — {part_en}")
    for kind, labels in RULE_KINDS.items():
        derived[f"rule_kind.{kind.value}"] = labels
    for part, labels in GUARANTEE_PARTS.items():
        derived[f"guarantee_part.{part}"] = labels
    for code, labels in VIOLATION_LABELS.items():
        derived[f"violation.{code.value}"] = labels
    return derived
