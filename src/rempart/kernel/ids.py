"""Row identifiers chosen by the application, so that a row's id exists before its
ciphertexts are computed (field encryption binds the row id)."""

from __future__ import annotations

import os
import time
import uuid


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so B-tree inserts stay local."""
    raw = bytearray(((time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF).to_bytes(6, "big"))
    raw += os.urandom(10)
    raw[6] = 0x70 | (raw[6] & 0x0F)  # version 7, then 12 random bits (rand_a)
    raw[8] = 0x80 | (raw[8] & 0x3F)  # RFC variant, then 62 random bits (rand_b)
    return uuid.UUID(bytes=bytes(raw))
