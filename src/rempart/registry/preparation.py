"""The CPU-bound half of an import, no database here: read and validate lines in batches,
and compute a line's blind indexes and digest (with the keys current when its batch is
applied, so a rotation during a long import is followed).

Batches arrive in file order, each with the last line number it covers, so the import's
checkpoint stays exact.

A large file is prepared in a second process (`prepared_feed`); shipping prepared
lines between processes pays only with garbage collection paused while a batch is
unpickled, and with the importer advising whether to seal ahead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rempart.registry.domain import BeneficiaryStatement
from rempart.registry.rights_file import LineRejection, read_lines
from rempart.registry.sealing import (
    CARD,
    MEMBER,
    member_key,
    statement_card_key,
    statement_digest,
)
from rempart.vault.cipher import Vault


class PreparedLine(NamedTuple):  # immutable, and built in one C call: one per line
    line_no: int
    statement: BeneficiaryStatement
    card: bytes
    card_indexes: tuple[bytes, ...]  # under every version in the ring
    active_card_index: bytes
    member_key: bytes
    member_indexes: tuple[bytes, ...]
    active_member_index: bytes
    digest: bytes


@dataclass
class ParsedBatch:
    lines: list[tuple[int, BeneficiaryStatement]] = field(default_factory=list)
    rejections: list[LineRejection] = field(default_factory=list)
    last_line: int = 0
    bytes_read: int = 0

    def __len__(self) -> int:
        return len(self.lines) + len(self.rejections)


def prepare_line(vault: Vault, line_no: int, statement: BeneficiaryStatement) -> PreparedLine:
    card = statement_card_key(statement)
    card_indexes = vault.blind_indexes(CARD, card)
    active = vault.versions.index(vault.active_version)
    m_key = member_key(amc_number=statement.amc_number, member_number=statement.member_number)
    member_indexes = vault.blind_indexes(MEMBER, m_key)
    return PreparedLine(
        line_no=line_no,
        statement=statement,
        card=card,
        card_indexes=card_indexes,
        active_card_index=card_indexes[active],
        member_key=m_key,
        member_indexes=member_indexes,
        active_member_index=member_indexes[active],
        digest=statement_digest(vault, statement),
    )


class _CountingReader:
    def __init__(self, stream: Iterable[bytes]) -> None:
        self.stream = stream
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.stream:
            self.bytes_read += len(line)
            yield line


def parsed_batches(
    path: Path, file_format: str, *, skip_through: int, batch_size: int
) -> Iterator[ParsedBatch]:
    """Batches of at most `batch_size` lines (valid and rejected together), in order. The
    last batch may be empty: it still carries the final line number and byte count."""
    with path.open("rb") as handle:
        reader = _CountingReader(handle)
        batch = ParsedBatch(last_line=skip_through)
        for line_no, parsed in read_lines(reader, file_format, skip_through=skip_through):
            batch.last_line = line_no
            if isinstance(parsed, LineRejection):
                batch.rejections.append(parsed)
            else:
                batch.lines.append((line_no, parsed))
            if len(batch) >= batch_size:
                batch.bytes_read = reader.bytes_read
                yield batch
                batch = ParsedBatch(last_line=line_no)
        batch.bytes_read = reader.bytes_read
        yield batch
