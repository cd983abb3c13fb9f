"""The CPU-bound half of an import: parse and validate lines, compute their blind indexes
and digests, and (in a worker) seal them speculatively. No database here.

`prepared_batches` runs it in the calling process; `prepared_batches_in_worker` runs it in
a child process that streams batches through a bounded queue, so that on two cores one
prepares while the other writes. Either way batches arrive in file order, each with the
last line number it covers: the checkpoint stays exact.
"""

from __future__ import annotations

import multiprocessing
import queue
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rempart.kernel.ids import new_id
from rempart.registry.domain import BeneficiaryStatement
from rempart.registry.rights_file import LineRejection, read_lines
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
from rempart.vault.keyring import KeyRing


@dataclass(frozen=True, slots=True)
class Sealed:
    """Ciphertexts made ahead under a fresh row id, used if the row turns out to be new."""

    beneficiary_id: uuid.UUID
    beneficiary: dict[str, Any]
    member_id: uuid.UUID
    member: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PreparedLine:
    line_no: int
    statement: BeneficiaryStatement
    card: bytes
    card_indexes: tuple[bytes, ...]  # under every version in the ring
    active_card_index: bytes
    member_key: bytes
    member_indexes: tuple[bytes, ...]
    digest: bytes
    sealed: Sealed | None = None


@dataclass
class PreparedBatch:
    lines: list[PreparedLine] = field(default_factory=list)
    rejections: list[LineRejection] = field(default_factory=list)
    last_line: int = 0
    bytes_read: int = 0

    def __len__(self) -> int:
        return len(self.lines) + len(self.rejections)


def prepare_line(
    vault: Vault, line_no: int, statement: BeneficiaryStatement, *, seal: bool
) -> PreparedLine:
    card = statement_card_key(statement)
    card_indexes = vault.blind_indexes(CARD, card)
    active = card_indexes[vault.versions.index(vault.active_version)]
    m_key = member_key(amc_number=statement.amc_number, member_number=statement.member_number)
    sealed = None
    if seal:
        beneficiary_id, member_id = new_id(), new_id()
        sealed = Sealed(
            beneficiary_id,
            seal_beneficiary(vault, statement, beneficiary_id, card_index=active),
            member_id,
            seal_member(vault, statement, member_id),
        )
    return PreparedLine(
        line_no=line_no,
        statement=statement,
        card=card,
        card_indexes=card_indexes,
        active_card_index=active,
        member_key=m_key,
        member_indexes=vault.blind_indexes(MEMBER, m_key),
        digest=statement_digest(vault, statement),
        sealed=sealed,
    )


class _CountingReader:
    def __init__(self, stream: Iterable[bytes]) -> None:
        self.stream = stream
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.stream:
            self.bytes_read += len(line)
            yield line


def prepared_batches(
    path: Path,
    file_format: str,
    *,
    vault: Vault,
    skip_through: int,
    batch_size: int,
    seal: bool = False,
) -> Iterator[PreparedBatch]:
    """Batches of at most `batch_size` lines (valid and rejected together), in order. The
    last batch may be empty: it still carries the final line number and byte count."""
    with path.open("rb") as handle:
        reader = _CountingReader(handle)
        batch = PreparedBatch(last_line=skip_through)
        for line_no, parsed in read_lines(reader, file_format, skip_through=skip_through):
            batch.last_line = line_no
            if isinstance(parsed, LineRejection):
                batch.rejections.append(parsed)
            else:
                batch.lines.append(prepare_line(vault, line_no, parsed, seal=seal))
            if len(batch) >= batch_size:
                batch.bytes_read = reader.bytes_read
                yield batch
                batch = PreparedBatch(last_line=line_no)
        batch.bytes_read = reader.bytes_read
        yield batch


# --- in a worker process -----------------------------------------------------------------

_QUEUE_DEPTH = 4  # batches prepared ahead: bounds memory whatever the file's size
_DONE = "done"
_FAILED = "failed"


def _worker(
    ring: KeyRing,
    path: Path,
    file_format: str,
    skip_through: int,
    batch_size: int,
    out: multiprocessing.Queue[Any],
) -> None:
    try:
        for batch in prepared_batches(
            path,
            file_format,
            vault=Vault(ring),
            skip_through=skip_through,
            batch_size=batch_size,
            seal=True,
        ):
            out.put(batch)
        out.put(_DONE)
    except Exception as exc:
        out.put((_FAILED, exc))


def prepared_batches_in_worker(
    path: Path, file_format: str, *, vault: Vault, skip_through: int, batch_size: int
) -> Iterator[PreparedBatch]:
    """The same batches, prepared (and speculatively sealed) in a child process.

    The child holds the same key ring as the parent and nothing else. If the parent stops
    early (an error, a kill), the child is terminated with it.
    """
    # fork: the child starts with the parent's modules loaded (servers are Linux).
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[Any] = context.Queue(maxsize=_QUEUE_DEPTH)
    process = context.Process(
        target=_worker,
        args=(vault.ring, path, file_format, skip_through, batch_size, out),
        daemon=True,
        name="rempart-import-prepare",
    )
    process.start()
    try:
        while True:
            try:
                item = out.get(timeout=5)
            except queue.Empty:
                if not process.is_alive():
                    raise RuntimeError("the import's preparing process died") from None
                continue
            if item == _DONE:
                return
            if isinstance(item, tuple) and item[0] == _FAILED:
                raise item[1]
            yield item
    finally:
        if process.is_alive():
            process.terminate()
        process.join(timeout=5)
        out.close()
