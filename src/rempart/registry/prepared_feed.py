"""The CPU-bound half of a large import in a second process, so that it runs on a second
core while the first writes.

The second process reads and validates the file in batches, as `parsed_batches` does,
and for each valid line computes its blind indexes and digest (`prepare_line`) and, while
the importer finds mostly new rows, seals its beneficiary's and member's fields under ids
it draws itself: what a line costs before anything is read from the database, about half
of a first import's time. The importer uses those ciphertexts for the rows it creates; a
line whose beneficiary or member exists is sealed again by the importer under the
existing row's id, as without this process.
Batches arrive in file order, one ahead at most (the process waits for the importer's
word on each batch), so memory stays constant and the checkpoint stays exact.

The key ring goes to the child process through its standard input (a process of the
same user, on the same host); batches come back through its standard output, pickled:
both ends are this module. Prepared lines carry the key versions they were made under;
after a rotation starts, the importer prepares in process again.

Starting a process and its imports costs a few tenths of a second: below
`SECOND_PROCESS_FROM_BYTES` a file is prepared in process.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, NamedTuple

from rempart.kernel.collections_pace import BULK_THRESHOLDS
from rempart.kernel.ids import id_stream
from rempart.registry.preparation import ParsedBatch, PreparedLine, parsed_batches, prepare_line
from rempart.registry.sealing import seal_beneficiary, seal_member
from rempart.vault.cipher import Vault
from rempart.vault.keyring import KeyRing

SECOND_PROCESS_FROM_BYTES = 8 << 20  # about 60,000 lines


class SealedLine(NamedTuple):
    """A line's ciphertexts for rows not yet in the database, under the ids drawn here.
    The ids travel as integers (a UUID unpickles through its state protocol, slowly)."""

    beneficiary_int: int
    beneficiary: dict[str, Any]  # seal_beneficiary's columns for that id
    member_int: int
    member: dict[str, Any]  # seal_member's columns for that id

    @property
    def beneficiary_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.beneficiary_int)

    @property
    def member_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.member_int)


class FedBatch(NamedTuple):
    batch: ParsedBatch
    versions: tuple[int, ...]  # the key ring's data versions the lines were prepared under
    active: int  # and its active version (the ciphertexts' own)
    prepared: list[tuple[PreparedLine, SealedLine | None]]  # aligned with batch.lines

    def usable_with(self, vault: Vault) -> bool:
        """Whether the importer's keys are the ones these lines were prepared with."""
        return self.versions == vault.versions and self.active == vault.active_version


_SEAL, _DO_NOT_SEAL = b"S", b"P"
_LENGTH = 8


class PreparingProcess:
    """The second process preparing one file: iterate its batches, in order; after each
    one, `advise` (once per batch, always) whether new rows are worth sealing there.
    Sealing lines that turn out to exist is wasted, and on a re-import (nearly every line
    unchanged) it would make the second process the slower of the two. The process stays
    one batch ahead, so the word on batch k decides batch k + 2."""

    def __init__(
        self, path: Path, file_format: str, *, skip_through: int, batch_size: int, ring: KeyRing
    ) -> None:
        # A fresh interpreter (not multiprocessing's spawn, which would import the caller's
        # main module again; never fork, which would copy a server's threads). It imports
        # this module by name, so that what is pickled names the same classes at both ends.
        self._process = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-c", f"from {__name__} import child_main; child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._advice, self._batches = self._process.stdin, self._process.stdout
        request = pickle.dumps((str(path), file_format, skip_through, batch_size, ring))
        self._advice.write(len(request).to_bytes(_LENGTH, "big") + request)
        self._advice.flush()

    def __enter__(self) -> PreparingProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[FedBatch]:
        while True:
            try:
                message = _load(self._batches)
            except EOFError:
                raise RuntimeError(
                    "the import's preparation process stopped "
                    f"(exit code {self._process.wait()}; see its error output)"
                ) from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message

    def advise(self, *, seal: bool) -> None:
        with suppress(BrokenPipeError):  # it has finished: nothing left to advise
            self._advice.write(_SEAL if seal else _DO_NOT_SEAL)
            self._advice.flush()

    def close(self) -> None:
        with suppress(BrokenPipeError):
            self._advice.close()
        self._batches.close()
        if self._process.poll() is None:  # the importer stopped early (an error, a refusal)
            self._process.kill()
        self._process.wait()


def _load(source: IO[bytes]) -> Any:
    # A batch is tens of thousands of small objects: each allocation would count towards
    # a garbage collection, and every collection walks the whole heap, which made loading
    # a batch cost more than preparing it. Plain data makes no reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(source)  # noqa: S301 (our own child)
    finally:
        if collecting:
            gc.enable()


def _produce(advice: int, sink: IO[bytes]) -> None:
    """`advice`: the descriptor the request, then the importer's word after each batch,
    arrive on (read raw, so that no buffer holds a word back)."""
    length = int.from_bytes(_read_exactly(advice, _LENGTH), "big")
    request = pickle.loads(_read_exactly(advice, length))  # noqa: S301 (our own parent)
    path, file_format, skip_through, batch_size, ring = request
    seal = True  # a first import, until told otherwise
    sent = advised = 0
    try:
        vault = Vault(ring)
        versions, active = vault.versions, vault.active_version
        for batch in parsed_batches(
            Path(path), file_format, skip_through=skip_through, batch_size=batch_size
        ):
            # One batch ahead of the importer at most (the pipe would hold several):
            # memory stays bounded and its word on the batch before always counts.
            while sent - advised >= 2:
                word = os.read(advice, 1)
                if not word:
                    return  # the importer stopped: nothing more to prepare
                advised += 1
                seal = word == _SEAL
            _send(sink, FedBatch(batch, versions, active, _prepared(vault, batch, seal=seal)))
            sent += 1
        _send(sink, None)
    except BrokenPipeError:
        pass  # the importer is gone: nothing to tell
    except Exception as error:  # the importer re-raises it
        _send(sink, error)


def _read_exactly(descriptor: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(descriptor, left)
        if not chunk:
            raise EOFError("the importer closed the request early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(sink: IO[bytes], message: object) -> None:
    pickle.dump(message, sink, protocol=pickle.HIGHEST_PROTOCOL)
    sink.flush()


def _prepared(
    vault: Vault, batch: ParsedBatch, *, seal: bool
) -> list[tuple[PreparedLine, SealedLine | None]]:
    next_id = id_stream().__next__
    prepared: list[tuple[PreparedLine, SealedLine | None]] = []
    for line_no, statement in batch.lines:
        line = prepare_line(vault, line_no, statement)
        if not seal:
            prepared.append((line, None))
            continue
        beneficiary_id, member_id = next_id(), next_id()
        sealed = SealedLine(
            beneficiary_id.int,
            seal_beneficiary(vault, statement, beneficiary_id, card_index=line.active_card_index),
            member_id.int,
            seal_member(vault, statement, member_id, member_index=line.active_member_index),
        )
        prepared.append((line, sealed))
    return prepared


def child_main() -> None:
    """The second process: one file's batches, from its standard input's request."""
    gc.set_threshold(*BULK_THRESHOLDS)  # this process does nothing else
    _produce(sys.stdin.fileno(), sys.stdout.buffer)
