"""Applying one batch of validated statements to the registry, set-based.

A batch is a few thousand lines: the beneficiaries and members they name are fetched in
one query each (by blind index, under every live key version), then every write is an
executemany. Nothing here commits: the import use case commits each batch together with
its checkpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from rempart.kernel.ids import new_id
from rempart.registry.domain import BeneficiaryStatement, InsurerStatus
from rempart.registry.models import (
    BeneficiaryRow,
    ContractRow,
    InsurerRow,
    MemberRow,
    RightsPeriodRow,
)
from rempart.registry.rights_file import LineRejection, RejectionCode
from rempart.registry.sealing import (
    CARD,
    MEMBER,
    member_key,
    seal_beneficiary,
    seal_member,
    statement_card_key,
    statement_digest,
)
from rempart.vault.cipher import Vault

# SQLite accepts 32,766 bound parameters; stay well below for IN lists.
_IN_CHUNK = 900


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


def _chunks(values: Sequence[bytes]) -> Iterable[Sequence[bytes]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _fetch_by_index(
    session: Session, column: Any, columns: Sequence[Any], indexes: Sequence[bytes]
) -> dict[bytes, Any]:
    found: dict[bytes, Any] = {}
    for chunk in _chunks(indexes):
        for row in session.execute(select(*columns).where(column.in_(chunk))):
            found[row[0]] = row
    return found


def apply_batch(
    *,
    session: Session,
    vault: Vault,
    now: datetime,
    run_id: uuid.UUID,
    lines: Sequence[tuple[int, BeneficiaryStatement]],
    insurers: dict[str, InsurerRef],
) -> BatchOutcome:
    outcome = BatchOutcome()
    accepted: list[tuple[int, BeneficiaryStatement, InsurerRef, uuid.UUID]] = []
    for line_no, statement in lines:
        insurer = insurers.get(statement.amc_number)
        if insurer is None:
            outcome.rejections.append(
                LineRejection(
                    line_no,
                    RejectionCode.UNKNOWN_AMC,
                    "amc_number is not a registered insurer",
                    "amc_number",
                )
            )
            continue
        if not insurer.active:
            outcome.rejections.append(
                LineRejection(
                    line_no,
                    RejectionCode.INSURER_SUSPENDED,
                    "the insurer is suspended",
                    "amc_number",
                )
            )
            continue
        contract_id = insurer.contracts.get(statement.contract_code)
        if contract_id is None:
            outcome.rejections.append(
                LineRejection(
                    line_no,
                    RejectionCode.UNKNOWN_CONTRACT,
                    "contract_code is not a contract of this insurer",
                    "contract_code",
                )
            )
            continue
        outcome.insurers_seen.add(statement.amc_number)
        accepted.append((line_no, statement, insurer, contract_id))
    if not accepted:
        return outcome

    # Indexes under every live version, so rows not yet re-keyed by a rotation are found.
    card_lookup: dict[bytes, int] = {}
    member_lookup: dict[bytes, int] = {}
    for position, (_, statement, _, _) in enumerate(accepted):
        for index in vault.blind_indexes(CARD, statement_card_key(statement)):
            card_lookup.setdefault(index, position)
        key = member_key(amc_number=statement.amc_number, member_number=statement.member_number)
        for index in vault.blind_indexes(MEMBER, key):
            member_lookup.setdefault(index, position)
    b = BeneficiaryRow
    existing_rows = _fetch_by_index(
        session,
        b.card_index,
        (
            b.card_index,
            b.id,
            b.member_id,
            b.rights_as_of,
            b.statement_digest,
            b.last_import_id,
            b.last_import_line,
            b.key_version,
        ),
        list(card_lookup),
    )
    existing_by_position = {card_lookup[index]: row for index, row in existing_rows.items()}
    member_rows = _fetch_by_index(
        session,
        MemberRow.member_index,
        (MemberRow.member_index, MemberRow.id),
        list(member_lookup),
    )
    member_by_key: dict[bytes, uuid.UUID] = {}
    for index, row in member_rows.items():
        statement = accepted[member_lookup[index]][1]
        member_by_key[
            member_key(amc_number=statement.amc_number, member_number=statement.member_number)
        ] = row.id

    member_inserts: dict[uuid.UUID, dict[str, Any]] = {}
    member_updates: dict[uuid.UUID, dict[str, Any]] = {}
    beneficiary_inserts: list[dict[str, Any]] = []
    beneficiary_updates: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    replaced_periods: list[uuid.UUID] = []
    seen_in_batch: dict[bytes, int] = {}

    for position, (line_no, statement, insurer, contract_id) in enumerate(accepted):
        card = statement_card_key(statement)
        if card in seen_in_batch:
            outcome.rejections.append(_duplicate(line_no, seen_in_batch[card]))
            continue
        existing = existing_by_position.get(position)
        if existing is not None and existing.last_import_id == run_id:
            outcome.rejections.append(_duplicate(line_no, existing.last_import_line))
            continue
        if existing is not None and statement.as_of < existing.rights_as_of:
            outcome.rejections.append(
                LineRejection(
                    line_no,
                    RejectionCode.STALE,
                    "a newer statement for this beneficiary was already imported",
                    "as_of",
                )
            )
            continue
        seen_in_batch[card] = line_no
        digest = statement_digest(vault, statement)
        if (
            existing is not None
            and existing.statement_digest == digest
            and existing.key_version == vault.active_version
        ):
            markers.append(
                {
                    "b_id": existing.id,
                    "b_run": run_id,
                    "b_line": line_no,
                    "b_as_of": max(statement.as_of, existing.rights_as_of),
                }
            )
            outcome.unchanged += 1
            continue

        m_key = member_key(amc_number=statement.amc_number, member_number=statement.member_number)
        member_id = member_by_key.get(m_key)
        member_values = {"contract_id": contract_id, "agreement_type": statement.agreement_type}
        if member_id is None:
            member_id = new_id()
            member_by_key[m_key] = member_id
            member_inserts[member_id] = {
                "id": member_id,
                "insurer_id": insurer.id,
                **member_values,
                **seal_member(vault, statement, member_id),
            }
        elif member_id in member_inserts:
            member_inserts[member_id].update(member_values)
        else:
            member_updates[member_id] = {
                "m_id": member_id,
                **member_values,
                **seal_member(vault, statement, member_id),
            }

        row_id = existing.id if existing is not None else new_id()
        values = {
            "member_id": member_id,
            "birth_rank": statement.birth_rank,
            "relationship": statement.relationship.value,
            "rights_as_of": statement.as_of,
            "statement_digest": digest,
            "closed_reason": None,
            "last_import_id": run_id,
            "last_import_line": line_no,
            "updated_at": now,
            **seal_beneficiary(vault, statement, row_id),
        }
        if existing is None:
            beneficiary_inserts.append({"id": row_id, **values})
            outcome.created += 1
        else:
            beneficiary_updates.append({"b_id": row_id, **values})
            replaced_periods.append(row_id)
            outcome.updated += 1
        periods.extend(
            {
                "id": new_id(),
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
    # Core executemany: the ORM unit-of-work machinery costs more than the crypto here.
    connection = session.connection()
    if member_inserts:
        connection.execute(insert(MemberRow.__table__), list(member_inserts.values()))
    if member_updates:
        m = MemberRow.__table__
        connection.execute(
            update(m).where(m.c.id == bindparam("m_id")),
            list(member_updates.values()),
        )
    if beneficiary_inserts:
        connection.execute(insert(BeneficiaryRow.__table__), beneficiary_inserts)
    b = BeneficiaryRow.__table__
    if beneficiary_updates:
        connection.execute(update(b).where(b.c.id == bindparam("b_id")), beneficiary_updates)
    if markers:
        connection.execute(
            update(b)
            .where(b.c.id == bindparam("b_id"))
            .values(
                last_import_id=bindparam("b_run"),
                last_import_line=bindparam("b_line"),
                rights_as_of=bindparam("b_as_of"),
            ),
            markers,
        )
    for start in range(0, len(replaced_periods), _IN_CHUNK):
        chunk = replaced_periods[start : start + _IN_CHUNK]
        connection.execute(
            delete(RightsPeriodRow.__table__).where(
                RightsPeriodRow.__table__.c.beneficiary_id.in_(chunk)
            )
        )
    if periods:
        connection.execute(insert(RightsPeriodRow.__table__), periods)
