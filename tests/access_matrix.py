"""Every route the app serves, and who may call it: the table the authorisation matrix
test walks. A route the app serves that is missing here fails the suite; so does a row
for a route that no longer exists."""

from __future__ import annotations

from dataclasses import dataclass

from rempart.identity.permissions import Role


@dataclass(frozen=True)
class Public:
    """Open to anyone: no personal data, or the sign-in itself (throttled)."""

    why: str


@dataclass(frozen=True)
class Guarded:
    """Needs a signed-in caller whose role is in `roles` (others: 403, nobody: 401).
    `other`: what an allowed role gets on an object that is not its own (another
    person's session, another structure, another structure's client). `api`: software
    clients with DPoP-bound tokens may call it too (for people only otherwise).
    `step_up`: a sensitive change, refused (401 step-up-required) unless a passkey or Pro
    Santé Connect was presented in the last minutes. `body`: a well-formed body, so that
    the object check is reached (routes that take none get `{}`). `audited`: the tag of
    the audit record the route writes when it serves personal data (or a report).
    `headers`: headers the route requires (an Idempotency-Key). `form`: for a portal
    page's POST, its url-encoded form (sent instead of `body`). `everywhere`: roles
    whose grant reaches every object (platform duties): no object is "other" to them, so
    the `other` check skips them."""

    roles: frozenset[Role]
    other: int | None = None
    api: bool = False
    step_up: bool = False
    body: dict[str, object] | None = None
    params: dict[str, str] | None = None
    audited: str | None = None
    headers: dict[str, str] | None = None
    everywhere: frozenset[Role] = frozenset({Role.PLATFORM_ADMIN})
    form: dict[str, object] | None = None


EVERYONE = frozenset(Role)
PLATFORM_ADMIN = frozenset({Role.PLATFORM_ADMIN})
SIGN_IN = Public("sign-in: throttled, answers alike whether or not the account exists")

