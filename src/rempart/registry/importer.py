"""Applying one batch of validated statements to the registry, set-based.

A batch is a few thousand lines: the beneficiaries and members they name are fetched in
one query each (by blind index, under every live key version), then every write is an
executemany. Nothing here commits: the import use case commits each batch together with
its checkpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.db.bulk import IN_CHUNK, insert_many, select_in, update_many
from rempart.kernel.ids import id_stream
from rempart.registry.domain import BeneficiaryStatement, InsurerStatus
from rempart.registry.models import (
    BeneficiaryRow,
    ContractRow,
    InsurerRow,
    MemberRow,
    RightsPeriodRow,
)
from rempart.registry.preparation import PreparedLine, prepare_line
from rempart.registry.prepared_feed import SealedLine
from rempart.registry.rights_file import LineRejection, RejectionCode
from rempart.registry.sealing import seal_beneficiary, seal_member
from rempart.vault.cipher import Vault


@dataclass
class InsurerRef:
    id: uuid.UUID
    active: bool
    contracts: dict[str, uuid.UUID]


def load_insurers(session: Session) -> dict[str, InsurerRef]:
    """All insurers and their contract codes: about a hundred, read once per import."""
    insurers = {
        row.amc_number: InsurerRef(row.id, row.status == InsurerStatus.ACTIVE, {})
        for row in session.scalars(select(InsurerRow))
    }
    by_id = {ref.id: ref for ref in insurers.values()}
    for contract in session.scalars(select(ContractRow)):
        by_id[contract.insurer_id].contracts[contract.code] = contract.id
    return insurers


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[LineRejection] = field(default_factory=list)
    insurers_seen: set[str] = field(default_factory=set)


def _fetch_by_index(
    session: Session, key: Any, columns: Sequence[Any], indexes: Sequence[bytes]
) -> dict[bytes, tuple[Any, ...]]:
    """Rows by blind index; each row starts with its index."""
    return {row[0]: row for row in select_in(session.connection(), columns, key, indexes)}


class _Existing(NamedTuple):
    id: uuid.UUID
    rights_as_of: date
    statement_digest: bytes
    in_this_run: bool  # a line restating a beneficiary this run already applied
    last_import_line: int | None
    key_version: int
    closed_reason: str | None


def _accept(
    vault: Vault,
    now: datetime,
    lines: Sequence[tuple[int, BeneficiaryStatement]],
    insurers: Mapping[str, InsurerRef],
    outcome: BatchOutcome,
    fed: Sequence[tuple[PreparedLine, SealedLine | None]] | None,
) -> list[_Accepted]:
    """Lines whose insurer and contract are known and whose date is believable, with
    their blind indexes (and their ciphertexts, when a second process prepared them);
    the others become rejections."""
    accepted: list[_Accepted] = []
    latest_as_of = now.date() + timedelta(days=1)  # time zones: a day of tolerance

    def reject(line_no: int, code: RejectionCode, message: str, field_name: str) -> None:
        outcome.rejections.append(LineRejection(line_no, code, message, field_name))

    for position, (line_no, statement) in enumerate(lines):
        insurer = insurers.get(statement.amc_number)
        contract_id = insurer.contracts.get(statement.contract_code) if insurer else None
        if statement.as_of > latest_as_of:
            # A date in the future would make every later correction look stale.
            reject(line_no, RejectionCode.INVALID_FIELD, "as_of is in the future", "as_of")
        elif insurer is None:
            reject(
                line_no,
                RejectionCode.UNKNOWN_AMC,
                "amc_number is not a registered insurer",
                "amc_number",
            )
        elif not insurer.active:
            reject(
                line_no, RejectionCode.INSURER_SUSPENDED, "the insurer is suspended", "amc_number"
            )
        elif contract_id is None:
            reject(
                line_no,
                RejectionCode.UNKNOWN_CONTRACT,
                "contract_code is not a contract of this insurer",
                "contract_code",
            )
        else:
            outcome.insurers_seen.add(statement.amc_number)
            if fed is None:
                line, sealed = prepare_line(vault, line_no, statement), None
            else:
                line, sealed = fed[position]
            accepted.append(_Accepted(line, insurer, contract_id, sealed))
    return accepted


class _Accepted(NamedTuple):
    line: PreparedLine
    insurer: InsurerRef
    contract_id: uuid.UUID
    sealed: SealedLine | None  # ciphertexts for new rows, made by the preparing process


def _existing(
    session: Session,
    accepted: Sequence[_Accepted],
    run_id: uuid.UUID,
) -> tuple[dict[bytes, _Existing], dict[bytes, uuid.UUID]]:
    """The rows the batch names, by card key and by member key, found through their blind
    indexes under every live version (rows not yet re-keyed by a rotation are found).
    Keyed by the card itself, not by line: a beneficiary stated twice in a batch must find
    its row from either line."""
    card_lookup: dict[bytes, bytes] = {}
    member_lookup: dict[bytes, bytes] = {}
    for prepared, *_ in accepted:
        for index in prepared.card_indexes:
            card_lookup[index] = prepared.card
        for index in prepared.member_indexes:
            member_lookup[index] = prepared.member_key
    b = table_of(BeneficiaryRow).c
    beneficiaries = _fetch_by_index(
        session,
        b.card_index,
        (
            b.card_index,
            b.id,
            b.rights_as_of,
            b.statement_digest,
            b.last_import_id,
            b.last_import_line,
            b.key_version,
            b.closed_reason,
        ),
        list(card_lookup),
    )
    m = table_of(MemberRow).c
    members = _fetch_by_index(session, m.member_index, (m.member_index, m.id), list(member_lookup))
    return (
        {
            card_lookup[index]: _Existing(
                row_id, as_of, digest, run == run_id, line, version, closed
            )
            for index, (_, row_id, as_of, digest, run, line, version, closed) in (
                beneficiaries.items()
            )
        },
        {member_lookup[index]: row[1] for index, row in members.items()},
    )


def apply_batch(
    *,
    session: Session,
    vault: Vault,
    now: datetime,
    run_id: uuid.UUID,
    lines: Sequence[tuple[int, BeneficiaryStatement]],
    insurers: Mapping[str, InsurerRef],
    fed: Sequence[tuple[PreparedLine, SealedLine | None]] | None = None,
) -> BatchOutcome:
    """`fed`: the lines' indexes and ciphertexts made by the preparing process
    (`prepared_feed`), aligned with `lines`, under this vault's keys."""
    outcome = BatchOutcome()
    accepted = _accept(vault, now, lines, insurers, outcome, fed)
    if not accepted:
        return outcome
    existing_by_card, member_by_key = _existing(session, accepted, run_id)

    member_inserts: dict[uuid.UUID, dict[str, Any]] = {}
    member_updates: dict[uuid.UUID, dict[str, Any]] = {}
    beneficiary_inserts: list[dict[str, Any]] = []
    beneficiary_updates: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    replaced_periods: list[uuid.UUID] = []
    seen_in_batch: dict[bytes, int] = {}
    next_id = id_stream().__next__

    for prepared, insurer, contract_id, sealed in accepted:
        line_no, statement, card = prepared.line_no, prepared.statement, prepared.card
        m_key = prepared.member_key
        if card in seen_in_batch:
            outcome.rejections.append(_duplicate(line_no, seen_in_batch[card]))
            continue
        existing = existing_by_card.get(card)
        if existing is not None and existing.in_this_run:
            outcome.rejections.append(_duplicate(line_no, existing.last_import_line))
            continue
        seen_in_batch[card] = line_no
        if existing is not None and statement.as_of < existing.rights_as_of:
            outcome.rejections.append(
                LineRejection(
                    line_no,
                    RejectionCode.STALE,
                    "a newer statement for this beneficiary was already imported",
                    "as_of",
                )
            )
            # The file does state this beneficiary: a snapshot must not close them as
            # absent, and a later line for them is a duplicate of this one.
            markers.append(
                {
                    "b_id": existing.id,
                    "last_import_id": run_id,
                    "last_import_line": line_no,
                    "rights_as_of": existing.rights_as_of,
                }
            )
            continue
        digest = prepared.digest
        if (
            existing is not None
            and existing.statement_digest == digest
            and existing.key_version == vault.active_version
            # Rights closed since (snapshot) differ from the digest: restating reopens them.
            and existing.closed_reason is None
        ):
            markers.append(
                {
                    "b_id": existing.id,
                    "last_import_id": run_id,
                    "last_import_line": line_no,
                    "rights_as_of": max(statement.as_of, existing.rights_as_of),
                }
            )
            outcome.unchanged += 1
            continue

        member_id = member_by_key.get(m_key)
        agreement_type = statement.agreement_type
        if member_id is None:
            if sealed is None:
                member_id = next_id()
                member_columns = seal_member(
                    vault, statement, member_id, member_index=prepared.active_member_index
                )
            else:
                member_id, member_columns = sealed.member_id, sealed.member
            member_by_key[m_key] = member_id
            member_inserts[member_id] = {
                "id": member_id,
                "insurer_id": insurer.id,
                "contract_id": contract_id,
                "agreement_type": agreement_type,
                **member_columns,
            }
        elif member_id in member_inserts:
            member_inserts[member_id].update(contract_id=contract_id, agreement_type=agreement_type)
        else:
            member_updates[member_id] = {
                "m_id": member_id,
                "contract_id": contract_id,
                "agreement_type": agreement_type,
                **seal_member(
                    vault, statement, member_id, member_index=prepared.active_member_index
                ),
            }

        if existing is None:
            row_id = next_id() if sealed is None else sealed.beneficiary_id
            values: dict[str, Any] = {"id": row_id}
            beneficiary_inserts.append(values)
            outcome.created += 1
        else:
            row_id = existing.id
            values = {"b_id": row_id}
            beneficiary_updates.append(values)
            replaced_periods.append(row_id)
            outcome.updated += 1
        if existing is None and sealed is not None:
            beneficiary_columns = sealed.beneficiary
        else:  # sealed here: the row's id is the existing one
            beneficiary_columns = seal_beneficiary(
                vault, statement, row_id, card_index=prepared.active_card_index
            )
        values.update(
            member_id=member_id,
            contract_id=contract_id,
            agreement_type=agreement_type,
            birth_rank=statement.birth_rank,
            relationship=statement.relationship.value,
            rights_as_of=statement.as_of,
            statement_digest=digest,
            closed_reason=None,
            last_import_id=run_id,
            last_import_line=line_no,
            updated_at=now,
            **beneficiary_columns,
        )
        periods.extend(
            {
                "id": next_id(),
                "beneficiary_id": row_id,
                "start": p.start,
                "end": p.end,
                "status": p.status.value,
            }
            for p in statement.rights
        )

    _write(
        session,
        member_inserts,
        member_updates,
        beneficiary_inserts,
        beneficiary_updates,
        markers,
        replaced_periods,
        periods,
    )
    return outcome


