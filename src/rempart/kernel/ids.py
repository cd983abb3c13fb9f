"""Row identifiers chosen by the application, so that a row's id exists before its
ciphertexts are computed (field encryption binds the row id)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

# Bits 79-76 carry the version (7), bits 63-62 the RFC variant (0b10); the 48 bits above
# are the Unix time in milliseconds, the 74 others random (rand_a, rand_b).
_FIXED_MASK = (0xF << 76) | (0x3 << 62)
_FIXED_BITS = (0x7 << 76) | (0x2 << 62)


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so B-tree inserts stay local."""
    millis = (time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    # Built from one integer: an import makes tens of thousands of these a second.
    return uuid.UUID(int=(value & ~_FIXED_MASK) | _FIXED_BITS)


def id_stream(chunk: int = 256) -> Iterator[uuid.UUID]:
    """UUIDv7s made as `new_id` makes them, drawing the random bits of `chunk` ids in one
    system call, for loops that make thousands (an import batch). Each id's millisecond
    is read when its chunk is drawn. Keep a stream local to the loop that uses it."""
    size = 10 * chunk
    while True:
        millis = (time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF
        prefix = millis << 80
        data = os.urandom(size)
        for start in range(0, size, 10):
            value = prefix | int.from_bytes(data[start : start + 10], "big")
            yield uuid.UUID(int=(value & ~_FIXED_MASK) | _FIXED_BITS)
