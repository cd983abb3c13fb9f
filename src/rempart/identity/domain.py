"""Accounts as the identity issue defines them, pure: who may hold which role, and the
four-eyes rule for creating them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from rempart.identity.permissions import Role
from rempart.kernel.errors import Forbidden, InvalidInput
from rempart.kernel.identifiers import (
    BirthDateOnCard,
    Nir,
    parse_amc_number,
    parse_birth_rank,
    parse_finess,
    parse_rpps,
)


class AccountStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class SecurityTag(StrEnum):
    """`source:subject:action`, as every security event."""

    ACCOUNT_REQUESTED = "identity:account:requested"
    ACCOUNT_APPROVED = "identity:account:approved"
    PASSKEY_ADDED = "identity:passkey:added"
    SESSION_OPENED = "identity:session:opened"
    SESSION_REVOKED = "identity:session:revoked"
    SESSIONS_ENDED = "identity:sessions:ended"
    DEVICE_ADDED = "identity:device:added"
    DEVICE_FORGOTTEN = "identity:device:forgotten"
    SIGN_IN_TOTP = "identity:sign_in:totp"
    SIGN_IN_REFUSED = "identity:sign_in:refused"  # audit log only: no account to show it
    SIGN_IN_PENDING = "identity:sign_in:pending"
    SIGN_IN_CONFIRMED = "identity:sign_in:confirmed"
    SIGN_IN_DENIED = "identity:sign_in:denied"
    SIGN_IN_PRO_SANTE_CONNECT = "identity:sign_in:pro_sante_connect"
    DEMO_SESSION_OPENED = "identity:demo_session:opened"  # development only
    RECOVERY_CODE_USED = "identity:recovery_code:used"
    RECOVERY_CODES_ISSUED = "identity:recovery_codes:issued"
    PASSWORD_SET = "identity:password:set"  # noqa: S105 (an event tag, not a secret)
    TOTP_ENROLLED = "identity:totp:enrolled"
    TOTP_RESET = "identity:totp:reset"
    STEP_UP = "identity:step_up:passed"
    ENROLMENT_ISSUED = "identity:enrolment:issued"
    ACCOUNT_SUSPENDED = "identity:account:suspended"
    CLIENT_REGISTERED = "identity:client:registered"
    CLIENT_APPROVED = "identity:client:approved"
    CLIENT_REVOKED = "identity:client:revoked"
    # Software asked for the professional's confirmation (audit log only: no account),
    # and the professional confirmed it (on their account).
    CLIENT_STEP_UP_REQUESTED = "identity:client:step_up_requested"
    CLIENT_STEP_UP_CONFIRMED = "identity:client:step_up_confirmed"
    # Changes of a structure's bank account the person asked for, approved or cancelled.
    IBAN_CHANGE_REQUESTED = "identity:iban_change:requested"
    IBAN_CHANGE_APPROVED = "identity:iban_change:approved"
    IBAN_CHANGE_CANCELLED = "identity:iban_change:cancelled"
    # The shield's containment ladder, shown to the account it concerns.
    SHIELD_THROTTLED = "shield:account:throttled"
    SHIELD_STEP_UP_REQUIRED = "shield:account:step_up_required"
    SHIELD_SUSPENDED = "shield:account:suspended"
    SHIELD_LIFT_REQUESTED = "shield:account:lift_requested"
    SHIELD_REINSTATED = "shield:account:reinstated"


# The identity feature's calls that the shield admits, and so count against the quotas
# (shield.usage reads them back): the rest of its records (sign-in, sessions, factors,
# approvals) are throttled by the sign-in rules, not the quotas.
ADMITTED_TAGS = frozenset(
    {
        SecurityTag.ACCOUNT_REQUESTED,
        SecurityTag.IBAN_CHANGE_REQUESTED,
        SecurityTag.IBAN_CHANGE_APPROVED,
        SecurityTag.IBAN_CHANGE_CANCELLED,
        SecurityTag.CLIENT_STEP_UP_REQUESTED,
        SecurityTag.CLIENT_STEP_UP_CONFIRMED,
    }
)


class ClientStatus(StrEnum):
    """A software client's key authenticates only while active: after a second person
    approved it and before anyone revoked it."""

    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    SUSPENDED = "suspended"  # by the shield, until two security analysts lift it
    REVOKED = "revoked"


STRUCTURE_ROLES = frozenset({Role.PROFESSIONAL, Role.STRUCTURE_ADMIN})
INSURER_ROLES = frozenset({Role.INSURER_STAFF, Role.INSURER_DPO})
MEMBER_NUMBER = re.compile(r"[A-Z0-9]{1,20}")


@dataclass(frozen=True)
class InsuredCard:
    """What identifies an insured person's own record: the identifiers printed on their
    cards (the AMC number comes with the account request). Never shown, never logged."""

    insured_nir: str = field(repr=False)
    birth_date: str = field(repr=False)  # as on the card, may be "lunar"
    birth_rank: int = field(repr=False)
    member_number: str = field(repr=False)

    def validated(self) -> InsuredCard:
        member = self.member_number.strip().upper()
        if not MEMBER_NUMBER.fullmatch(member):
            raise InvalidInput("member_number has 1-20 letters or digits", field="member_number")
        return InsuredCard(
            Nir.parse(self.insured_nir, field="insured_nir").value,
            BirthDateOnCard.parse(self.birth_date).value,
            parse_birth_rank(self.birth_rank),
            member,
        )


@dataclass(frozen=True)
class AccountRequest:
    role: Role
    login_name: str = field(repr=False)
    rpps: str | None = None
    finess: tuple[str, ...] = ()
    amc_number: str | None = None
    card: InsuredCard | None = None  # insured people: their own record

    def validated(self) -> AccountRequest:
        """Identifiers checked and normalised; the role's required attachments present."""
        name = self.login_name.strip()
        if not 3 <= len(name) <= 254 or any(ord(c) < 32 for c in name):
            raise InvalidInput("login_name must be 3-254 printable characters", field="login_name")
        rpps = parse_rpps(self.rpps) if self.rpps else None
        finess = tuple(sorted({parse_finess(f) for f in self.finess}))
        amc = parse_amc_number(self.amc_number) if self.amc_number else None
        if self.role in STRUCTURE_ROLES and rpps is None:
            raise InvalidInput(
                "professional and structure administrator accounts are bound to an RPPS",
                field="rpps",
            )
        if self.role in STRUCTURE_ROLES and not finess:
            raise InvalidInput("this role acts for at least one structure", field="finess")
        if self.role not in STRUCTURE_ROLES and finess:
            raise InvalidInput(
                "only professionals and structure administrators have structures", field="finess"
            )
        if (self.role in INSURER_ROLES or self.role is Role.INSURED) != (amc is not None):
            raise InvalidInput(
                "insurer roles and insured people, and only they, name their AMC",
                field="amc_number",
            )
        if (self.role is Role.INSURED) != (self.card is not None):
            raise InvalidInput(
                "an insured person's account, and only it, names their card", field="card"
            )
        card = self.card.validated() if self.card is not None else None
        if rpps is not None and self.role not in STRUCTURE_ROLES:
            raise InvalidInput(
                "only professionals and structure administrators have an RPPS", field="rpps"
            )
        return AccountRequest(self.role, name, rpps, finess, amc, card)


def check_approver(*, requested_by: uuid.UUID | None, approver: uuid.UUID) -> None:
    """Four eyes: nobody approves an account they asked for."""
    if requested_by is None or requested_by == approver:
        raise Forbidden("an account is approved by a second person, not by its requester")