ROUTES: dict[tuple[str, str], Public | Guarded] = {
    ("GET", "/"): Public("landing page, no personal data"),
    ("GET", "/healthz"): Public("liveness for the load balancer, no personal data"),
    ("GET", "/openapi.json"): Public("API description"),
    ("GET", "/docs"): Public("API reference page (development only)"),
    ("GET", "/docs/oauth2-redirect"): Public("part of the API reference page"),
    ("GET", "/redoc"): Public("API reference page (development only)"),
    ("POST", "/api/v1/auth/passkey/options"): SIGN_IN,
    ("POST", "/api/v1/auth/passkey"): SIGN_IN,
    ("POST", "/api/v1/auth/password"): SIGN_IN,
    ("POST", "/api/v1/auth/pending"): SIGN_IN,
    ("POST", "/api/v1/auth/enrolment/options"): Public("needs a one-time enrolment code"),
    ("POST", "/api/v1/auth/enrolment"): Public("needs a one-time enrolment code"),
    ("GET", "/api/v1/auth/psc"): Public("redirect to Pro Santé Connect"),
    ("GET", "/api/v1/auth/psc/callback"): Public("needs the provider's code and the sealed state"),
    ("POST", "/api/v1/oauth/token"): Public("the client authenticates with its signed assertion"),
    ("POST", "/api/v1/auth/sign-out"): Guarded(EVERYONE),
    ("GET", "/api/v1/me"): Guarded(EVERYONE, api=True),
    ("GET", "/api/v1/me/security-history"): Guarded(EVERYONE),
    ("GET", "/api/v1/me/sessions"): Guarded(EVERYONE),
    ("DELETE", "/api/v1/me/sessions/{session_id}"): Guarded(EVERYONE, other=404),
    ("GET", "/api/v1/me/pending-sign-ins"): Guarded(EVERYONE),
    ("POST", "/api/v1/me/pending-sign-ins/{pending_id}/confirmation"): Guarded(
        EVERYONE, other=404, step_up=True, body={"code": "00"}
    ),
    ("DELETE", "/api/v1/me/pending-sign-ins/{pending_id}"): Guarded(EVERYONE, other=404),
    ("GET", "/api/v1/me/devices"): Guarded(EVERYONE),
    ("DELETE", "/api/v1/me/devices/{device_id}"): Guarded(EVERYONE, other=404),
    ("POST", "/api/v1/me/step-up/options"): Guarded(EVERYONE),
    ("POST", "/api/v1/me/step-up"): Guarded(EVERYONE),
    ("POST", "/api/v1/me/passkeys/options"): Guarded(EVERYONE, step_up=True),
    ("POST", "/api/v1/me/passkeys"): Guarded(EVERYONE, step_up=True),
    ("PUT", "/api/v1/me/password"): Guarded(EVERYONE, step_up=True),
    ("POST", "/api/v1/me/totp"): Guarded(EVERYONE, step_up=True),
    ("POST", "/api/v1/me/totp/confirmation"): Guarded(EVERYONE, step_up=True),
    ("POST", "/api/v1/me/recovery-codes"): Guarded(EVERYONE, step_up=True),
    ("POST", "/api/v1/accounts"): Guarded(
        frozenset({Role.PLATFORM_ADMIN, Role.STRUCTURE_ADMIN, Role.INSURER_STAFF})
    ),
    ("POST", "/api/v1/accounts/{account_id}/approval"): Guarded(PLATFORM_ADMIN, step_up=True),
    ("POST", "/api/v1/accounts/{account_id}/enrolment-code"): Guarded(PLATFORM_ADMIN, step_up=True),
    ("POST", "/api/v1/accounts/{account_id}/suspension"): Guarded(
        frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ANALYST}), step_up=True
    ),
    ("POST", "/api/v1/structures/{finess}/clients"): Guarded(
        frozenset({Role.STRUCTURE_ADMIN}), other=403, step_up=True
    ),
    ("POST", "/api/v1/clients/{client_id}/approval"): Guarded(PLATFORM_ADMIN, step_up=True),
    # Software alone asks for a code (the shield's step-up rung, to software): people 403.
    ("POST", "/api/v1/clients/step-up-requests"): Guarded(frozenset(), api=True),
    ("DELETE", "/api/v1/clients/{client_id}"): Guarded(
        frozenset({Role.STRUCTURE_ADMIN, Role.PLATFORM_ADMIN, Role.SECURITY_ANALYST}),
        other=404,
        everywhere=frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ANALYST}),
    ),
}
ROUTES |= {
    ("GET", "/api/v1/me/access-history"): Guarded(
        frozenset({Role.INSURED}), audited="audit:access_history:read"
    ),
    ("POST", "/api/v1/me/access-history/{record_id}/report"): Guarded(
        frozenset({Role.INSURED}), other=404, audited="audit:access_history:reported"
    ),
    ("GET", "/api/v1/security/access-reports"): Guarded(frozenset({Role.SECURITY_ANALYST})),
}
# A well-formed card of nobody: the check answers "no matching rights", on record.
NOBODYS_CARD: dict[str, object] = {
    "insured_nir": "185077512345608",
    "birth_date": "19850712",
    "birth_rank": 1,
    "amc_number": "123456789",
    "member_number": "M000000001",
    "agreement_type": "TP",
    "date_of_care": "2026-11-28",
    "categories": ["pharmacy_65"],
}
COUNTER = frozenset({Role.PROFESSIONAL, Role.STRUCTURE_ADMIN})
ROUTES |= {
    ("POST", "/api/v1/rights/checks"): Guarded(
        COUNTER, api=True, body=NOBODYS_CARD, audited="rights:check:refused"
    ),
    ("POST", "/api/v1/rights/calculations"): Guarded(
        COUNTER,
        api=True,
        other=404,
        body={
            "accreditation_id": "{accreditation_id}",
            "lines": [
                {
                    "category": "pharmacy_65",
                    "code": "3400930000001",
                    "quantity": 1,
                    "unit_price_cents": 1000,
                    "unit_br_cents": 1000,
                    "amo_rate_bp": 6500,
                    "amo_cents": 650,
                }
            ],
        },
    ),
    ("GET", "/api/v1/rights/revoked"): Guarded(
        COUNTER, api=True, params={"since": "2026-11-01T00:00:00+00:00"}
    ),
}
A_DRUG: dict[str, object] = {
    "category": "pharmacy_65",
    "code": "3400930000001",
    "quantity": 1,
    "unit_price_cents": 1000,
    "unit_br_cents": 1000,
    "amo_rate_bp": 6500,
    "amo_cents": 650,
}
ROUTES |= {
    ("POST", "/api/v1/invoices"): Guarded(
        COUNTER,
        api=True,
        body={
            "invoice_number": "F0001",
            "date_of_care": "2026-11-28",
            "card": {
                k: v for k, v in NOBODYS_CARD.items() if k not in ("date_of_care", "categories")
            },
            "lines": [A_DRUG],
        },
        headers={"Idempotency-Key": "matrix-invoice-0001"},
        audited="claims:invoice:rejected",
    ),
    ("GET", "/api/v1/invoices"): Guarded(COUNTER, api=True, audited="claims:invoice:read"),
    ("GET", "/api/v1/invoices/{invoice_id}"): Guarded(
        COUNTER, api=True, other=404, audited="claims:invoice:read"
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/cancellation"): Guarded(
        COUNTER, api=True, other=404, audited="claims:invoice:cancelled"
    ),
}
ROUTES |= {
    ("GET", "/api/v1/structures/{finess}/payments"): Guarded(
        COUNTER, api=True, other=403, audited="payments:remittance:read"
    ),
    ("GET", "/api/v1/structures/{finess}/remittances/{run_id}"): Guarded(
        COUNTER, api=True, other=403
    ),
    ("GET", "/api/v1/insurers/{amc_number}/statements"): Guarded(
        frozenset({Role.INSURER_STAFF}), other=403, audited="payments:statement:read"
    ),
    ("GET", "/api/v1/insurers/{amc_number}/statements/{run_id}"): Guarded(
        frozenset({Role.INSURER_STAFF}), other=403
    ),
}
# The insurer's pages: the rows of the API routes they call, for the AMC the account is
# bound to (no "other": the page names no AMC). Before the walk brakes the insurer channel.
ROUTES |= {
    ("GET", "/insurer"): Guarded(
        frozenset({Role.INSURER_STAFF}), audited="payments:statement:read"
    ),
    ("GET", "/insurer/notices"): Guarded(
        frozenset({Role.INSURER_DPO}), audited="incidents:notice:read"
    ),
}
# The insurer staff's contracts, rights-file uploads and member lookup: the AMC is the
# account's own (no "other" in a path); another insurer's contract, run or member is "not
# found" like an unknown one (tested in tests/portal/test_insurer_pages.py). The matrix's
# AMC has no contract: a code is not found (404), a save finds no registered insurer
# (404), an upload sent url-encoded is refused (422) — all past the permission checks.
INSURER_STAFF = frozenset({Role.INSURER_STAFF})
LOOKUP_FORM: dict[str, object] = {
    **{
        k: str(v)
        for k, v in NOBODYS_CARD.items()
        if k in ("insured_nir", "birth_date", "amc_number")
    },
    "birth_rank": "1",
    "member_number": str(NOBODYS_CARD["member_number"]),
    "reason": "member_request",
    "case_reference": "MATRIX-1",
}
ROUTES |= {
    ("GET", "/insurer/contracts"): Guarded(INSURER_STAFF, audited="registry:contracts:read"),
    ("GET", "/insurer/contracts/new"): Guarded(INSURER_STAFF),
    ("GET", "/insurer/contracts/{contract_code}"): Guarded(INSURER_STAFF),
    ("POST", "/insurer/contracts"): Guarded(
        INSURER_STAFF,
        form={"mode": "create", "code": "MATRIX-1", "label": "Matrix", "responsible": ""},
    ),
    ("GET", "/insurer/imports"): Guarded(INSURER_STAFF, audited="registry:imports:read"),
    ("POST", "/insurer/imports"): Guarded(INSURER_STAFF, form={"rights_file": "not a file"}),
    ("GET", "/insurer/imports/{run_id}/report"): Guarded(INSURER_STAFF),
    ("GET", "/insurer/members"): Guarded(INSURER_STAFF),
    ("POST", "/insurer/members/lookup"): Guarded(
        INSURER_STAFF, form=LOOKUP_FORM, audited="registry:member:looked_up"
    ),
    ("POST", "/insurer/members/reveal"): Guarded(
        INSURER_STAFF, step_up=True, form=LOOKUP_FORM, audited="registry:member:revealed"
    ),
}
ROUTES |= {
    ("POST", "/api/v1/audit/exposure"): Guarded(
        frozenset({Role.INSURER_DPO, Role.SECURITY_ANALYST, Role.PLATFORM_DPO}),
        step_up=True,
        body={
            "start": "2026-11-01T00:00:00Z",
            "end": "2026-11-28T00:00:00Z",
            "accounts": ["0196b5f0-0000-7000-8000-000000000101"],
        },
        audited="audit:exposure:scoped",
    ),
}
# A structure's bank account. The approval comes before the request in this table: the
# walk runs the routes in order with one platform administrator, who may not approve
# their own request (403, on record) but finds nothing pending before making one (404).
STAFF = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ANALYST})
NEW_ACCOUNT = {"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP"}
ROUTES |= {
    ("GET", "/api/v1/structures/{finess}/bank-account"): Guarded(
        COUNTER | STAFF, other=403, everywhere=STAFF, audited="payouts:bank_account:read"
    ),
    ("POST", "/api/v1/structures/{finess}/bank-account/approval"): Guarded(
        PLATFORM_ADMIN,
        step_up=True,
        body={"change_id": "0196b5f0-0000-7000-8000-000000000999"},
    ),
    ("PUT", "/api/v1/structures/{finess}/bank-account"): Guarded(
        frozenset({Role.STRUCTURE_ADMIN, Role.PLATFORM_ADMIN}),
        other=403,
        step_up=True,
        body=NEW_ACCOUNT,
        audited="payouts:bank_account:change_requested",
    ),
    ("DELETE", "/api/v1/structures/{finess}/bank-account/pending"): Guarded(
        frozenset({Role.STRUCTURE_ADMIN, Role.SECURITY_ANALYST}),
        other=403,
        everywhere=frozenset({Role.SECURITY_ANALYST}),
    ),
}
ANALYST = frozenset({Role.SECURITY_ANALYST})
# The security pages: platform-wide objects (no "other"); lifting and braking need a
# fresh phishing-resistant factor; the objects are made by the matrix (a client's
# throttle, a lift asked by another analyst, the insurer channel's brake).
ROUTES |= {
    ("GET", "/api/v1/security/alerts"): Guarded(ANALYST, audited="shield:alerts:read"),
    ("POST", "/api/v1/security/alerts/{alert_id}/acknowledge"): Guarded(
        ANALYST, audited="shield:alert:acknowledged"
    ),
    ("GET", "/api/v1/security/containments"): Guarded(ANALYST, audited="shield:containments:read"),
    ("POST", "/api/v1/security/containments/{containment_id}/lift-requests"): Guarded(
        ANALYST, step_up=True, audited="shield:lift:requested"
    ),
    ("POST", "/api/v1/security/lift-requests/{lift_request_id}/approval"): Guarded(
        ANALYST, step_up=True, audited="shield:client:reinstated"
    ),
    ("PUT", "/api/v1/security/brakes/{channel}"): Guarded(
        ANALYST, step_up=True, audited="shield:channel:braked"
    ),
    ("DELETE", "/api/v1/security/brakes/{channel}"): Guarded(ANALYST, step_up=True),
}
# The portal's pages: the same rules as the API they stand beside (a page is a route like
# any other: 401 for nobody, 403 for a role outside its row, "not found" for another's
# object), and the same audit records where they show personal data.
PAGE_CARD: dict[str, object] = {
    k: str(v) for k, v in NOBODYS_CARD.items() if k not in ("date_of_care", "categories")
}
PAGE_LINE: dict[str, object] = {
    "line_category": "pharmacy_65",
    "line_code": "3400930000001",
    "line_quantity": "1",
    "line_unit_price": "10,00",
    "line_unit_br": "10,00",
    "line_amo_rate": "65",
}
INSURED = frozenset({Role.INSURED})
ROUTES |= {
    ("POST", "/language"): Public("a language preference (a cookie), no data"),
    ("GET", "/sign-in"): Public("the sign-in page; the ceremonies go through the sign-in API"),
    ("POST", "/demo/personas/{key}"): Public(
        "DEVELOPMENT ONLY, absent in production (tested): one-click demo personas, on record"
    ),
    ("GET", "/home"): Guarded(EVERYONE),
    ("POST", "/sign-out"): Guarded(EVERYONE),
    ("GET", "/account/security"): Guarded(EVERYONE),
    ("GET", "/pro"): Guarded(COUNTER),
    ("POST", "/pro/rights-check"): Guarded(
        COUNTER,
        form={**PAGE_CARD, "date_of_care": "2026-11-28", "categories": "pharmacy_65"},
        audited="rights:check:refused",
    ),
    ("POST", "/pro/simulation"): Guarded(
        COUNTER, other=404, form={"accreditation_id": "{accreditation_id}", **PAGE_LINE}
    ),
    ("GET", "/pro/invoices"): Guarded(COUNTER, audited="claims:invoice:read"),
    ("POST", "/pro/invoices"): Guarded(
        COUNTER,
        form={
            **PAGE_CARD,
            **PAGE_LINE,
            "invoice_number": "F0002",
            "date_of_care": "2026-11-28",
            "idempotency_key": "matrix-page-invoice-0001",
        },
        audited="claims:invoice:rejected",
    ),
    ("GET", "/pro/invoices/{invoice_id}"): Guarded(
        COUNTER, other=404, audited="claims:invoice:read"
    ),
    ("POST", "/pro/invoices/{invoice_id}/cancellation"): Guarded(
        COUNTER, other=404, audited="claims:invoice:cancelled"
    ),
    ("GET", "/pro/payments"): Guarded(COUNTER, audited="payments:remittance:read"),
    ("GET", "/pro/confirm-software"): Guarded(COUNTER),
    # An unknown code answers 422 past the checks; confirming is itself a step-up.
    ("POST", "/pro/confirm-software"): Guarded(
        COUNTER, step_up=True, form={"user_code": "BCDF-GHJK"}
    ),
    ("GET", "/insured"): Guarded(INSURED, audited="rights:own_rights:read"),
    ("GET", "/insured/invoices"): Guarded(INSURED, audited="claims:own_invoice:read"),
    ("GET", "/insured/access-history"): Guarded(INSURED, audited="audit:access_history:read"),
    ("POST", "/insured/access-history/{record_id}/report"): Guarded(
        INSURED, other=404, audited="audit:access_history:reported"
    ),
}
# The security analyst's pages: the rows of the API routes they call (platform-wide
# objects).
ROUTES |= {
    ("GET", "/security"): Guarded(ANALYST, audited="shield:alerts:read"),
    ("GET", "/security/activity"): Guarded(ANALYST, audited="shield:activity:read"),
    ("POST", "/security/alerts/{alert_id}/incident"): Guarded(
        ANALYST, step_up=True, form={"lookback_hours": "2"}, audited="incidents:incident:opened"
    ),
    ("POST", "/security/alerts/{alert_id}/acknowledge"): Guarded(
        ANALYST, audited="shield:alert:acknowledged"
    ),
    ("GET", "/security/containments"): Guarded(ANALYST, audited="shield:containments:read"),
    ("POST", "/security/containments/{containment_id}/lift-requests"): Guarded(
        ANALYST, step_up=True, audited="shield:lift:requested"
    ),
    ("POST", "/security/lift-requests/{lift_request_id}/approval"): Guarded(
        ANALYST, step_up=True, audited="shield:client:reinstated"
    ),
    # The walk brakes the insurer channel through the API first (its row checks the
    # record, "shield:channel:braked"); braking it again answers 409, past the checks.
    ("POST", "/security/brakes/{channel}"): Guarded(ANALYST, step_up=True),
    ("POST", "/security/brakes/{channel}/release"): Guarded(ANALYST, step_up=True),
    ("GET", "/security/incidents"): Guarded(
        frozenset({Role.SECURITY_ANALYST, Role.PLATFORM_DPO}), audited="incidents:register:read"
    ),
}
# The breach register: security analysts and the platform DPO, platform-wide. Each call
# gets a fresh incident (`{incident_id}`): notices need a scoping first (409), reopening
# needs a closed incident (409) — both past the permission checks, which is what is walked.
MANAGERS = frozenset({Role.SECURITY_ANALYST, Role.PLATFORM_DPO})
RECORDED = "incidents:incident:recorded"
INCIDENT = "/api/v1/incidents/{incident_id}"
ROUTES |= {
    ("POST", "/api/v1/incidents"): Guarded(
        MANAGERS,
        body={
            "kinds": ["confidentiality"],
            "description": "Rights checks in bursts from one account",
            "detected_at": "2026-11-28T08:00:00Z",
        },
        audited="incidents:incident:opened",
    ),
    ("POST", "/api/v1/incidents/from-alert"): Guarded(
        frozenset({Role.SECURITY_ANALYST}),  # reading the alert is theirs
        step_up=True,
        body={"alert_id": "{alert_id}", "lookback_hours": 2},
        audited="incidents:incident:opened",
    ),
    ("GET", "/api/v1/incidents"): Guarded(MANAGERS, audited="incidents:register:read"),
    ("GET", INCIDENT): Guarded(MANAGERS, audited="incidents:incident:read"),
    ("POST", INCIDENT + "/scoping"): Guarded(
        MANAGERS,
        step_up=True,
        body={
            "start": "2026-11-27T00:00:00Z",
            "end": "2026-11-28T09:00:00Z",
            "accounts": ["0196b5f0-0000-7000-8000-000000000101"],
        },
        audited="incidents:incident:scoped",
    ),
    ("POST", INCIDENT + "/decisions"): Guarded(
        MANAGERS, body={"text": "Account suspended pending review"}, audited=RECORDED
    ),
    ("POST", INCIDENT + "/milestones"): Guarded(
        MANAGERS, body={"milestone": "contained", "at": "2026-11-28T09:00:00Z"}, audited=RECORDED
    ),
    ("PUT", INCIDENT + "/owner"): Guarded(
        MANAGERS, body={"owner": "0196b5f0-0000-7000-8000-000000000777"}, audited=RECORDED
    ),
    ("PUT", INCIDENT + "/unintelligible"): Guarded(
        MANAGERS, body={"unintelligible": True, "reason": "ciphertexts only"}, audited=RECORDED
    ),
    ("POST", INCIDENT + "/containment"): Guarded(
        frozenset({Role.SECURITY_ANALYST}),
        step_up=True,
        body={"kind": "rotate_keys", "reason": "keys rotated by the operator"},
        audited="incidents:containment:executed",
    ),
    ("POST", INCIDENT + "/notifications"): Guarded(MANAGERS, step_up=True),
    ("POST", INCIDENT + "/mail-merge"): Guarded(frozenset({Role.PLATFORM_DPO}), step_up=True),
    ("POST", INCIDENT + "/closure"): Guarded(
        MANAGERS,
        body={"closure": "not_a_breach", "reason": "a load test"},
        audited="incidents:incident:closed",
    ),
    ("POST", INCIDENT + "/reopening"): Guarded(MANAGERS, body={"reason": "new facts"}),
    ("GET", "/api/v1/insurers/{amc_number}/incident-notices"): Guarded(
        frozenset({Role.INSURER_DPO}), other=403, audited="incidents:notice:read"
    ),
    ("GET", "/api/v1/insurers/{amc_number}/incident-notices/{incident_id}"): Guarded(
        frozenset({Role.INSURER_DPO}), other=403
    ),
    ("GET", "/api/v1/me/access-history/incidents"): Guarded(
        frozenset({Role.INSURED}), audited="incidents:person_notice:read"
    ),
}
# The register's page for one incident (the analyst's pages above): like the API's read.
ROUTES |= {
    ("GET", "/security/incidents/{incident_id}"): Guarded(
        MANAGERS, audited="incidents:incident:read"
    ),
}
# The incident page's actions: the rows of the API routes they call, as page forms.
PAGE_INCIDENT = "/security/incidents/{incident_id}"
ROUTES |= {
    ("POST", PAGE_INCIDENT + "/scoping"): Guarded(
        MANAGERS,
        step_up=True,
        form={
            "start": "2026-11-27T00:00",
            "end": "2026-11-28T10:00",
            "accounts": "0196b5f0-0000-7000-8000-000000000101",
        },
        audited="incidents:incident:scoped",
    ),
    ("POST", PAGE_INCIDENT + "/containment"): Guarded(
        frozenset({Role.SECURITY_ANALYST}),
        step_up=True,
        form={"kind": "rotate_keys", "reason": "keys rotated by the operator"},
        audited="incidents:containment:executed",
    ),
    ("POST", PAGE_INCIDENT + "/milestones"): Guarded(
        MANAGERS, form={"milestone": "contained", "at": "2026-11-28T10:00"}, audited=RECORDED
    ),
    ("POST", PAGE_INCIDENT + "/decisions"): Guarded(
        MANAGERS, form={"text": "Account suspended pending review"}, audited=RECORDED
    ),
    ("POST", PAGE_INCIDENT + "/notifications"): Guarded(MANAGERS, step_up=True, form={}),
    ("POST", PAGE_INCIDENT + "/closure"): Guarded(
        MANAGERS,
        form={"closure": "not_a_breach", "reason": "a load test"},
        audited="incidents:incident:closed",
    ),
}
MOUNTS = {"/static": "stylesheets, scripts (htmx vendored), no data"}