def _duplicate(line_no: int, first_line: int | None) -> LineRejection:
    return LineRejection(
        line_no,
        RejectionCode.DUPLICATE,
        f"the same beneficiary (card tuple) is already stated at line {first_line}",
        None,
    )


def _write(
    session: Session,
    member_inserts: dict[uuid.UUID, dict[str, Any]],
    member_updates: dict[uuid.UUID, dict[str, Any]],
    beneficiary_inserts: list[dict[str, Any]],
    beneficiary_updates: list[dict[str, Any]],
    markers: list[dict[str, Any]],
    replaced_periods: list[uuid.UUID],
    periods: list[dict[str, Any]],
) -> None:
    connection = session.connection()
    insert_many(connection, table_of(MemberRow), list(member_inserts.values()))
    update_many(connection, table_of(MemberRow), list(member_updates.values()), id_key="m_id")
    insert_many(connection, table_of(BeneficiaryRow), beneficiary_inserts)
    update_many(connection, table_of(BeneficiaryRow), beneficiary_updates, id_key="b_id")
    update_many(connection, table_of(BeneficiaryRow), markers, id_key="b_id")
    periods_table = table_of(RightsPeriodRow)
    for start in range(0, len(replaced_periods), IN_CHUNK):
        chunk = replaced_periods[start : start + IN_CHUNK]
        connection.execute(delete(periods_table).where(periods_table.c.beneficiary_id.in_(chunk)))
    insert_many(connection, periods_table, periods)
