"""The portal's words, French first and English: a small catalogue of (fr, en) pairs by
key, and a translator each page gets as `t`. Reason codes and coverage rules keep their
labels where they are defined (`rights.reasons`, `rights.domain`), so that the remittance
advice, the API and the pages say the same thing.

A key missing from the catalogue fails the portal's tests (every key a template uses is
checked), never a person's page at run time: an unknown dynamic key shows the key."""

from __future__ import annotations

import string
from typing import Any

from rempart.portal.insurer_messages import MESSAGES as INSURER_MESSAGES
from rempart.portal.insurer_messages import derived_messages
from rempart.portal.messages_security import SECURITY_MESSAGES
from rempart.rights.domain import COVERAGE_RULE_LABELS, CoverageRule
from rempart.rights.reasons import Reason

LANGUAGES = ("fr", "en")

_M: dict[str, tuple[str, str]] = {
    # --- layout ---
    "layout.skip": ("Aller au contenu", "Skip to content"),
    "layout.tagline": (
        "Tiers payant des complémentaires santé",
        "Third-party payment for complementary health insurers",
    ),
    "layout.language": ("Langue", "Language"),
    "layout.nav": ("Menu principal", "Main menu"),
    "layout.sign_out": ("Se déconnecter", "Sign out"),
    "layout.development": (
        "environnement de développement",
        "development environment",
    ),
    "layout.offline": (
        "Le serveur ne répond pas : vérifiez la connexion et réessayez.",
        "The server does not answer: check the connection and try again.",
    ),
    "nav.security": ("Sécurité de mon compte", "My account's security"),
    "nav.pro.rights": ("Droits", "Rights"),
    "nav.pro.invoices": ("Factures", "Invoices"),
    "nav.pro.payments": ("Paiements", "Payments"),
    "nav.pro.software": ("Logiciel", "Software"),
    "nav.insured.rights": ("Mes droits", "My rights"),
    "nav.insured.invoices": ("Mes remboursements", "My reimbursements"),
    "nav.insured.history": ("Qui a consulté mes droits", "Who looked at my rights"),
    "nav.security.alerts": ("Alertes", "Alerts"),
    "nav.security.containments": ("Confinements et freins", "Containments and brakes"),
    "nav.security.incidents": ("Registre des violations", "Breach register"),
    "nav.insurer.statements": ("Relevés de règlement", "Settlement statements"),
    "nav.insurer.notices": ("Avis d'incident", "Incident notices"),
    # --- roles ---
    "role.professional": ("Professionnel de santé", "Health professional"),
    "role.structure_admin": ("Administrateur de structure", "Structure administrator"),
    "role.insurer_staff": ("Gestionnaire complémentaire", "Insurer staff"),
    "role.insurer_dpo": ("DPO complémentaire", "Insurer DPO"),
    "role.security_analyst": ("Analyste sécurité", "Security analyst"),
    "role.platform_dpo": ("DPO de la plateforme", "Platform DPO"),
    "role.platform_admin": ("Administrateur de la plateforme", "Platform administrator"),
    "role.insured": ("Assuré", "Insured person"),
    # --- landing ---
    "landing.title": ("Accueil", "Home"),
    "landing.heading": (
        "Rempart, le tiers payant qui protège",
        "Rempart, third-party payment that protects",
    ),
    "landing.intro": (
        "Rempart tient les droits des bénéficiaires des complémentaires santé, répond aux "
        "professionnels de santé avec le strict nécessaire, reçoit leurs factures, les paie "
        "et règle avec les complémentaires. Les données personnelles sont chiffrées ; un "
        "bénéficiaire ne se retrouve qu'avec les données exactes lues sur ses cartes.",
        "Rempart holds the insurers' beneficiary rights, answers health professionals with "
        "the minimum they need, takes their invoices, pays them and settles with the "
        "insurers. Personal data is encrypted; a beneficiary can only be found with the "
        "exact data read from their cards.",
    ),
    "landing.sign_in.heading": ("Se connecter", "Sign in"),
    "landing.sign_in.text": (
        "Professionnels avec Pro Santé Connect ou une clé d'accès ; assurés avec une clé d'accès.",
        "Professionals with Pro Santé Connect or a passkey; insured people with a passkey.",
    ),
    "landing.sign_in.button": ("Se connecter", "Sign in"),
    "landing.my_space": ("Mon espace", "My space"),
    "landing.integrators": ("Pour les éditeurs de logiciels", "For software integrators"),
    "landing.openapi": ("Description de l'API (OpenAPI)", "API description (OpenAPI)"),
    "landing.reference": ("référence interactive", "interactive reference"),
    "landing.health": ("État du service", "Service health"),
    # --- demo (development only) ---
    "demo.badge": ("Démonstration uniquement", "Demo only"),
    "demo.heading": ("Entrer comme un personnage de démonstration", "Sign in as a demo persona"),
    "demo.text": (
        "Cette section n'existe qu'en environnement de développement : elle ouvre une "
        "session sans facteur d'authentification, marquée « démo » et enregistrée. Elle est "
        "absente en production.",
        "This section exists in the development environment only: it opens a session "
        'without any authentication factor, marked "demo" and on record. It is absent in '
        "production.",
    ),
    "demo.card.heading": ("Carte de démonstration", "Demo card"),
    "demo.card.text": (
        "Les cartes (fictives) de l'assurée de démonstration : vérifiez ses droits comme "
        "pharmacien, puis voyez cette consultation depuis son espace.",
        "The demo insured person's (synthetic) cards: check her rights as the pharmacist, "
        "then see that access from her own space.",
    ),
    "demo.not_seeded": (
        "Les personnages ne sont pas encore créés : lancez « rempart demo personas ».",
        'The personas are not created yet: run "rempart demo personas".',
    ),
    "persona.pharmacist.name": ("Pharmacien", "Pharmacist"),
    "persona.pharmacist.what": (
        "Vérifie les droits au comptoir, simule, facture, suit ses paiements.",
        "Checks rights at the counter, simulates, invoices, follows payments.",
    ),
    "persona.structure-admin.name": ("Titulaire de la pharmacie", "Pharmacy owner"),
    "persona.structure-admin.what": (
        "Tout ce que fait le pharmacien, et administre la structure.",
        "Everything the pharmacist does, and administers the structure.",
    ),
    "persona.insurer-staff.name": ("Gestionnaire d'une complémentaire", "Insurer staff member"),
    "persona.insurer-staff.what": (
        "Contrats et garanties, fichiers de droits, recherche d'un adhérent par sa carte, "
        "relevés de règlement.",
        "Contracts and guarantees, rights files, a member looked up by their card, "
        "settlement statements.",
    ),
    "persona.insurer-dpo.name": ("DPO d'une complémentaire", "Insurer DPO"),
    "persona.insurer-dpo.what": (
        "Périmètre d'exposition et notifications d'incident (pages à venir).",
        "Exposure scoping and incident notices (pages to come).",
    ),
    "persona.security-analyst.name": ("Analyste sécurité", "Security analyst"),
    "persona.security-analyst.what": (
        "Alertes, confinement, signalements « ce n'était pas moi » (pages à venir).",
        'Alerts, containment, "this wasn\'t me" reports (pages to come).',
    ),
    "persona.platform-admin.name": ("Administrateur de la plateforme", "Platform administrator"),
    "persona.platform-admin.what": (
        "Comptes et clients logiciels, sans accès aux données des bénéficiaires.",
        "Accounts and software clients, no access to beneficiaries' data.",
    ),
    "persona.insured.name": ("Assurée", "Insured person"),
    "persona.insured.what": (
        "Ses droits et garanties, ses remboursements, qui a consulté ses droits.",
        "Her rights and guarantees, her reimbursements, who looked at her rights.",
    ),
    # --- sign-in ---
    "signin.title": ("Connexion", "Sign in"),
    "signin.heading": ("Connexion", "Sign in"),
    "signin.working": ("Connexion en cours…", "Signing in…"),
    "signin.refused": (
        "La connexion a été refusée. Vérifiez votre identifiant et réessayez.",
        "The sign-in was refused. Check your login name and try again.",
    ),
    "signin.unsupported": (
        "Ce navigateur ne sait pas utiliser les clés d'accès.",
        "This browser cannot use passkeys.",
    ),
    "signin.cancelled": (
        "La clé d'accès n'a pas été présentée. Réessayez quand vous êtes prêt.",
        "The passkey was not presented. Try again when you are ready.",
    ),
    "signin.throttled": (
        "Trop de tentatives : patientez quelques minutes avant de réessayer.",
        "Too many attempts: wait a few minutes before trying again.",
    ),
    "signin.pending": (
        "Connexion en attente de confirmation.",
        "Sign-in waiting for confirmation.",
    ),
    "signin.still_pending": (
        "Pas encore confirmée : confirmez depuis une session ouverte avec votre clé d'accès.",
        "Not confirmed yet: confirm from a session opened with your passkey.",
    ),
    "signin.passkey.heading": ("Avec ma clé d'accès", "With my passkey"),
    "signin.passkey.text": (
        "Votre clé d'accès (empreinte, visage, code de l'appareil ou clé de sécurité) ne "
        "fonctionne que sur ce site : elle ne peut pas être hameçonnée.",
        "Your passkey (fingerprint, face, device PIN or security key) only works on this "
        "site: it cannot be phished.",
    ),
    "signin.passkey.button": ("Se connecter avec ma clé d'accès", "Sign in with my passkey"),
    "signin.psc.heading": ("Avec Pro Santé Connect", "With Pro Santé Connect"),
    "signin.psc.text": (
        "Pour les professionnels de santé : e-CPS ou carte CPS.",
        "For health professionals: e-CPS or CPS card.",
    ),
    "signin.psc.button": ("Se connecter avec Pro Santé Connect", "Sign in with Pro Santé Connect"),
    "signin.enrol.heading": ("Première connexion", "First sign-in"),
    "signin.enrol.text": (
        "Saisissez le code d'activation reçu après la validation de votre compte, puis "
        "créez votre clé d'accès.",
        "Type the activation code you received once your account was approved, then "
        "create your passkey.",
    ),
    "signin.enrol.button": ("Créer ma clé d'accès", "Create my passkey"),
    "signin.fallback.heading": (
        "Je n'ai pas ma clé d'accès : mot de passe et code à usage unique",
        "I don't have my passkey: password and one-time code",
    ),
    "signin.fallback.text": (
        "Moins sûr : depuis un appareil inconnu, la connexion devra être confirmée avec "
        "votre clé d'accès.",
        "Less safe: from an unknown device, the sign-in must be confirmed with your passkey.",
    ),
    "signin.fallback.button": ("Se connecter", "Sign in"),
    "signin.pending.text": (
        "Confirmez cette connexion depuis une session ouverte avec votre clé d'accès, en "
        "saisissant ce code :",
        "Confirm this sign-in from a session opened with your passkey, typing this code:",
    ),
    "signin.pending.continue": ("J'ai confirmé, continuer", "I have confirmed, continue"),
    # --- fields ---
    "field.login_name": ("Identifiant", "Login name"),
    "field.password": ("Mot de passe", "Password"),
    "field.totp": ("Code à usage unique", "One-time code"),
    "field.totp.hint": (
        "Les 6 chiffres de votre application, ou un code de secours.",
        "The 6 digits from your app, or a recovery code.",
    ),
    "field.enrolment_code": ("Code d'activation", "Activation code"),
    "field.user_code": ("Code affiché par le logiciel", "Code your software shows"),
    "field.user_code.hint": (
        "8 lettres, par exemple BCDF-GHJK ; les tirets et les espaces ne comptent pas.",
        "8 letters, for example BCDF-GHJK; dashes and spaces do not matter.",
    ),
    "field.attestation": ("Code de l'attestation (scan)", "Attestation code (scan)"),
    "field.attestation.hint": (
        "Scannez le code 2D de l'attestation de tiers payant : les champs ci-dessous sont "
        "alors inutiles.",
        "Scan the 2D code of the tiers-payant attestation: the fields below are then not needed.",
    ),
    "field.insured_nir": ("NIR de l'assuré (avec la clé)", "Insured person's NIR (with its key)"),
    "field.insured_nir.hint": (
        "15 caractères, tel qu'inscrit sur la carte Vitale.",
        "15 characters, as printed on the Carte Vitale.",
    ),
    "field.birth_date": ("Date de naissance", "Birth date"),
    "field.birth_date.hint": (
        "AAAAMMJJ, telle qu'inscrite sur la carte (00 si inconnue).",
        "YYYYMMDD, as printed on the card (00 when unknown).",
    ),
    "field.birth_rank": ("Rang de naissance", "Birth rank"),
    "field.amc_number": ("Numéro AMC", "AMC number"),
    "field.member_number": ("Numéro d'adhérent", "Member number"),
    "field.agreement_type": ("Type de convention", "Agreement type"),
    "field.date_of_care": ("Date des soins", "Date of care"),
    "field.categories": ("Catégories de soins", "Care categories"),
    "field.structure": ("Structure (FINESS)", "Structure (FINESS)"),
    "field.invoice_number": ("Numéro de facture", "Invoice number"),
    "field.accreditation_id": ("Accréditation (facultatif)", "Accreditation (optional)"),
    "field.accreditation_id.hint": (
        "La référence donnée par la vérification des droits ; sinon, la carte ci-dessous.",
        "The reference the rights check gave; otherwise, the card below.",
    ),
    "field.line_category": ("Catégorie", "Category"),
    "field.line_code": ("Code (CIP13, CCAM, LPP, NGAP)", "Code (CIP13, CCAM, LPP, NGAP)"),
    "field.line_quantity": ("Quantité", "Quantity"),
    "field.line_unit_price": ("Prix unitaire (€)", "Unit price (€)"),
    "field.line_unit_br": ("Base de remboursement unitaire (€)", "Unit base rate (€)"),
    "field.line_amo_rate": ("Taux AMO (%)", "AMO rate (%)"),
    "field.line_amo": ("Part AMO (€)", "AMO share (€)"),
    "field.line_amo.hint": (
        "Laissez vide : base x taux AMO.",
        "Leave blank: base rate x AMO rate.",
    ),
    "field.line_franchise": ("Franchise (€)", "Franchise (€)"),
    "field.idempotency_key": ("Formulaire", "Form"),
    "field.Idempotency-Key": ("Formulaire", "Form"),
    "field.code": ("Code", "Code"),
    "field.quantity": ("Quantité", "Quantity"),
    "field.unit_price_cents": ("Prix unitaire", "Unit price"),
    "field.unit_br_cents": ("Base de remboursement", "Base rate"),
    "field.amo_rate_bp": ("Taux AMO", "AMO rate"),
    "field.amo_cents": ("Part AMO", "AMO share"),
    "field.franchise_cents": ("Franchise", "Franchise"),
    "field.category": ("Catégorie", "Category"),
    "field.card": ("Carte ou accréditation", "Card or accreditation"),
    "field.lines": ("Lignes", "Lines"),
    # --- refusals ---
    "problem.back_home": ("Retour à l'accueil", "Back to the home page"),
    "problem.sign_in": ("Se connecter", "Sign in"),
    "problem.technical": ("Détail technique", "Technical detail"),
    "problem.status.4xx": ("La demande n'a pas abouti", "The request did not go through"),
    "problem.status.5xx": ("Service momentanément indisponible", "Service unavailable for now"),
    "problem.hint.4xx": (
        "Vérifiez votre saisie et réessayez.",
        "Check what you typed and try again.",
    ),
    "problem.hint.5xx": (
        "Réessayez dans quelques minutes ; rien n'a été enregistré à moitié.",
        "Try again in a few minutes; nothing was half-recorded.",
    ),
    "problem.invalid-input.title": ("Une valeur est à corriger", "A value needs correcting"),
    "problem.invalid-input.hint": (
        "Corrigez le champ indiqué et réessayez. Aucune donnée n'a été enregistrée.",
        "Correct the field named and try again. Nothing was recorded.",
    ),
    "problem.invalid-identifier.title": (
        "Un identifiant est invalide",
        "An identifier is invalid",
    ),
    "problem.invalid-identifier.hint": (
        "Vérifiez-le sur la carte (format, clé de contrôle) et réessayez.",
        "Check it on the card (format, check digits) and try again.",
    ),
    "problem.unauthenticated.title": ("Connectez-vous pour continuer", "Sign in to continue"),
    "problem.unauthenticated.hint": (
        "Votre session a pris fin ou vous n'êtes pas connecté.",
        "Your session has ended or you are not signed in.",
    ),
    "problem.step-up-required.title": (
        "Confirmez avec votre clé d'accès",
        "Confirm with your passkey",
    ),
    "problem.step-up-required.hint": (
        "Cette opération demande d'avoir présenté votre clé d'accès il y a peu.",
        "This operation needs your passkey presented a moment ago.",
    ),
    "problem.forbidden.title": ("Accès non autorisé", "Not allowed"),
    "problem.forbidden.hint": (
        "Votre compte ne permet pas cette opération ici.",
        "Your account does not allow this operation here.",
    ),
    "problem.not-found.title": ("Introuvable", "Not found"),
    "problem.not-found.hint": (
        "Rien de tel n'existe pour votre compte.",
        "Nothing of the kind exists for your account.",
    ),
    "problem.conflict.title": (
        "Déjà fait ou modifié entre-temps",
        "Already done or changed meanwhile",
    ),
    "problem.conflict.hint": (
        "Rechargez la page pour voir l'état actuel.",
        "Reload the page to see the current state.",
    ),
    "problem.rate-limited.title": ("Trop de demandes", "Too many requests"),
    "problem.rate-limited.hint": (
        "Le volume de votre compte dépasse la pratique habituelle : patientez avant de réessayer.",
        "Your account's volume exceeds usual practice: wait before trying again.",
    ),
    "problem.unavailable.title": (
        "Service momentanément indisponible",
        "Service unavailable for now",
    ),
    "problem.unavailable.hint": (
        "Réessayez dans quelques minutes ; rien n'a été enregistré à moitié.",
        "Try again in a few minutes; nothing was half-recorded.",
    ),
    # --- professional: rights ---
    "pro.rights.title": ("Vérifier les droits", "Check rights"),
    "pro.rights.heading": ("Vérifier les droits d'un patient", "Check a patient's rights"),
    "pro.rights.intro": (
        "Les données de la carte présentée, et rien d'autre : la réponse ne nomme personne.",
        "The data of the card presented, nothing else: the answer names nobody.",
    ),
    "pro.rights.form": ("Carte du patient", "Patient's card"),
    "pro.rights.submit": ("Vérifier les droits", "Check rights"),
    "pro.software.title": ("Confirmer votre logiciel", "Confirm your software"),
    "pro.software.heading": (
        "Confirmer le logiciel de votre comptoir",
        "Confirm the software at your counter",
    ),
    "pro.software.intro": (
        "Le bouclier demande parfois à votre logiciel la preuve qu'un professionnel est "
        "bien au comptoir. Le logiciel affiche alors un code de 8 lettres : saisissez-le "
        "ici. La confirmation vaut 15 minutes, pour ce logiciel agissant en votre nom.",
        "The shield sometimes asks your software for proof that a professional is at the "
        "counter. The software then shows an 8-letter code: type it here. The "
        "confirmation lasts 15 minutes, for that software acting in your name.",
    ),
    "pro.software.warning": (
        "Ne saisissez qu'un code que votre propre logiciel vous affiche en ce moment. "
        "Personne de Rempart ne vous demandera jamais un code par téléphone ou par courriel.",
        "Only type a code your own software is showing you right now. Nobody from "
        "Rempart will ever ask you for a code by phone or email.",
    ),
    "pro.software.form": ("Code du logiciel", "Software's code"),
    "pro.software.submit": ("Confirmer", "Confirm"),
    "pro.software.answer": ("Confirmation", "Confirmation"),
    "pro.software.placeholder": (
        "La confirmation s'affichera ici.",
        "The confirmation will show here.",
    ),
    "pro.software.confirmed": (
        "Logiciel « {name} » confirmé pour la structure {finess}.",
        "Software “{name}” confirmed for structure {finess}.",
    ),
    "pro.software.elsewhere.heading": (
        "Ce code a été demandé depuis un autre réseau que le vôtre",
        "This code was asked for from another network than yours",
    ),
    "pro.software.elsewhere.text": (
        "Le logiciel « {name} » de la structure {finess} a demandé ce code à {time}, "
        "depuis une autre adresse que celle d'où vous confirmez.",
        "Software “{name}” of structure {finess} asked for this code at {time}, from "
        "another address than the one you are confirming from.",
    ),
    "pro.software.elsewhere.warning": (
        "Si quelqu'un vous a donné ce code par téléphone, courriel ou message, ne "
        "confirmez pas : c'est une escroquerie. Confirmez seulement si le logiciel de "
        "votre comptoir l'affiche en ce moment (par exemple si vous confirmez depuis "
        "votre téléphone).",
        "If someone gave you this code by phone, email or message, do not confirm: it is "
        "a scam. Confirm only if your counter's software is showing it right now (for "
        "instance if you are confirming from your phone).",
    ),
    "pro.software.elsewhere.confirm": (
        "Mon logiciel affiche ce code : confirmer",
        "My software shows this code: confirm",
    ),
    "pro.software.elsewhere.alerted": (
        "Les analystes de sécurité en sont informés, comme de toute confirmation depuis "
        "un autre réseau.",
        "The security analysts are told, as of every confirmation from another network.",
    ),
    "pro.software.until": (
        "La confirmation vaut jusqu'à {time}. Relancez l'opération dans le logiciel.",
        "The confirmation lasts until {time}. Retry the operation in the software.",
    ),
    "pro.card.legend": ("Carte de tiers payant", "Tiers-payant card"),
    "pro.card.or": ("ou saisissez :", "or type:"),
    "pro.answer.heading": ("Réponse", "Answer"),
    "pro.answer.placeholder": (
        "La réponse s'affichera ici.",
        "The answer will show here.",
    ),
    "pro.answer.valid": ("Droits", "Rights"),
    "pro.answer.from": ("du {day}", "from {day}"),
    "pro.answer.until": ("au {day}", "to {day}"),
    "pro.answer.open_ended": ("sans date de fin", "open-ended"),
    "pro.answer.accreditation": ("Accréditation", "Accreditation"),
    "pro.answer.expires": ("valable jusqu'au {day}", "valid until {day}"),
    "pro.answer.no_guarantee": (
        "Le contrat ne prévoit aucune des catégories demandées.",
        "The contract provides for none of the categories asked.",
    ),
    "check.open": ("Droits ouverts", "Rights open"),
    "check.closed": ("Droits fermés", "Rights closed"),
    "check.no_matching_rights": ("Aucun droit trouvé", "No rights found"),
    "period.open": ("ouverts", "open"),
    "period.suspended": ("suspendus", "suspended"),
    "period.closed": ("fermés", "closed"),
    "guarantees.caption": ("Garanties", "Guarantees"),
    "guarantees.category": ("Catégorie", "Category"),
    "guarantees.rule": ("Règle", "Rule"),
    "guarantees.value": ("Taux ou montant", "Rate or amount"),
    "guarantees.ceiling": ("Plafond annuel", "Yearly ceiling"),
    "guarantees.renewal": ("Renouvellement", "Renewal"),
    "guarantees.months": ("{n} mois", "{n} {n:month|months}"),
    "kind.percent_of_br": ("% de la base de remboursement", "% of the base rate"),
    "kind.percent_of_tm": ("% du ticket modérateur", "% of the ticket modérateur"),
    "kind.fixed_per_act": ("Forfait par acte", "Fixed amount per act"),
    "kind.yearly_forfait": ("Forfait annuel", "Yearly forfait"),
    "kind.excluded": ("Exclu", "Excluded"),
    # --- professional: simulation and invoices ---
    "pro.simulate.heading": ("Simuler la prise en charge", "Simulate the coverage"),
    "pro.simulate.text": (
        "Ce que la complémentaire paierait sur ces lignes, sous cette accréditation. Rien "
        "n'est consommé.",
        "What the insurer would pay on these lines, under this accreditation. Nothing is consumed.",
    ),
    "pro.simulate.submit": ("Simuler", "Simulate"),
    "pro.line.legend": ("Ligne {n}", "Line {n}"),
    "pro.simulation.heading": ("Simulation", "Simulation"),
    "pro.simulation.caption": ("Répartition par ligne", "Split by line"),
    "amounts.code": ("Code", "Code"),
    "amounts.price": ("Prix", "Price"),
    "amounts.amo": ("AMO", "AMO"),
    "amounts.amc": ("Complémentaire", "Insurer"),
    "amounts.patient": ("Reste à charge", "Patient pays"),
    "amounts.rule": ("Règle appliquée", "Rule applied"),
    "amounts.total": ("Total", "Total"),
    "amounts.franchise_included": ("dont franchise {amount}", "of which franchise {amount}"),
    "pro.invoice.these": ("Facturer ces lignes", "Invoice these lines"),
    "pro.invoice.submit": ("Transmettre la facture", "Send the invoice"),
    "pro.invoice.paid_lines": ("Lignes payées", "Lines paid"),
    "pro.receipt.heading": ("Facture {number}", "Invoice {number}"),
    "pro.receipt.amc": (
        "Part complémentaire acceptée : {amount}",
        "Insurer share accepted: {amount}",
    ),
    "pro.receipt.detail": ("Voir la facture", "See the invoice"),
    "pro.receipt.list": ("Toutes mes factures", "All my invoices"),
    "pro.decisions.caption": ("Décision par ligne", "Decision by line"),
    "pro.decisions.line": ("Ligne", "Line"),
    "pro.decisions.status": ("État", "Status"),
    "pro.decisions.reason": ("Motif ou règle", "Reason or rule"),
    "pro.decisions.near_duplicate": ("doublon possible", "possible duplicate"),
    "invoice.status.accepted": ("Acceptée", "Accepted"),
    "invoice.status.partially_accepted": ("Partiellement acceptée", "Partially accepted"),
    "invoice.status.rejected": ("Rejetée", "Rejected"),
    "invoice.status.cancelled": ("Annulée", "Cancelled"),
    "line.status.accepted": ("Acceptée", "Accepted"),
    "line.status.rejected": ("Rejetée", "Rejected"),
    "line.status.cancelled": ("Annulée", "Cancelled"),
    "pro.invoices.title": ("Factures", "Invoices"),
    "pro.invoices.heading": ("Factures de la structure", "The structure's invoices"),
    "pro.invoices.new": ("Nouvelle facture", "New invoice"),
    "pro.invoices.new.text": (
        "Avec l'accréditation de la vérification des droits, ou avec la carte du patient.",
        "With the accreditation from the rights check, or with the patient's card.",
    ),
    "pro.invoices.list": ("Factures transmises", "Invoices sent"),
    "pro.invoices.caption": ("Les plus récentes d'abord", "Newest first"),
    "pro.invoices.received": ("Reçue le", "Received"),
    "pro.invoices.none": ("Aucune facture pour l'instant.", "No invoice yet."),
    "pro.cancel.heading": ("Annuler la facture", "Cancel the invoice"),
    "pro.cancel.text": (
        "Possible dans les 24 heures suivant la réception, avant tout paiement.",
        "Possible within 24 hours of receipt, before any payment.",
    ),
    "pro.cancel.button": ("Annuler cette facture", "Cancel this invoice"),
    "pro.cancelled": ("Facture {number} annulée.", "Invoice {number} cancelled."),
    # --- professional: payments ---
    "pro.payments.title": ("Paiements", "Payments"),
    "pro.payments.heading": ("Paiements reçus", "Payments received"),
    "pro.payments.text": (
        "Virements à la structure {finess}, avec leurs avis de paiement.",
        "Transfers to structure {finess}, with their remittance advices.",
    ),
    "pro.payments.caption": ("Les plus récents d'abord", "Newest first"),
    "pro.payments.date": ("Date", "Date"),
    "pro.payments.amount": ("Montant", "Amount"),
    "pro.payments.lines": ("Lignes", "Lines"),
    "pro.payments.reference": ("Référence", "Reference"),
    "pro.payments.account": ("Compte", "Account"),
    "pro.payments.advice": ("Avis de paiement", "Remittance advice"),
    "pro.payments.pdf": ("PDF", "PDF"),
    "pro.payments.csv": ("CSV", "CSV"),
    "pro.payments.none": ("Aucun paiement pour l'instant.", "No payment yet."),
    # --- own account ---
    "account.security.title": ("Sécurité de mon compte", "My account's security"),
    "account.security.heading": ("Sécurité de mon compte", "My account's security"),
    "account.security.text": (
        "Connexions, clés d'accès et changements de votre compte. Quelque chose que vous "
        "ne reconnaissez pas ? Prévenez votre administrateur.",
        "Sign-ins, passkeys and changes of your account. Something you don't recognise? "
        "Tell your administrator.",
    ),
    "account.security.caption": ("Les plus récents d'abord", "Newest first"),
    "account.security.when": ("Quand", "When"),
    "account.security.what": ("Quoi", "What"),
    "account.security.by": ("Par", "By"),
    "account.security.by_self": ("vous", "you"),
    "account.security.by_other": ("un administrateur", "an administrator"),
    "account.security.none": ("Aucun événement.", "No event."),
    # --- insured ---
    "insured.rights.title": ("Mes droits", "My rights"),
    "insured.rights.heading": ("Mes droits et garanties", "My rights and guarantees"),
    "insured.rights.today": ("Aujourd'hui", "Today"),
    "insured.rights.insurer": ("Complémentaire", "Insurer"),
    "insured.rights.contract": ("Contrat", "Contract"),
    "insured.rights.responsible": ("contrat responsable", "contrat responsable"),
    "insured.rights.periods": ("Périodes de droits", "Rights periods"),
    "insured.rights.guarantees": ("Mes garanties", "My guarantees"),
    "insured.invoices.title": ("Mes remboursements", "My reimbursements"),
    "insured.invoices.heading": (
        "Ce que ma complémentaire a payé pour mes soins",
        "What my insurer paid for my care",
    ),
    "insured.invoices.text": (
        "Les factures de tiers payant reçues pour vous, et la part de chacun.",
        "The tiers-payant invoices received for you, and each party's share.",
    ),
    "insured.invoices.caption": ("Les soins les plus récents d'abord", "Most recent care first"),
    "insured.invoices.where": ("Où", "Where"),
    "insured.invoices.payment": ("Paiement au professionnel", "Payment to the professional"),
    "insured.invoices.paid": ("payé le {day}", "paid on {day}"),
    "insured.invoices.to_pay": ("à venir", "to come"),
    "insured.invoices.none": ("Aucune facture pour l'instant.", "No invoice yet."),
    "insured.history.title": ("Qui a consulté mes droits", "Who looked at my rights"),
    "insured.history.heading": ("Qui a consulté mes droits", "Who looked at my rights"),
    "insured.history.text": (
        "Chaque consultation de vos droits est enregistrée. Si vous ne reconnaissez pas "
        "l'une d'elles, signalez-la : les analystes sécurité sont prévenus.",
        "Every access to your rights is recorded. If you do not recognise one, report it: "
        "the security analysts are told.",
    ),
    "insured.history.caption": ("Les plus récentes d'abord", "Newest first"),
    "insured.history.when": ("Quand", "When"),
    "insured.history.who": ("Qui", "Who"),
    "insured.history.what": ("Données consultées", "Data seen"),
    "insured.history.not_me": ("Ce n'était pas moi ?", "Wasn't it me?"),
    "insured.history.report": ("Signaler", "Report"),
    "insured.history.reported": (
        "Signalé. Merci : les analystes sécurité vont examiner cette consultation.",
        "Reported. Thank you: the security analysts will look into this access.",
    ),
    "insured.history.a_structure": ("Une structure de santé", "A health structure"),
    "insured.history.your_insurer": ("Votre complémentaire", "Your insurer"),
    "insured.history.platform": ("La plateforme Rempart", "The Rempart platform"),
    "insured.history.none": (
        "Personne n'a consulté vos droits.",
        "Nobody has looked at your rights.",
    ),
    "channel.portal": ("depuis le portail", "from the portal"),
    "channel.api": ("depuis son logiciel", "from their software"),
    "channel.cli": ("par un opérateur", "by an operator"),
    "channel.insurer": ("depuis le portail complémentaire", "from the insurer portal"),
    "data.identity": ("identité", "identity"),
    "data.rights": ("droits", "rights"),
    "data.guarantees": ("garanties", "guarantees"),
    "data.invoices": ("factures", "invoices"),
    "data.bank": ("coordonnées bancaires", "bank details"),
    "profession.pharmacist": ("Pharmacien", "Pharmacist"),
    "profession.general_practitioner": ("Médecin généraliste", "General practitioner"),
    "profession.specialist": ("Médecin spécialiste", "Specialist"),
    "profession.optician": ("Opticien", "Optician"),
    "profession.audiologist": ("Audioprothésiste", "Audiologist"),
    "profession.dentist": ("Chirurgien-dentiste", "Dentist"),
    "profession.nurse": ("Infirmier", "Nurse"),
    "profession.laboratory": ("Laboratoire", "Laboratory"),
    "structure.pharmacy": ("pharmacie", "pharmacy"),
    "structure.medical_practice": ("cabinet médical", "medical practice"),
    "structure.optical_shop": ("opticien", "optician"),
    "structure.hearing_centre": ("centre d'audioprothèse", "hearing centre"),
    "structure.dental_practice": ("cabinet dentaire", "dental practice"),
    "structure.laboratory": ("laboratoire", "laboratory"),
    "structure.hospital": ("établissement de santé", "hospital"),
    # --- care categories ---
    "category.pharmacy_100": ("Pharmacie remboursée à 100 %", "Pharmacy reimbursed at 100%"),
    "category.pharmacy_65": ("Pharmacie remboursée à 65 %", "Pharmacy reimbursed at 65%"),
    "category.pharmacy_30": ("Pharmacie remboursée à 30 %", "Pharmacy reimbursed at 30%"),
    "category.pharmacy_15": ("Pharmacie remboursée à 15 %", "Pharmacy reimbursed at 15%"),
    "category.general_practitioner": ("Médecin généraliste", "General practitioner"),
    "category.specialist": ("Médecin spécialiste", "Specialist"),
    "category.excess_fees": ("Dépassements d'honoraires", "Excess fees"),
    "category.laboratory": ("Analyses de laboratoire", "Laboratory tests"),
    "category.radiology": ("Radiologie", "Radiology"),
    "category.hospital_stay": ("Hospitalisation", "Hospital stay"),
    "category.hospital_daily_charge": ("Forfait journalier hospitalier", "Hospital daily charge"),
    "category.optical_100_sante": ("Optique 100 % Santé", "Optical, 100% Santé"),
    "category.optical_free_price": ("Optique à tarifs libres", "Optical, free prices"),
    "category.dental_100_sante": ("Dentaire 100 % Santé", "Dental, 100% Santé"),
    "category.dental_prosthesis": ("Prothèses dentaires", "Dental prostheses"),
    "category.hearing_100_sante": ("Audiologie 100 % Santé", "Hearing aids, 100% Santé"),
    "category.hearing_free_price": ("Audiologie à tarifs libres", "Hearing aids, free prices"),
    "category.other": ("Autres soins", "Other care"),
    "category.franchise": ("Franchises médicales", "Medical franchises"),
    "category.participation_forfaitaire": (
        "Participation forfaitaire",
        "Participation forfaitaire",
    ),
    "category.out_of_pathway_penalty": (
        "Majoration hors parcours de soins",
        "Out-of-pathway increase",
    ),
    # --- security events (own history) ---
    "event.identity:account:requested": ("Compte demandé", "Account requested"),
    "event.identity:account:approved": ("Compte validé", "Account approved"),
    "event.identity:passkey:added": ("Clé d'accès ajoutée", "Passkey added"),
    "event.identity:session:opened": ("Session ouverte", "Session opened"),
    "event.identity:session:revoked": ("Session fermée", "Session closed"),
    "event.identity:sessions:ended": ("Toutes les sessions fermées", "Every session ended"),
    "event.identity:device:added": ("Appareil reconnu", "Device trusted"),
    "event.identity:device:forgotten": ("Appareil oublié", "Device forgotten"),
    "event.identity:sign_in:totp": (
        "Connexion par mot de passe et code",
        "Sign-in with password and code",
    ),
    "event.identity:sign_in:pending": ("Connexion en attente", "Sign-in waiting"),
    "event.identity:sign_in:confirmed": ("Connexion confirmée", "Sign-in confirmed"),
    "event.identity:sign_in:denied": ("Connexion refusée par vous", "Sign-in denied by you"),
    "event.identity:sign_in:pro_sante_connect": (
        "Connexion Pro Santé Connect",
        "Pro Santé Connect sign-in",
    ),
    "event.identity:demo_session:opened": (
        "Session de démonstration ouverte",
        "Demo session opened",
    ),
    "event.identity:client:step_up_confirmed": (
        "Logiciel confirmé au comptoir",
        "Software confirmed at the counter",
    ),
    "event.identity:step_up:passed": ("Clé d'accès présentée à nouveau", "Passkey presented again"),
    "event.identity:enrolment:issued": ("Code d'activation émis", "Activation code issued"),
    "event.identity:account:suspended": ("Compte suspendu", "Account suspended"),
    "event.identity:password:set": ("Mot de passe défini", "Password set"),
    "event.identity:totp:enrolled": ("Code à usage unique activé", "One-time code enabled"),
    # --- security analyst ---
    "security.alerts.title": ("Alertes", "Alerts"),
    "security.alerts.heading": ("Alertes du bouclier", "The shield's alerts"),
    "security.alerts.text": (
        "Les alertes les plus récentes d'abord (100 au plus). Prendre en compte une alerte "
        "ne lève aucun confinement.",
        "Newest alerts first (100 at most). Acknowledging an alert lifts no containment.",
    ),
    "security.alerts.list": ("Dernières alertes", "Latest alerts"),
    "security.alerts.caption": ("Les plus récentes d'abord", "Newest first"),
    "security.alerts.when": ("Quand", "When"),
    "security.alerts.severity": ("Gravité", "Severity"),
    "security.alerts.code": ("Code", "Code"),
    "security.alerts.subject": ("Sujet", "Subject"),
    "security.alerts.evidence": ("Éléments", "Evidence"),
    "security.alerts.status": ("État", "Status"),
    "security.alerts.acknowledge": ("Prendre en compte", "Acknowledge"),
    "security.alerts.none": ("Aucune alerte.", "No alerts."),
    "security.alert_status.acknowledged": ("Prise en compte", "Acknowledged"),
    "security.alert_status.closed": ("Close", "Closed"),
    "security.alert_status.open": ("Ouverte", "Open"),
    "security.chart.heading": (
        "Alertes par heure sur les dernières 24 heures",
        "Alerts per hour over the last 24 hours",
    ),
    "security.chart.summary": (
        "{total} {total:alerte|alertes} en 24 heures, au plus {peak} en une heure.",
        "{total} {total:alert|alerts} in 24 hours, at most {peak} in one hour.",
    ),
    "security.chart.title": (
        "Histogramme : {total} {total:alerte|alertes} en 24 heures, au plus {peak} en une heure",
        "Bar chart: {total} {total:alert|alerts} in 24 hours, at most {peak} in one hour",
    ),
    "chart.caption": (
        "Une barre par heure, la plus récente à droite ; les chiffres sont dans le tableau.",
        "One bar per hour, the latest on the right; the figures are in the table.",
    ),
    "chart.hour": ("Heure", "Hour"),
    "security.chart.table": ("Alertes par heure", "Alerts per hour"),
    "security.chart.count": ("Alertes", "Alerts"),
    "security.acknowledged": ("Alerte prise en compte.", "Alert acknowledged."),
    "security.lift_asked": (
        "Levée demandée : un second analyste doit l'approuver.",
        "Lift requested: a second analyst must approve it.",
    ),
    "security.lifted": ("Confinement levé.", "Containment lifted."),
    "security.braked": (
        "Frein serré : le canal ne lit plus rien.",
        "Brake applied: the channel reads nothing.",
    ),
    "security.release_asked": (
        "Desserrage demandé : un second analyste doit l'approuver.",
        "Release requested: a second analyst must approve it.",
    ),
    "security.containments.title": ("Confinements", "Containments"),
    "security.containments.heading": ("Confinements actifs", "Active containments"),
    "security.containments.text": (
        "Une levée se fait à deux : un analyste la demande, un autre l'approuve. Ces "
        "actions demandent une clé d'accès présentée il y a peu.",
        "A lift takes two: one analyst requests it, another approves it. These actions "
        "need a passkey presented recently.",
    ),
    "security.containments.caption": (
        "Les plus récemment aggravés d'abord",
        "Most recently escalated first",
    ),
    "security.containments.since": ("Depuis", "Since"),
    "security.containments.subject": ("Sujet", "Subject"),
    "security.containments.rung": ("Niveau", "Rung"),
    "security.containments.evidence": ("Éléments", "Evidence"),
    "security.containments.lift": ("Levée", "Lift"),
    "security.containments.request": ("Demander la levée", "Request the lift"),
    "security.containments.approve": ("Approuver la levée", "Approve the lift"),
    "security.containments.none": ("Aucun confinement actif.", "No active containment."),
    "security.brakes.heading": ("Freins des canaux", "Channel brakes"),
    "security.brakes.text": (
        "Un canal freiné ne lit plus aucune donnée ; son desserrage se fait à deux.",
        "A braked channel reads no data; releasing it takes two analysts.",
    ),
    "security.brakes.on": ("freiné", "braked"),
    "security.brakes.off": ("ouvert", "open"),
    "security.brakes.apply": ("Serrer le frein", "Apply the brake"),
    "security.brakes.release": ("Demander le desserrage", "Request the release"),
    "security.incidents.title": ("Registre des violations", "Breach register"),
    "security.incidents.heading": ("Registre des violations", "Breach register"),
    "security.incidents.text": (
        "Le registre de l'article 33(5) du RGPD, les plus récentes d'abord.",
        "The GDPR art. 33(5) register, newest first.",
    ),
    "security.incidents.caption": ("Les plus récentes d'abord", "Newest first"),
    "security.incidents.reference": ("Référence", "Reference"),
    "security.incidents.opened": ("Ouverte le", "Opened"),
    "security.incidents.status": ("État", "Status"),
    "security.incidents.kinds": ("Nature", "Kind"),
    "security.incidents.description": ("Description", "Description"),
    "security.incidents.none": ("Aucune violation au registre.", "No breach in the register."),
    "security.incident.title": ("Violation {reference}", "Breach {reference}"),
    "security.incident.back": ("Retour au registre", "Back to the register"),
    "security.incident.detected": ("Détectée le", "Detected"),
    "security.incident.aware": ("Connue le", "Aware since"),
    "security.incident.authority_due": ("Notification CNIL due le", "Authority notice due"),
    "security.incident.overdue": ("en retard", "overdue"),
    "security.incident.contained": ("Contenue le", "Contained"),
    "security.incident.closed": ("Close le", "Closed"),
    "security.incident.log": ("Journal", "Log"),
    "incident.status.open": ("ouverte", "open"),
    "incident.status.contained": ("contenue", "contained"),
    "incident.status.closed": ("close", "closed"),
    "incident.kind.confidentiality": ("confidentialité", "confidentiality"),
    "incident.kind.integrity": ("intégrité", "integrity"),
    "incident.kind.availability": ("disponibilité", "availability"),
    "pro.chart.heading": (
        "Factures reçues par heure sur les dernières 24 heures",
        "Invoices received per hour over the last 24 hours",
    ),
    "pro.chart.summary": (
        "{total} {total:facture|factures} de cette liste en 24 heures, "
        "au plus {peak} en une heure.",
        "{total} {total:invoice|invoices} of this list in 24 hours, at most {peak} in one hour.",
    ),
    "pro.chart.title": (
        "Histogramme : {total} {total:facture|factures} en 24 heures, au plus {peak} en une heure",
        "Bar chart: {total} {total:invoice|invoices} in 24 hours, at most {peak} in one hour",
    ),
    "pro.chart.table": ("Factures reçues par heure", "Invoices received per hour"),
    "pro.chart.count": ("Factures", "Invoices"),
    # --- insurer ---
    "insurer.statements.title": ("Relevés de règlement", "Settlement statements"),
    "insurer.statements.heading": ("Relevés de règlement", "Settlement statements"),
    "insurer.statements.text": (
        "Ce que chaque campagne de paiement a prélevé à la complémentaire {amc}.",
        "What each payment run debited insurer {amc}.",
    ),
    "insurer.statements.caption": ("Les plus récents d'abord", "Newest first"),
    "insurer.statements.date": ("Campagne du", "Run of"),
    "insurer.statements.amount": ("Montant", "Amount"),
    "insurer.statements.lines": ("Lignes", "Lines"),
    "insurer.statements.reference": ("Référence du prélèvement", "Debit reference"),
    "insurer.statements.download": ("Relevé", "Statement"),
    "insurer.statements.pdf": ("PDF", "PDF"),
    "insurer.statements.csv": ("CSV", "CSV"),
    "insurer.statements.none": ("Aucun règlement pour l'instant.", "No settlement yet."),
    "insurer.notices.title": ("Avis d'incident", "Incident notices"),
    "insurer.notices.heading": ("Avis d'incident", "Incident notices"),
    "insurer.notices.text": (
        "Les violations de données qui concernent la complémentaire {amc}, telles que "
        "Rempart vous les a notifiées.",
        "The data breaches concerning insurer {amc}, as Rempart notified them.",
    ),
    "insurer.notices.caption": ("Les plus récents d'abord", "Newest first"),
    "insurer.notices.reference": ("Référence", "Reference"),
    "insurer.notices.sent": ("Notifié le", "Notified"),
    "insurer.notices.subject": ("Objet", "Subject"),
    "insurer.notices.authority_due": ("Notification CNIL due le", "Authority notice due"),
    "insurer.notices.none": ("Aucun avis d'incident.", "No incident notice."),
}

