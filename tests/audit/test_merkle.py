"""RFC 9162 Merkle hashing and proofs: the reference vectors (Certificate Transparency's
classic test data, shipped in ../shared/vectors and copied here), then properties over
random trees, then tampering."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

HERE = Path(__file__).parent / "vectors" / "rfc6962-merkle.json"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc6962-merkle.json"
VECTORS = json.loads(HERE.read_text(encoding="utf-8"))
LEAVES = [leaf_hash(bytes.fromhex(data)) for data in VECTORS["leaf_inputs_hex"]]


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_our_copy_of_the_vectors_is_the_shared_one() -> None:
    if not SHARED.exists():
        pytest.skip("the shared folder is not beside this checkout")
    assert json.loads(SHARED.read_text(encoding="utf-8")) == VECTORS


def test_hasher_vectors() -> None:
    hasher = VECTORS["hasher"]
    assert EMPTY_ROOT.hex() == hasher["empty_tree_root_hex"] == root([]).hex()
    assert leaf_hash(b"").hex() == hasher["leaf_of_empty_input_hex"]
    assert leaf_hash(b"L123456").hex() == hasher["leaf_of_ascii_L123456_hex"]
    assert node_hash(b"N123", b"N456").hex() == hasher["node_of_ascii_N123_and_N456_hex"]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_every_prefix(size: int) -> None:
    assert root(LEAVES[:size]) == b64(VECTORS["roots_by_size"][str(size)])


@pytest.mark.parametrize("case", VECTORS["inclusion"])
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    index, size = int(case["leaf_index"]), int(case["tree_size"])
    proof = [b64(p) for p in case["proof"]]
    assert LEAVES[index] == b64(case["leaf_hash"])
    assert inclusion_proof(index, LEAVES[:size]) == proof
    assert verify_inclusion(
        leaf=LEAVES[index],
        index=index,
        tree_size=size,
        proof=proof,
        expected_root=b64(case["root"]),
    )


@pytest.mark.parametrize("case", VECTORS["consistency"])
def test_consistency_vectors(case: dict[str, Any]) -> None:
    old, new = int(case["size1"]), int(case["size2"])
    proof = [b64(p) for p in case["proof"]]
    assert consistency_proof(old, LEAVES[:new]) == proof
    assert verify_consistency(
        old_size=old,
        new_size=new,
        old_root=b64(case["root1"]),
        new_root=b64(case["root2"]),
        proof=proof,
    )


def _tree(size: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(size)]


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_leaf_proves_its_inclusion(case: tuple[int, int]) -> None:
    size, index = case
    leaves = _tree(size)
    proof = inclusion_proof(index, leaves)
    top = root(leaves)
    assert verify_inclusion(
        leaf=leaves[index], index=index, tree_size=size, proof=proof, expected_root=top
    )
    other = (index + 1) % size
    if other != index:
        assert not verify_inclusion(
            leaf=leaves[other], index=index, tree_size=size, proof=proof, expected_root=top
        )
    if proof:
        bent = [bytes(32), *proof[1:]]
        assert not verify_inclusion(
            leaf=leaves[index], index=index, tree_size=size, proof=bent, expected_root=top
        )
        assert not verify_inclusion(
            leaf=leaves[index], index=index, tree_size=size, proof=proof[:-1], expected_root=top
        )


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_prefix_proves_consistency(case: tuple[int, int]) -> None:
    old, new = case
    leaves = _tree(new)
    proof = consistency_proof(old, leaves)
    old_root, new_root = root(leaves[:old]), root(leaves)
    assert verify_consistency(
        old_size=old, new_size=new, old_root=old_root, new_root=new_root, proof=proof
    )
    if old < new:
        # A rewritten history (one old leaf changed) is not consistent with the new tree.
        forged = list(leaves)
        forged[old - 1] = leaf_hash(b"forged")
        assert not verify_consistency(
            old_size=old, new_size=new, old_root=root(forged[:old]), new_root=new_root, proof=proof
        )
        assert not verify_consistency(
            old_size=old, new_size=new, old_root=old_root, new_root=new_root, proof=[]
        )


def test_bad_arguments() -> None:
    leaves = _tree(4)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(4, leaves)
    with pytest.raises(ValueError, match="old size"):
        consistency_proof(0, leaves)
    assert not verify_inclusion(
        leaf=leaves[0], index=5, tree_size=4, proof=[], expected_root=root(leaves)
    )
