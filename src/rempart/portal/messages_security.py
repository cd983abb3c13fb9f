"""The security pages' words beyond the first catalogue (incident actions, activity
charts, step-up, answers drawn whole): (French, English) pairs by key, merged into
`messages._M`. Kept apart so that the audiences' catalogues grow without colliding."""

from __future__ import annotations

SECURITY_MESSAGES: dict[str, tuple[str, str]] = {
    # --- an answer drawn whole (a form sent without JavaScript) ---
    "answer.title": ("Résultat", "Result"),
    "answer.back": ("Revenir à la page précédente", "Back to the previous page"),
    # --- step-up ---
    "stepup.text": (
        "Présentez votre clé d'accès pour confirmer que c'est bien vous, puis revenez à "
        "cette page.",
        "Present your passkey to confirm it is you, then come back to this page.",
    ),
    "stepup.button": ("Confirmer avec ma clé d'accès", "Confirm with my passkey"),
    "stepup.working": ("Confirmation en cours…", "Confirming…"),
    "stepup.done": (
        "C'est confirmé : vous pouvez recommencer l'action.",
        "Confirmed: you can try the action again.",
    ),
    "stepup.failed": (
        "La confirmation n'a pas abouti. Réessayez, ou reconnectez-vous.",
        "The confirmation did not go through. Try again, or sign in again.",
    ),
    # --- incident: scoping ---
    "incident.scope.heading": ("Évaluer l'étendue", "Scope the incident"),
    "incident.scope.text": (
        "Les personnes dont les données ont été montrées aux comptes, structures, clients "
        "ou adresses nommés pendant la fenêtre, comptées par complémentaire et par "
        "catégorie. Demande une clé d'accès présentée il y a peu.",
        "The people whose data was shown to the named accounts, structures, clients or "
        "addresses in the window, counted per insurer and per category. Needs a passkey "
        "presented recently.",
    ),
    "incident.scope.button": ("Évaluer l'étendue", "Scope"),
    "incident.scoping.heading": ("Étendue", "Scope"),
    "incident.scoping.summary": (
        "Personnes : {people} · consultations : {records} · complémentaires : {insurers} "
        "· du {start} au {end}.",
        "People: {people} · records: {records} · insurers: {insurers} · from {start} to {end}.",
    ),
    "incident.scoping.incomplete": (
        "Incomplet : {expired} {expired:consultation de la fenêtre a dépassé sa durée de "
        "conservation|consultations de la fenêtre ont dépassé leur durée de conservation}.",
        "Incomplete: {expired} {expired:record of the window is past its retention|"
        "records of the window are past their retention}.",
    ),
    "incident.scoping.caption": (
        "Personnes concernées par complémentaire et par catégorie de données",
        "People concerned per insurer and per category of data",
    ),
    "incident.scoping.amc": ("Complémentaire", "Insurer"),
    "incident.scoping.people": ("Personnes", "People"),
    "incident.scoping.records": ("Consultations", "Records"),
    "incident.scoping.no_amc": ("non attribuées", "unattributed"),
    "incident.scoping.categories_hint": (
        "Par catégorie : le nombre de personnes dont cette catégorie a été montrée. "
        "Aucune personne n'est nommée ici.",
        "Per category: how many people had that category shown. Nobody is named here.",
    ),
    "audit_category.identity": ("Identité", "Identity"),
    "audit_category.rights": ("Droits", "Rights"),
    "audit_category.guarantees": ("Garanties", "Guarantees"),
    "audit_category.invoices": ("Factures", "Invoices"),
    "audit_category.bank": ("Coordonnées bancaires", "Bank details"),
    "field.start": ("Début de la fenêtre", "Window start"),
    "field.end": ("Fin de la fenêtre (exclue)", "Window end (excluded)"),
    "field.accounts": ("Comptes", "Accounts"),
    "field.accounts.hint": ("Un identifiant de compte par ligne.", "One account id per line."),
    "field.structures": ("Structures (FINESS)", "Structures (FINESS)"),
    "field.structures.hint": ("Un FINESS par ligne.", "One FINESS per line."),
    "field.clients": ("Clients logiciels", "Software clients"),
    "field.clients.hint": ("Un identifiant de client par ligne.", "One client id per line."),
    "field.addresses": ("Adresses IP", "IP addresses"),
    "field.addresses.hint": (
        "Une adresse par ligne ; le registre n'en garde qu'une empreinte.",
        "One address per line; the register keeps only a keyed hash.",
    ),
    "field.selector": ("Sujets nommés", "Named subjects"),
    # --- incident: containment ---
    "incident.containment.heading": ("Confiner", "Contain"),
    "incident.containment.text": (
        "Chaque mesure est exécutée par le service qui en a la charge, puis inscrite au "
        "journal. Analystes sécurité seulement ; demande une clé d'accès présentée il y "
        "a peu.",
        "Each step is carried out by the service that owns it, then written in the log. "
        "Security analysts only; needs a passkey presented recently.",
    ),
    "incident.containment.button": ("Exécuter la mesure", "Carry out the step"),
    "incident.containment.kind.suspend_account": ("Suspendre un compte", "Suspend an account"),
    "incident.containment.kind.revoke_sessions": (
        "Fermer les sessions d'un compte",
        "End an account's sessions",
    ),
    "incident.containment.kind.revoke_client": (
        "Révoquer un client logiciel",
        "Revoke a software client",
    ),
    "incident.containment.kind.close_channel": (
        "Fermer un canal (frein)",
        "Close a channel (brake)",
    ),
    "incident.containment.kind.rotate_keys": (
        "Inscrire la rotation des clés",
        "Record the key rotation",
    ),
    "incident.containment.effect.done": ("Fait : {kind}.", "Done: {kind}."),
    "incident.containment.effect.already_in_effect": (
        "Déjà en vigueur : {kind}. Inscrit au journal.",
        "Already in effect: {kind}. Written in the log.",
    ),
    "incident.containment.effect.recorded": (
        "Inscrit au journal : {kind}.",
        "Written in the log: {kind}.",
    ),
    "field.kind": ("Mesure", "Step"),
    "field.target": ("Cible", "Target"),
    "field.target.hint": (
        "L'identifiant du compte ou du client, ou le canal (portal, api, insurer) ; rien "
        "pour la rotation des clés.",
        "The account or client id, or the channel (portal, api, insurer); nothing for the "
        "key rotation.",
    ),
    # --- incident: milestones, decisions, notices, closure ---
    "incident.milestone.heading": ("Jalon", "Milestone"),
    "incident.milestone.button": ("Inscrire le jalon", "Record the milestone"),
    "incident.milestone.contained": ("Violation contenue", "Breach contained"),
    "incident.milestone.amc_informed": ("Complémentaire informée", "Insurer informed"),
    "incident.milestone.authority_notified": (
        "CNIL notifiée par la complémentaire",
        "Authority notified by the insurer",
    ),
    "incident.milestone.people_notified": (
        "Personnes informées par la complémentaire",
        "People notified by the insurer",
    ),
    "field.milestone": ("Jalon", "Milestone"),
    "field.at": ("Quand", "When"),
    "field.amc": ("Complémentaire", "Insurer"),
    "field.amc.hint": (
        "Pour un jalon d'une complémentaire seulement (numéro AMC).",
        "For an insurer's milestone only (AMC number).",
    ),
    "incident.decision.heading": ("Décision ou constat", "Decision or finding"),
    "incident.decision.button": ("Inscrire au journal", "Write in the log"),
    "field.text": ("Texte", "Text"),
    "field.text.hint": (
        "Ne nommez personne : ni nom, ni NIR, ni numéro de carte.",
        "Name nobody: no name, no NIR, no card number.",
    ),
    "incident.notify.heading": ("Avis aux complémentaires", "Notices to the insurers"),
    "incident.notify.text": (
        "Pour chaque complémentaire concernée : son avis (adressé à son DPO), le projet "
        "de notification de l'article 33 et les lettres aux personnes, en documents. "
        "Demande une étendue évaluée et une clé d'accès présentée il y a peu.",
        "For each insurer concerned: its notice (sent to its DPO), the draft of its "
        "art. 33 notification and the letters to its people, as documents. Needs a "
        "scoping and a passkey presented recently.",
    ),
    "incident.notify.button": ("Générer les avis et documents", "Generate notices and documents"),
    "incident.notified.heading": ("Avis générés", "Notices generated"),
    "incident.notified.caption": ("Documents par complémentaire", "Documents per insurer"),
    "incident.notified.version": ("Version de l'avis", "Notice version"),
    "incident.notified.documents": ("Documents", "Documents"),
    "incident.notified.none": (
        "Aucune complémentaire concernée.",
        "No insurer concerned.",
    ),
    "incident.controllers.heading": ("Complémentaires concernées", "Insurers concerned"),
    "incident.controllers.caption": (
        "Où en est chaque complémentaire",
        "Where each insurer stands",
    ),
    "incident.controllers.in_scope": ("Dans l'étendue", "In scope"),
    "incident.controllers.informed": ("Informée le", "Informed"),
    "incident.controllers.authority": ("CNIL notifiée le", "Authority notified"),
    "incident.yes": ("oui", "yes"),
    "incident.no": ("non", "no"),
    "incident.close.heading": ("Clore", "Close"),
    "incident.close.text": (
        "Résolue : contenue, étendue évaluée, chaque complémentaire concernée informée. "
        "Pas une violation : à tout moment, motif au journal.",
        "Resolved: contained, scoped, every insurer concerned informed. Not a breach: at "
        "any time, with its reason in the log.",
    ),
    "incident.close.button": ("Clore l'incident", "Close the incident"),
    "incident.closure.resolved": ("Résolue", "Resolved"),
    "incident.closure.not_a_breach": ("Pas une violation", "Not a breach"),
    "field.closure": ("Clôture", "Closure"),
    "incident.action.recorded": ("Inscrit au journal.", "Written in the log."),
    "incident.action.closed": ("Incident clos.", "Incident closed."),
    # --- activity: rights checks per hour, use against the quota limits ---
    "nav.security.activity": ("Activité", "Activity"),
    "activity.title": ("Activité", "Activity"),
    "security.log.heading": ("Journal d'audit", "Audit log"),
    "security.log.verified": ("Dernière vérification", "Last verification"),
    "security.log.ok": (
        "le {at} : intègre, {records} {records:enregistrement vérifié|enregistrements vérifiés}",
        "on {at}: intact, {records} {records:record|records} checked",
    ),
    "security.log.problems": (
        "le {at} : {findings} {findings:anomalie|anomalies} — voir « rempart audit verify »",
        'on {at}: {findings} {findings:problem|problems} — see "rempart audit verify"',
    ),
    "security.log.never": (
        "jamais : lancez « rempart audit verify » (chaque jour)",
        'never: run "rempart audit verify" (daily)',
    ),
    "security.log.checkpoint": ("Dernier point de contrôle signé", "Newest signed checkpoint"),
    "security.log.checkpoint_at": (
        "{size} {size:enregistrement|enregistrements}, le {at}",
        "{size} {size:record|records}, on {at}",
    ),
    "security.log.no_checkpoint": ("aucun", "none"),
    "security.log.unsealed": (
        "Enregistrements pas encore scellés",
        "Records not yet sealed",
    ),
    "activity.heading": ("Activité de la plateforme", "Platform activity"),
    "activity.text": (
        "Comptés dans le journal d'audit : les vérifications de droits et les factures par "
        "heure, puis les appels servis (toute lecture ou écriture de données, comme les "
        "quotas les comptent) par structure, par compte et par logiciel face à leurs quotas. "
        "Des nombres seulement : aucune personne vérifiée n'est nommée.",
        "Counted from the audit log: rights checks and invoices per hour, then the calls "
        "served (every read or write of data, as the quotas count them) per structure, "
        "account and software client against their quotas. Counts only: no person checked "
        "is named.",
    ),
    "activity.checks.heading": (
        "Vérifications de droits par heure sur les dernières 24 heures",
        "Rights checks per hour over the last 24 hours",
    ),
    "activity.checks.summary": (
        "{total} {total:vérification|vérifications} en 24 heures, au plus {peak} en une heure.",
        "{total} {total:check|checks} in 24 hours, at most {peak} in one hour.",
    ),
    "activity.checks.title": (
        "Histogramme : {total} {total:vérification|vérifications} en 24 heures, "
        "au plus {peak} en une heure",
        "Bar chart: {total} {total:check|checks} in 24 hours, at most {peak} in one hour",
    ),
    "activity.checks.table": ("Vérifications par heure", "Checks per hour"),
    "activity.checks.count": ("Vérifications", "Checks"),
    "activity.invoices.heading": (
        "Factures reçues par heure sur les dernières 24 heures",
        "Invoices received per hour over the last 24 hours",
    ),
    "activity.invoices.summary": (
        "{total} {total:facture|factures} en 24 heures, au plus {peak} en une heure.",
        "{total} {total:invoice|invoices} in 24 hours, at most {peak} in one hour.",
    ),
    "activity.invoices.title": (
        "Histogramme : {total} {total:facture|factures} en 24 heures, au plus {peak} en une heure",
        "Bar chart: {total} {total:invoice|invoices} in 24 hours, at most {peak} in one hour",
    ),
    "activity.invoices.table": ("Factures par heure", "Invoices per hour"),
    "activity.invoices.count": ("Factures", "Invoices"),
    "activity.structures.heading": (
        "Structures les plus actives face à leurs quotas",
        "Busiest structures against their quotas",
    ),
    "activity.structures.title": (
        "Barres : part du quota horaire et du quota journalier utilisée par structure",
        "Bars: share of the hourly and daily quota used per structure",
    ),
    "activity.structures.table": (
        "Appels servis par structure (FINESS) et part du quota",
        "Calls served per structure (FINESS) and share of the quota",
    ),
    "activity.accounts.heading": (
        "Comptes les plus actifs face à leurs quotas",
        "Busiest accounts against their quotas",
    ),
    "activity.accounts.title": (
        "Barres : part du quota horaire et du quota journalier utilisée par compte",
        "Bars: share of the hourly and daily quota used per account",
    ),
    "activity.accounts.table": (
        "Appels servis par compte et part du quota",
        "Calls served per account and share of the quota",
    ),
    "activity.clients.heading": (
        "Logiciels les plus actifs face à leurs quotas",
        "Busiest software clients against their quotas",
    ),
    "activity.clients.title": (
        "Barres : part du quota horaire et du quota journalier utilisée par logiciel",
        "Bars: share of the hourly and daily quota used per software client",
    ),
    "activity.clients.table": (
        "Appels servis par logiciel et part du quota",
        "Calls served per software client and share of the quota",
    ),
    "activity.client": ("Logiciel", "Software client"),
    "activity.structure": ("Structure (FINESS)", "Structure (FINESS)"),
    "activity.account": ("Compte", "Account"),
    "activity.none": (
        "Aucun appel servi sur les dernières 24 heures.",
        "No call served in the last 24 hours.",
    ),
    "usage.last_hour": ("Dernière heure", "Last hour"),
    "usage.last_day": ("Dernières 24 heures", "Last 24 hours"),
    "usage.of_limit": ("{used} sur {limit} ({percent} %)", "{used} of {limit} ({percent}%)"),
    "usage.hour_bar": (
        "Dernière heure : {used} sur {limit} ({percent} %)",
        "Last hour: {used} of {limit} ({percent}%)",
    ),
    "usage.day_bar": (
        "Dernières 24 heures : {used} sur {limit} ({percent} %)",
        "Last 24 hours: {used} of {limit} ({percent}%)",
    ),
    "usage.legend.hour": ("quota horaire", "hourly quota"),
    "usage.legend.day": ("quota journalier", "daily quota"),
    "account.checks.heading": (
        "Mes vérifications de droits par heure (24 heures)",
        "My rights checks per hour (24 hours)",
    ),
    "account.checks.summary": (
        "{total} {total:vérification faite|vérifications faites} avec ce compte en 24 heures, "
        "au plus {peak} en une heure. Si ce n'était pas vous, prévenez votre administrateur.",
        "{total} {total:check|checks} made with this account in 24 hours, "
        "at most {peak} in one hour. "
        "If that was not you, tell your administrator.",
    ),
    "account.checks.title": (
        "Histogramme : {total} {total:vérification|vérifications} en 24 heures, "
        "au plus {peak} en une heure",
        "Bar chart: {total} {total:check|checks} in 24 hours, at most {peak} in one hour",
    ),
    "security.alerts.open_incident": ("Ouvrir un incident", "Open an incident"),
}