_M |= INSURER_MESSAGES
_M |= SECURITY_MESSAGES
_M |= derived_messages(_M)


def plural(lang: str, count: object, one: str, many: str) -> str:
    """The word that agrees with `count`: French keeps 0 and 1 singular ("0 alerte",
    "1 alerte"), English only 1 ("0 alerts")."""
    if not isinstance(count, int):
        return many
    return one if (abs(count) < 2 if lang == "fr" else count == 1) else many


class _Agreeing(string.Formatter):
    """`{n:alerte|alertes}` in a message writes the form that agrees with n (the count
    itself is written apart, `{n} {n:alerte|alertes}`), so that no summary reads
    "1 vérifications"."""

    def __init__(self, lang: str) -> None:
        self._lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        one, bar, many = format_spec.partition("|")
        if bar:
            return plural(self._lang, value, one, many)
        return str(super().format_field(value, format_spec))


class Translator:
    """`t("key", name=value)` in templates, and labels of the domain's codes."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self._at = LANGUAGES.index(self.lang)
        self._formatter = _Agreeing(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        text = _M[key][self._at]
        return self._formatter.format(text, **values) if values else text

    def plural(self, count: object, one: str, many: str) -> str:
        """`t.plural(n, "ligne", "lignes")` for a count a template writes itself."""
        return plural(self.lang, count, one, many)

    def _maybe(self, key: str, fallback: str) -> str:
        found = _M.get(key)
        return found[self._at] if found else fallback

    def category(self, value: str) -> str:
        return self._maybe(f"category.{value}", value)

    def field(self, name: str) -> str:
        return self._maybe(f"field.{name}", name)

    def event(self, tag: str) -> str:
        return self._maybe(f"event.{tag}", tag)

    def reason(self, code: str) -> str:
        try:
            reason = Reason(code)
        except ValueError:
            return code
        return reason.label_fr if self.lang == "fr" else reason.label_en

    def rule(self, code: str) -> str:
        try:
            labels = COVERAGE_RULE_LABELS[CoverageRule(code)]
        except ValueError:
            return code
        return labels[self._at]

    def problem_title(self, code: str, status: int) -> str:
        return self._maybe(f"problem.{code}.title", self(_bucket("problem.status", status)))

    def problem_hint(self, code: str, status: int) -> str:
        return self._maybe(f"problem.{code}.hint", self(_bucket("problem.hint", status)))


def _bucket(prefix: str, status: int) -> str:
    return f"{prefix}.{'5xx' if status >= 500 else '4xx'}"


def catalogue() -> dict[str, tuple[str, str]]:
    """A copy of the whole catalogue (for the tests that check it is complete)."""
    return dict(_M)
