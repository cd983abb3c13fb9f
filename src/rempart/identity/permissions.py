"""Who may do what, on whose data: roles, permissions shaped `scope:resource:action`, and
the one rule that decides, pure.

Deny by default: a permission is allowed only when the table below grants it to the
actor's role *and* the object lies within the reach the grant names (the actor's own
structure, own insurer, own record, own account, or the platform). Nothing here widens a
grant; a role that is not listed for a permission does not have it. The platform
administrator manages accounts and sees no beneficiary data: no grant of this table gives
that role a permission over beneficiaries, invoices or audit contents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rempart.kernel.errors import Forbidden


class Role(StrEnum):
    PROFESSIONAL = "professional"
    STRUCTURE_ADMIN = "structure_admin"
    INSURER_STAFF = "insurer_staff"
    INSURER_DPO = "insurer_dpo"
    SECURITY_ANALYST = "security_analyst"
    PLATFORM_DPO = "platform_dpo"
    PLATFORM_ADMIN = "platform_admin"
    INSURED = "insured"


class Permission(StrEnum):
    RIGHTS_CHECK = "rights:check:perform"
    RIGHTS_CALCULATION = "rights:calculation:perform"
    RIGHTS_REVOKED_LIST = "rights:revocation:list"
    INVOICE_SUBMIT = "claims:invoice:submit"
    INVOICE_READ = "claims:invoice:read"
    REMITTANCE_READ = "payments:remittance:read"
    BANK_ACCOUNT_READ = "payments:bank_account:read"
    IBAN_CHANGE = "payments:iban:change"
    IBAN_CHANGE_APPROVE = "payments:iban:approve"
    IBAN_CHANGE_CANCEL = "payments:iban:cancel"
    SETTLEMENT_READ = "payments:settlement:read"
    RIGHTS_FILE_IMPORT = "registry:rights_file:import"
    CONTRACT_MANAGE = "registry:contract:manage"
    MEMBER_LOOKUP = "registry:member:lookup"
    ACCOUNT_CREATE = "identity:account:create"
    ACCOUNT_APPROVE = "identity:account:approve"
    ACCOUNT_SUSPEND = "identity:account:suspend"
    CLIENT_REGISTER = "identity:client:register"
    CLIENT_APPROVE = "identity:client:approve"
    CLIENT_REVOKE = "identity:client:revoke"
    # The shield's step-up rung, for software: it asks for a code (API channel), and the
    # professional it acts for confirms it in the portal.
    CLIENT_STEP_UP_REQUEST = "identity:client:step_up_request"
    CLIENT_STEP_UP_CONFIRM = "identity:client:step_up_confirm"
    SECURITY_HISTORY_READ = "identity:security_history:read"
    FACTOR_MANAGE = "identity:factor:manage"
    ACCESS_HISTORY_READ = "audit:access_history:read"
    OWN_RIGHTS_READ = "rights:own_rights:read"  # an insured person's own rights and guarantees
    OWN_INVOICES_READ = "claims:own_invoice:read"  # what the AMC paid for their own care
    ACCESS_REPORT = "audit:access_history:report"
    EXPOSURE_SCOPE = "audit:exposure:scope"
    ALERT_READ = "shield:alert:read"
    CONTAINMENT_LIFT = "shield:containment:lift"
    BRAKE_APPLY = "shield:brake:apply"
    INCIDENT_MANAGE = "incidents:incident:manage"
    INCIDENT_CONTAIN = "incidents:containment:execute"
    INCIDENT_REIDENTIFY = "incidents:person:reidentify"
    INCIDENT_NOTICE_READ = "incidents:notice:read"


class Channel(StrEnum):
    """Where a request came in: each can be closed alone (principle 6)."""

    PORTAL = "portal"  # people in a browser, signed in with a session
    API = "api"  # software clients (pharmacy software) with sender-constrained tokens
    CLI = "cli"  # operators on the host
    INSURER = "insurer"  # insurer staff on the insurer portal


class Strength(StrEnum):
    """How the actor proved who they are. Only a phishing-resistant proof (a passkey
    with user verification, Pro Santé Connect, a client's private key) satisfies a
    step-up; a TOTP code is accepted for sign-in from a known device but is phishable."""

    PHISHING_RESISTANT = "phishing_resistant"
    PHISHABLE = "phishable"


class Reach(StrEnum):
    """How far a grant reaches."""

    OWN_STRUCTURE = "own_structure"  # a structure the actor is a member (or admin) of
    OWN_AMC = "own_amc"  # the insurer the actor works for
    OWN_RECORD = "own_record"  # the beneficiary record that is the actor's own
    OWN_ACCOUNT = "own_account"  # the actor's own account
    PLATFORM = "platform"  # platform-wide (staff duties); no object restriction


class ObjectKind(StrEnum):
    STRUCTURE = "structure"
    AMC = "amc"
    BENEFICIARY = "beneficiary"
    ACCOUNT = "account"
    PLATFORM = "platform"


_REACH_OF_KIND = {
    Reach.OWN_STRUCTURE: ObjectKind.STRUCTURE,
    Reach.OWN_AMC: ObjectKind.AMC,
    Reach.OWN_RECORD: ObjectKind.BENEFICIARY,
    Reach.OWN_ACCOUNT: ObjectKind.ACCOUNT,
}

P, R = Permission, Reach
# Every person reads their own security history and manages their own factors.
_SELF = {P.SECURITY_HISTORY_READ: R.OWN_ACCOUNT, P.FACTOR_MANAGE: R.OWN_ACCOUNT}
_PRO = {
    P.RIGHTS_CHECK: R.OWN_STRUCTURE,
    P.RIGHTS_CALCULATION: R.OWN_STRUCTURE,
    P.RIGHTS_REVOKED_LIST: R.OWN_STRUCTURE,
    P.INVOICE_SUBMIT: R.OWN_STRUCTURE,
    P.INVOICE_READ: R.OWN_STRUCTURE,
    P.REMITTANCE_READ: R.OWN_STRUCTURE,
    P.BANK_ACCOUNT_READ: R.OWN_STRUCTURE,  # masked: last four characters, BIC, status
    P.CLIENT_STEP_UP_REQUEST: R.OWN_STRUCTURE,
    P.CLIENT_STEP_UP_CONFIRM: R.OWN_STRUCTURE,
    **_SELF,
}
GRANTS: dict[Role, dict[Permission, Reach]] = {
    Role.PROFESSIONAL: _PRO,
    Role.STRUCTURE_ADMIN: {
        **_PRO,
        P.IBAN_CHANGE: R.OWN_STRUCTURE,
        P.IBAN_CHANGE_CANCEL: R.OWN_STRUCTURE,
        P.ACCOUNT_CREATE: R.OWN_STRUCTURE,
        P.CLIENT_REGISTER: R.OWN_STRUCTURE,
    },
    Role.INSURER_STAFF: {
        P.ACCOUNT_CREATE: R.OWN_AMC,  # insured people's accounts, for its own members
        P.RIGHTS_FILE_IMPORT: R.OWN_AMC,
        P.CONTRACT_MANAGE: R.OWN_AMC,
        P.MEMBER_LOOKUP: R.OWN_AMC,
        P.SETTLEMENT_READ: R.OWN_AMC,
        **_SELF,
    },
    Role.INSURER_DPO: {
        P.EXPOSURE_SCOPE: R.OWN_AMC,
        P.INCIDENT_NOTICE_READ: R.OWN_AMC,
        **_SELF,
    },
    Role.SECURITY_ANALYST: {
        P.ACCOUNT_SUSPEND: R.PLATFORM,
        P.CLIENT_REVOKE: R.PLATFORM,  # a compromised software client, any structure's
        P.ALERT_READ: R.PLATFORM,
        P.CONTAINMENT_LIFT: R.PLATFORM,
        P.BRAKE_APPLY: R.PLATFORM,
        P.EXPOSURE_SCOPE: R.PLATFORM,
        P.INCIDENT_MANAGE: R.PLATFORM,
        P.INCIDENT_CONTAIN: R.PLATFORM,
        P.BANK_ACCOUNT_READ: R.PLATFORM,
        P.IBAN_CHANGE_CANCEL: R.PLATFORM,  # stop a suspicious change during its cooling-off
        **_SELF,
    },
    Role.PLATFORM_DPO: {
        P.EXPOSURE_SCOPE: R.PLATFORM,
        P.INCIDENT_MANAGE: R.PLATFORM,
        # Pseudonyms back to the insurers' member keys, inside an incident only.
        P.INCIDENT_REIDENTIFY: R.PLATFORM,
        **_SELF,
    },
    Role.PLATFORM_ADMIN: {
        P.ACCOUNT_CREATE: R.PLATFORM,
        P.ACCOUNT_APPROVE: R.PLATFORM,
        P.ACCOUNT_SUSPEND: R.PLATFORM,
        P.CLIENT_APPROVE: R.PLATFORM,
        # A structure's bank account, on the structure's written request: four eyes (the
        # approver is another platform administrator) and a cooling-off.
        P.BANK_ACCOUNT_READ: R.PLATFORM,
        P.IBAN_CHANGE: R.PLATFORM,
        P.IBAN_CHANGE_APPROVE: R.PLATFORM,
        **_SELF,
    },
    Role.INSURED: {
        P.ACCESS_HISTORY_READ: R.OWN_RECORD,
        P.ACCESS_REPORT: R.OWN_RECORD,
        P.OWN_RIGHTS_READ: R.OWN_RECORD,
        P.OWN_INVOICES_READ: R.OWN_RECORD,
        **_SELF,
    },
}
del P, R


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as authentication established it: the account (or, for software,
    the client acting for a named professional), what it may reach, through which
    channel and how strongly it proved itself."""

    account_id: uuid.UUID
    role: Role
    structures: frozenset[str] = field(default=frozenset())  # FINESS of own structures
    amc_number: str | None = None  # the insurer, for insurer roles
    beneficiary_id: str | None = None  # the insured's own record
    channel: Channel = Channel.PORTAL
    strength: Strength = Strength.PHISHING_RESISTANT
    authenticated_at: datetime | None = None  # when the factor was last presented
    rpps: str | None = None  # the acting professional, for structure roles
    client_id: uuid.UUID | None = None  # the software client, on the API channel
    # The thumbprint of the DPoP key that signed this call (API channel): a step-up the
    # professional confirmed counts for that key only.
    dpop_jkt: str | None = None
    session_id: uuid.UUID | None = None  # the browser session, on the portal channel


@dataclass(frozen=True, slots=True)
class Target:
    """The object an operation touches: its kind and identifier (opaque here; account
    ids in their canonical `str(uuid)` spelling)."""

    kind: ObjectKind
    id: str = ""

    @classmethod
    def platform(cls) -> Target:
        return cls(ObjectKind.PLATFORM)

    @classmethod
    def own_account(cls, actor: Actor) -> Target:
        return cls(ObjectKind.ACCOUNT, str(actor.account_id))


def may_ever(actor: Actor, permission: Permission) -> bool:
    """Whether the role holds the permission at all (checked before anything else, so
    that a caller without it learns nothing from validation messages)."""
    return permission in GRANTS.get(actor.role, {})


def allows(actor: Actor, permission: Permission, target: Target) -> bool:
    reach = GRANTS.get(actor.role, {}).get(permission)
    if reach is None:
        return False
    if reach is Reach.PLATFORM:
        return True
    if target.kind is not _REACH_OF_KIND[reach]:
        return False
    match reach:
        case Reach.OWN_STRUCTURE:
            return target.id in actor.structures
        case Reach.OWN_AMC:
            return actor.amc_number is not None and target.id == actor.amc_number
        case Reach.OWN_RECORD:
            return actor.beneficiary_id is not None and target.id == actor.beneficiary_id
        case Reach.OWN_ACCOUNT:
            return target.id == str(actor.account_id)
    return False


def authorize(actor: Actor, permission: Permission, target: Target) -> None:
    """Raise Forbidden unless allowed. The message names the permission, not the object."""
    if not allows(actor, permission, target):
        raise Forbidden(f"{permission} is not allowed here")
