"""Use cases of invoice intake: submit (idempotent), cancel, read.

One invoice is one transaction: the invoice and its lines, the consumption of ceilings,
the ledger posting, the idempotency key and the audit record commit together or not at
all. Invoices of one beneficiary are serialised by a lock on the beneficiary, so two
concurrent invoices cannot overspend a ceiling; "already paid" is also a unique index."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from rempart.audit.domain import Category, Outcome
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.claims.domain import (
    Adjudication,
    ClaimsTag,
    LineStatus,
    adjudicate_lines,
    invoicing_deadline,
    refuse_all,
)
from rempart.claims.identification import Identified, Refused, identify
from rempart.claims.receipts import InvoiceReceipt, LineReceipt
from rempart.claims.repository import (
    add_consumption,
    already_paid_codes,
    codes_accepted_elsewhere,
    earlier_answer,
    insert_idempotency,
    insert_invoice,
    insert_lines,
    insurer_of,
    lock_beneficiary,
    year_consumption,
)
from rempart.claims.requests import InvoiceSubmission
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import Conflict, InvalidInput
from rempart.kernel.ids import new_id
from rempart.payments import ledger
from rempart.payments.journal import post
from rempart.registry.service import beneficiary_contract
from rempart.rights.domain import YearConsumption
from rempart.rights.reasons import Reason
from rempart.rights.service import acting_structure
from rempart.shield.port import Shield, admit

_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,100}")


def idempotency_scope(actor: Actor) -> str:
    """Keys are the sender's: software by client, people by account."""
    if actor.client_id is not None:
        return f"client:{actor.client_id}"
    return f"account:{actor.account_id}"


def submit_invoice(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    submission: InvoiceSubmission,
    idempotency_key: str,
) -> InvoiceReceipt:
    structure = acting_structure(actor, Permission.INVOICE_SUBMIT, submission.structure)
    if not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidInput(
            "Idempotency-Key has 8-100 letters, digits or _ . : -", field="Idempotency-Key"
        )
    admit(shield, uow, actor, "claims.invoice", structure)
    submission = submission.validated(today=uow.clock.today())
    # A concurrent copy (same key, or the same lines) may commit between our reads and
    # our commit; the second attempt then sees it and answers accordingly.
    for attempt in (1, 2):
        try:
            receipt, created = _submit_once(uow, actor, structure, submission, idempotency_key)
        except IntegrityError:
            if attempt == 2:
                raise Conflict("a concurrent invoice changed the same records; resend") from None
            continue
        if created:  # the checks-without-invoice detector counts invoices, not resends
            shield.observe_invoice(
                structure=structure,
                now=uow.clock.now(),
                accreditation_id=submission.accreditation_id,
            )
        return receipt
    raise AssertionError("unreachable")  # pragma: no cover


def _submit_once(
    uow: UnitOfWork,
    actor: Actor,
    structure: str,
    submission: InvoiceSubmission,
    idempotency_key: str,
) -> tuple[InvoiceReceipt, bool]:
    """The receipt, and whether this call created the invoice (False: a resend)."""
    scope = idempotency_scope(actor)
    with uow:
        digest = uow.vault.blind_index("idempotency", submission.fingerprint())
        earlier = earlier_answer(uow.connection(), scope=scope, key=idempotency_key)
        if earlier is not None:
            earlier_digest, answer = earlier
            if earlier_digest != digest:
                raise Conflict("this Idempotency-Key was used for a different invoice")
            return InvoiceReceipt.from_json(answer), False

        found = identify(uow, structure=structure, submission=submission)
        beneficiary_id = found.beneficiary_id
        amc_number = (
            insurer_of(uow.connection(), beneficiary_id)
            if beneficiary_id is not None
            else (submission.card.amc_number if submission.card else "")
        )
        if isinstance(found, Identified):
            deadline = invoicing_deadline(submission.date_of_care, found.accreditation_expires_on)
            if uow.clock.today() > deadline:
                found = Refused(Reason.INVOICING_DEADLINE, found.beneficiary_id)
        if isinstance(found, Identified):
            adjudication, near = _adjudicate(uow, structure, submission, found)
            invoice_reason = None
        else:
            adjudication = Adjudication(
                refuse_all(submission.lines, found.reason),
                YearConsumption(submission.date_of_care.year),
            )
            near = set()
            invoice_reason = found.reason

        invoice_id = new_id()
        receipt = _write(
            uow,
            _Invoice(invoice_id, actor, structure, submission, beneficiary_id, amc_number),
            adjudication,
            near,
            invoice_reason,
        )
        insert_idempotency(
            uow.connection(),
            {
                "scope": scope,
                "key": idempotency_key,
                "request_digest": digest,
                "invoice_id": invoice_id,
                "answer": receipt.to_json(),
                "created_at": uow.clock.now(),
            },
        )
        record_action(
            uow,
            tag=(
                ClaimsTag.INVOICE_RECEIVED if adjudication.amc_cents else ClaimsTag.INVOICE_REJECTED
            ),
            actor=actor,
            structure=structure,
            outcome=Outcome.ALLOWED if beneficiary_id is not None else Outcome.NOT_FOUND,
            target_pseudonym=(
                None
                if beneficiary_id is None
                else pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id))
            ),
            target_amc=amc_number or None,
            categories={Category.INVOICES} if beneficiary_id is not None else set(),
        )
        uow.commit()
    return receipt, True


