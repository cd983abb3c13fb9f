"""The out-of-band notices of a bank account change, pure: to the structure (the outbox
adapter resolves its address from the registry, which the change does not touch) and,
for changes made by platform administrators, to the security analysts.

A notice names the account by its last four characters and its BIC, never the IBAN, and
names nobody: it says which kind of person acted, the audit log says who.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from rempart.payouts.domain import BankAccount, Requester

STRUCTURE = "structure"  # recipient kind; the reference is the FINESS
ROLE = "role"  # recipient kind; the reference is a role (everyone holding it)
ANALYSTS = "security_analyst"


class Topic(StrEnum):
    STRUCTURE_CHANGED = "structure:bank_account:changed"  # cooling off from now
    STRUCTURE_PENDING = "structure:bank_account:pending_approval"
    STRUCTURE_CANCELLED = "structure:bank_account:cancelled"
    ANALYSTS_REQUESTED = "security:bank_account:change_requested"
    ANALYSTS_APPROVED = "security:bank_account:change_approved"
    ANALYSTS_CANCELLED = "security:bank_account:change_cancelled"


class Party(StrEnum):
    """Who acted, as the notices name them."""

    STRUCTURE_ADMIN = "structure_admin"
    PLATFORM_ADMIN = "platform_admin"
    SECURITY_ANALYST = "security_analyst"

    @property
    def phrase(self) -> str:
        return {
            Party.STRUCTURE_ADMIN: "un administrateur de votre structure",
            Party.PLATFORM_ADMIN: "un administrateur de la plateforme Rempart",
            Party.SECURITY_ANALYST: "l'équipe sécurité de Rempart",
        }[self]


@dataclass(frozen=True)
class Structure:
    finess: str
    name: str


@dataclass(frozen=True)
class Notice:
    topic: Topic
    recipient_kind: str
    recipient_ref: str
    subject: str
    body: str


_IF_NOT_YOU = (
    "Si vous n'êtes pas à l'origine de ce changement : annulez-le sans attendre depuis "
    "l'espace Rempart d'un administrateur de la structure, ou appelez l'équipe sécurité de "
    "Rempart aux coordonnées de votre contrat (jamais à celles d'un message reçu), puis "
    "changez les moyens de connexion de vos comptes. Rempart ne vous demande jamais vos "
    "coordonnées bancaires par courriel ni par téléphone."
)
_HELD = (
    "Jusqu'à cette date, les paiements de votre structure sont suspendus : ils ne sont "
    "versés ni sur l'ancien compte ni sur le nouveau, et le seront au premier paiement qui "
    "suit."
)


def requested(
    structure: Structure,
    change: BankAccount,
    *,
    replaces: BankAccount | None,
    cooling_off: timedelta,
) -> list[Notice]:
    """A new change: cooling off at once (structure administrator) or waiting for a
    second platform administrator."""
    account = _account(change)
    replaced = (
        ""
        if replaces is None
        else f"\n\nElle remplace la demande du {_when(replaces.requested_at)} (compte se "
        f"terminant par {replaces.last4}), qui n'aura pas d'effet."
    )
    if change.requester is Requester.STRUCTURE_ADMIN:
        assert change.effective_at is not None
        body = (
            f"Bonjour,\n\nLe {_when(change.requested_at)}, un administrateur de votre structure "
            f"{_named(structure)} a demandé que Rempart verse désormais ses paiements sur "
            f"un nouveau compte bancaire : {account}. Il prendra effet le "
            f"{_when(change.effective_at)}.{replaced}\n\n{_HELD}\n\n{_IF_NOT_YOU}"
        )
        return [_to_structure(structure, Topic.STRUCTURE_CHANGED, body)]
    hours = int(cooling_off.total_seconds() // 3600)
    body = (
        f"Bonjour,\n\nLe {_when(change.requested_at)}, un administrateur de la plateforme "
        f"Rempart a enregistré un nouveau compte bancaire pour les paiements de votre "
        f"structure {_named(structure)} : {account}. Un second administrateur doit le "
        f"valider ; il prendra effet {hours} heures après cette validation.{replaced}\n\n"
        f"Jusque-là, les paiements de votre structure sont suspendus : ils ne sont versés "
        f"ni sur l'ancien compte ni sur le nouveau, et le seront au premier paiement qui "
        f"suit sa prise d'effet.\n\n{_IF_NOT_YOU}"
    )
    return [
        _to_structure(structure, Topic.STRUCTURE_PENDING, body),
        _to_analysts(
            Topic.ANALYSTS_REQUESTED,
            f"Changement de compte bancaire demandé par un administrateur : {structure.finess}",
            f"Structure {_named(structure)} : le {_when(change.requested_at)}, un "
            f"administrateur de la plateforme a demandé un changement de compte bancaire "
            f"({account}). Il attend l'approbation d'un second administrateur. Vérifiez la "
            f"demande auprès de la structure par un canal connu d'avance et annulez-la au "
            f"moindre doute. Détail : journal d'audit, "
            f"payouts:bank_account:change_requested.",
        ),
    ]


def approved(structure: Structure, change: BankAccount) -> list[Notice]:
    assert change.effective_at is not None
    assert change.approved_at is not None
    account = _account(change)
    body = (
        f"Bonjour,\n\nLe {_when(change.approved_at)}, un second administrateur de la "
        f"plateforme Rempart a validé le nouveau compte bancaire de votre structure "
        f"{_named(structure)} : {account}. Il prendra effet le "
        f"{_when(change.effective_at)}.\n\n{_HELD}\n\n{_IF_NOT_YOU}"
    )
    return [
        _to_structure(structure, Topic.STRUCTURE_CHANGED, body),
        _to_analysts(
            Topic.ANALYSTS_APPROVED,
            f"Changement de compte bancaire approuvé : {structure.finess}",
            f"Structure {_named(structure)} : le changement de compte bancaire demandé le "
            f"{_when(change.requested_at)} ({account}) a été approuvé le "
            f"{_when(change.approved_at)} ; il prendra effet le {_when(change.effective_at)} "
            f"sauf annulation. Détail : journal d'audit, "
            f"payouts:bank_account:change_approved.",
        ),
    ]


def cancelled(
    structure: Structure, change: BankAccount, *, by: Party, current_last4: str
) -> list[Notice]:
    assert change.cancelled_at is not None
    body = (
        f"Bonjour,\n\nLe {_when(change.cancelled_at)}, {by.phrase} a annulé le changement "
        f"du compte bancaire de votre structure {_named(structure)} demandé le "
        f"{_when(change.requested_at)} ({_account(change)}). Les paiements reprennent sur "
        f"le compte en vigueur, se terminant par {current_last4}.\n\n{_IF_NOT_YOU}"
    )
    notices = [_to_structure(structure, Topic.STRUCTURE_CANCELLED, body)]
    if change.requester is Requester.PLATFORM_ADMIN or by is Party.SECURITY_ANALYST:
        notices.append(
            _to_analysts(
                Topic.ANALYSTS_CANCELLED,
                f"Changement de compte bancaire annulé : {structure.finess}",
                f"Structure {_named(structure)} : le changement de compte bancaire demandé "
                f"le {_when(change.requested_at)} ({_account(change)}) a été annulé le "
                f"{_when(change.cancelled_at)} par {by.phrase}. Détail : journal d'audit, "
                f"payouts:bank_account:change_cancelled.",
            )
        )
    return notices


def _account(account: BankAccount) -> str:
    return f"IBAN se terminant par {account.last4}, BIC {account.bic}"


def _named(structure: Structure) -> str:
    return f"{structure.name} (FINESS {structure.finess})"


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%d/%m/%Y à %H:%M UTC")


def _to_structure(structure: Structure, topic: Topic, body: str) -> Notice:
    subject = {
        Topic.STRUCTURE_CHANGED: "Changement du compte bancaire de votre structure",
        Topic.STRUCTURE_PENDING: "Nouveau compte bancaire en attente de validation",
        Topic.STRUCTURE_CANCELLED: "Changement du compte bancaire annulé",
    }[topic]
    return Notice(topic, STRUCTURE, structure.finess, subject, body)


def _to_analysts(topic: Topic, subject: str, body: str) -> Notice:
    return Notice(topic, ROLE, ANALYSTS, subject, body)
