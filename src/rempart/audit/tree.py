"""The Merkle tree's state as a compact range, pure.

For a tree of n leaves the RFC 9162 root depends only on the roots of the perfect
subtrees that n's binary decomposition names (one per set bit, largest first). Keeping
those (at most 64 hashes) lets the sequencer append a batch and know the new root
without reading a single earlier leaf, and lets verification rebuild roots while it
streams the leaves once.
"""

from __future__ import annotations

from collections.abc import Iterable

from rempart.audit import merkle

HASH_BYTES = 32


class CompactRange:
    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: list[bytes] | None = None) -> None:
        hashes = [] if hashes is None else hashes
        if len(hashes) != size.bit_count():
            raise ValueError("a compact range holds one hash per set bit of its size")
        self.size = size
        self.hashes = hashes

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> CompactRange:
        if len(packed) != HASH_BYTES * size.bit_count():
            raise ValueError("the stored tree state is malformed")
        return cls(size, [packed[i : i + HASH_BYTES] for i in range(0, len(packed), HASH_BYTES)])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.hashes))

    def append(self, leaf: bytes) -> None:
        hashes = self.hashes
        hashes.append(leaf)
        self.size += 1
        # Each trailing zero of the new size is one pair of equal subtrees to merge.
        carry = self.size
        while not carry & 1:
            right = hashes.pop()
            hashes[-1] = merkle.node_hash(hashes[-1], right)
            carry >>= 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.hashes:
            return merkle.EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = merkle.node_hash(left, result)
        return result