def _adjudicate(
    uow: UnitOfWork, structure: str, submission: InvoiceSubmission, found: Identified
) -> tuple[Adjudication, set[str]]:
    """Under the beneficiary's lock: the year's consumption read, the lines decided, the
    consumption of the accepted ones recorded."""
    beneficiary_id = found.beneficiary_id
    day = submission.date_of_care
    lock_beneficiary(uow.connection(), beneficiary_id)
    consumption = year_consumption(uow.connection(), beneficiary_id, day.year)
    paid = already_paid_codes(
        uow.connection(),
        structure=structure,
        beneficiary_id=beneficiary_id,
        date_of_care=day,
        invoice_number=submission.invoice_number,
    )
    adjudication = adjudicate_lines(
        contract=beneficiary_contract(
            session=uow.session, rights=found.rights, guarantees=found.guarantees
        ),
        lines=submission.lines,
        date_of_care=day,
        consumption=consumption,
        already_paid=lambda line: line.care.code in paid,
    )
    if adjudication.consumption_added.by_category:
        add_consumption(
            uow.connection(), beneficiary_id, consumption, adjudication.consumption_added
        )
    near = codes_accepted_elsewhere(
        uow.connection(),
        beneficiary_id=beneficiary_id,
        date_of_care=day,
        invoice_number=submission.invoice_number,
    )
    return adjudication, near


@dataclass(frozen=True)
class _Invoice:
    id: uuid.UUID
    actor: Actor
    structure: str
    submission: InvoiceSubmission
    beneficiary_id: uuid.UUID | None
    amc_number: str


def _write(
    uow: UnitOfWork,
    invoice: _Invoice,
    adjudication: Adjudication,
    near: set[str],
    reason: Reason | None,
) -> InvoiceReceipt:
    submission = invoice.submission
    insert_invoice(  # first: the lines and the posting refer to it
        uow.connection(),
        {
            "id": invoice.id,
            "structure_finess": invoice.structure,
            "rpps": invoice.actor.rpps,
            "invoice_number": submission.invoice_number,
            "date_of_care": submission.date_of_care,
            "beneficiary_id": invoice.beneficiary_id,
            "accreditation_id": (
                submission.accreditation_id if reason is not Reason.ACCREDITATION_MISMATCH else None
            ),
            "amc_number": invoice.amc_number,
            "received_at": uow.clock.now(),
            "status": adjudication.status.value,
            "reason": reason.value if reason else None,
            "amc_cents": adjudication.amc_cents,
            "cancelled_at": None,
        },
    )
    rows: list[dict[str, object]] = []
    accepted: list[ledger.AcceptedLine] = []
    receipts: list[LineReceipt] = []
    for decision in adjudication.decisions:
        care, covered = decision.claimed.care, decision.coverage
        line_id = new_id()
        flagged = decision.status is LineStatus.ACCEPTED and care.code in near
        rows.append(
            {
                "id": line_id,
                "invoice_id": invoice.id,
                "line_no": decision.line_no,
                "structure_finess": invoice.structure,
                "beneficiary_id": invoice.beneficiary_id,
                "amc_number": invoice.amc_number,
                "date_of_care": submission.date_of_care,
                "invoice_number": submission.invoice_number,
                "received_at": uow.clock.now(),
                "category": care.category.value,
                "code": care.code,
                "quantity": care.quantity,
                "price_cents": care.price_cents,
                "amo_paid_cents": care.amo_cents - care.franchise_cents,
                "franchise_cents": care.franchise_cents,
                "amc_cents": decision.amc_cents,
                "patient_cents": care.price_cents
                - (care.amo_cents - care.franchise_cents)
                - decision.amc_cents,
                "rule": covered.rule.value if covered else None,
                "status": decision.status.value,
                "reason": decision.reason.value if decision.reason else None,
                "near_duplicate": flagged,
                "payout_id": None,
                "advised_run_id": None,
            }
        )
        if decision.status is LineStatus.ACCEPTED:
            accepted.append(
                ledger.AcceptedLine(
                    line_id, invoice.amc_number, invoice.structure, decision.amc_cents
                )
            )
        receipts.append(
            LineReceipt(
                line_no=decision.line_no,
                code=care.code,
                status=decision.status,
                reason=decision.reason,
                amc_cents=decision.amc_cents,
                rule=covered.rule.value if covered else None,
                near_duplicate=flagged,
            )
        )
    insert_lines(uow.connection(), rows)
    posting = ledger.acceptance(invoice.id, accepted)
    if posting is not None:
        post(uow, posting)
    return InvoiceReceipt(
        invoice_id=invoice.id,
        invoice_number=submission.invoice_number,
        status=adjudication.status,
        reason=reason,
        amc_cents=adjudication.amc_cents,
        lines=tuple(receipts),
    )
