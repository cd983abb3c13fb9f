"""Field encryption, blind indexes and pseudonyms (pure: no database, fixed key rings)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.db.types import BLIND_INDEX_BYTES
from rempart.vault.cipher import Vault
from rempart.vault.errors import CiphertextRejected, VaultError
from rempart.vault.keyring import KeyFamily, KeyRing

DATA_1 = bytes(range(32))
DATA_2 = bytes(range(32, 64))
PSEUDO_1 = bytes(range(64, 96))
OTHER = bytes(range(96, 128))

ROW = uuid.UUID("01234567-89ab-7def-8123-456789abcdef")
OTHER_ROW = uuid.UUID("01234567-89ab-7def-8123-456789abcdee")
WHERE: dict[str, Any] = {"table": "beneficiaries", "column": "last_name", "row_id": ROW}
# A distinctive plaintext, to look for in error messages.
SECRET_TEXT = "Élise Dupont-Ñúñez 1 85 05 78 006 084 36"


def ring(
    data: dict[int, bytes] | None = None,
    *,
    active: int | None = None,
    pseudonym: bytes = PSEUDO_1,
) -> KeyRing:
    data = data if data is not None else {1: DATA_1, 2: DATA_2}
    return KeyRing(
        KeyFamily(active if active is not None else max(data), data),
        KeyFamily(1, {1: pseudonym}),
    )


VAULT = Vault(ring())


def seal(vault: Vault = VAULT, text: str = SECRET_TEXT, **where: object) -> bytes:
    return vault.seal(text, **{**WHERE, **where})


def rejected_message(blob: bytes, vault: Vault = VAULT, **where: object) -> str:
    with pytest.raises(CiphertextRejected) as caught:
        vault.open(blob, **{**WHERE, **where})
    return str(caught.value)


# -- encryption -------------------------------------------------------------------------


@given(
    text=st.text(),
    row_id=st.uuids(),
    table=st.sampled_from(["beneficiaries", "members", "structures"]),
    column=st.sampled_from(["nir", "last_name", "iban"]),
)
def test_seal_then_open_gives_back_the_text(
    text: str, row_id: uuid.UUID, table: str, column: str
) -> None:
    blob = VAULT.seal(text, table=table, column=column, row_id=row_id)
    assert VAULT.open(blob, table=table, column=column, row_id=row_id) == text


@pytest.mark.parametrize("text", ["", "a", "Œuvre — 漢字 🏥", "x" * 5000])
def test_round_trip_edge_texts_and_layout(text: str) -> None:
    blob = seal(text=text)
    assert VAULT.open(blob, **WHERE) == text
    # format byte, 2-byte version, 12-byte nonce, ciphertext, 16-byte tag
    assert blob[0] == 2  # format 2: a key per table and column
    assert Vault.sealed_version(blob) == VAULT.active_version == 2
    assert len(blob) == 1 + 2 + 12 + len(text.encode()) + 16
    if len(text.encode()) >= 8:  # shorter ones may appear in random bytes by chance
        assert text.encode() not in blob


def test_a_ring_opens_what_another_vault_over_the_same_ring_sealed() -> None:
    assert Vault(ring()).open(seal(), **WHERE) == SECRET_TEXT


def test_seal_under_an_older_version_in_the_ring() -> None:
    blob = seal(version=1)
    assert Vault.sealed_version(blob) == 1
    assert VAULT.open(blob, **WHERE) == SECRET_TEXT


@pytest.mark.parametrize(
    "moved",
    [
        {"row_id": OTHER_ROW},
        {"column": "first_name"},
        {"table": "members"},
        {"table": "beneficiariesl", "column": "ast_name"},
    ],
    ids=["other-row", "other-column", "other-table", "shifted-names"],
)
def test_a_ciphertext_moved_elsewhere_does_not_open(moved: dict[str, object]) -> None:
    message = rejected_message(seal(), **moved)
    assert "does not authenticate" in message


def test_a_ciphertext_opened_with_another_key_does_not_open() -> None:
    stranger = Vault(ring({1: OTHER, 2: OTHER}))
    assert "does not authenticate" in rejected_message(seal(), vault=stranger)


def test_flipping_any_bit_of_any_byte_is_refused() -> None:
    blob = seal(text="ab")
    for position in range(len(blob)):
        for mask in (0x01, 0x80, 0xFF):
            altered = bytearray(blob)
            altered[position] ^= mask
            with pytest.raises(CiphertextRejected):
                VAULT.open(bytes(altered), **WHERE)


@given(data=st.data())
def test_any_alteration_is_refused(data: st.DataObject) -> None:
    blob = seal(text=data.draw(st.text(min_size=1, max_size=40)))
    position = data.draw(st.integers(0, len(blob) - 1))
    mask = data.draw(st.integers(1, 255))
    altered = bytearray(blob)
    altered[position] ^= mask
    with pytest.raises(CiphertextRejected):
        VAULT.open(bytes(altered), **WHERE)


def test_a_truncated_ciphertext_is_refused_with_a_clear_message() -> None:
    blob = seal()
    for length in range(31):  # shorter than header + nonce + tag
        message = rejected_message(blob[:length])
        assert "truncated" in message
        assert "beneficiaries.last_name" in message
    for length in range(31, len(blob)):  # long enough to parse, but cut
        rejected_message(blob[:length])
    rejected_message(blob + b"\x00")


def test_a_foreign_format_byte_is_refused() -> None:
    blob = bytearray(seal())
    blob[0] = 3
    assert "not a Rempart ciphertext" in rejected_message(bytes(blob))


def test_a_format_relabelled_from_2_to_1_does_not_open() -> None:
    """Format 1 used one key for every field: relabelling picks that key, and fails."""
    blob = bytearray(seal())
    blob[0] = 1
    assert "does not authenticate" in rejected_message(bytes(blob))


def test_each_column_has_its_own_key() -> None:
    """Same row, same associated-data shape, another column's key: a format-2 ciphertext
    of one column cannot be opened as another even if the associated data were forged."""
    first = VAULT._aead(2, 2, "beneficiaries", "last_name")
    second = VAULT._aead(2, 2, "beneficiaries", "first_name")
    nonce, aad = b"\x00" * 12, b"same"
    assert first.encrypt(nonce, b"x", aad) != second.encrypt(nonce, b"x", aad)


def test_a_relabelled_version_is_refused_even_when_both_versions_share_a_secret() -> None:
    """The version is bound into the associated data, not only used to pick the key."""
    same_secret = Vault(ring({1: DATA_1, 2: DATA_1}))
    for vault in (VAULT, same_secret):
        for sealed_under, relabelled_as in ((1, 2), (2, 1)):
            blob = bytearray(vault.seal(SECRET_TEXT, **WHERE, version=sealed_under))
            blob[1:3] = relabelled_as.to_bytes(2, "big")
            assert "does not authenticate" in rejected_message(bytes(blob), vault=vault)


def test_a_ring_lacking_the_version_says_which_version() -> None:
    blob = seal(version=2)
    older_ring = Vault(ring({1: DATA_1}))
    message = rejected_message(blob, vault=older_ring)
    assert "key version 2" in message
    assert "lacks" in message

    relabelled = bytearray(seal(version=1))
    relabelled[1:3] = (7).to_bytes(2, "big")
    assert "key version 7" in rejected_message(bytes(relabelled))


def test_sealing_or_indexing_under_a_version_not_in_the_ring_is_a_clear_error() -> None:
    with pytest.raises(VaultError, match=r"version 3\b"):
        seal(version=3)
    with pytest.raises(VaultError, match=r"version 3\b"):
        VAULT.blind_index("beneficiary.card", b"x", version=3)


def test_nonces_differ_so_equal_texts_give_different_ciphertexts() -> None:
    blobs = [seal() for _ in range(50)]
    assert len(set(blobs)) == 50
    assert len({blob[3:15] for blob in blobs}) == 50
    assert all(VAULT.open(b, **WHERE) == SECRET_TEXT for b in blobs)


def test_seal_fields_seals_each_column_of_a_row_as_seal_would() -> None:
    fields = [("card_nir", "185057800608436"), ("last_name", SECRET_TEXT), ("first_name", "")]
    blobs = VAULT.seal_fields(table="beneficiaries", row_id=ROW, fields=fields)
    assert len(blobs) == 3
    for (column, text), blob in zip(fields, blobs, strict=True):
        assert blob[0] == 2
        assert Vault.sealed_version(blob) == VAULT.active_version
        assert len(blob) == 1 + 2 + 12 + len(text.encode()) + 16
        assert VAULT.open(blob, table="beneficiaries", column=column, row_id=ROW) == text
    # Each field its own nonce; the AAD binds the column and the row, as with `seal`.
    assert len({blob[3:15] for blob in blobs}) == 3
    last_name = blobs[1]
    assert "does not authenticate" in rejected_message(last_name, column="first_name")
    assert "does not authenticate" in rejected_message(last_name, row_id=OTHER_ROW)
    assert "does not authenticate" in rejected_message(last_name, table="members")


def test_seal_fields_marks_the_view() -> None:
    view = Vault(ring()).for_transaction()
    view.seal_fields(table="members", row_id=ROW, fields=[("insured_nir", "x")])
    assert view.versioned


def test_a_single_version_ring_indexes_as_a_two_version_ring_does_for_that_version() -> None:
    single = Vault(ring({2: DATA_2}))
    both = Vault(ring())
    assert single.blind_indexes("nir", b"value") == (both.blind_index("nir", b"value"),)
    assert both.blind_indexes("nir", b"value")[0] == single.blind_index("nir", b"value")


def test_error_messages_never_contain_the_plaintext() -> None:
    blob = seal()
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    relabelled = bytearray(blob)
    relabelled[1:3] = (1).to_bytes(2, "big")
    attempts = [
        (bytes(tampered), VAULT, {}),
        (blob, VAULT, {"row_id": OTHER_ROW}),
        (blob, VAULT, {"column": "first_name"}),
        (blob[:20], VAULT, {}),
        (blob[:-3], VAULT, {}),
        (bytes(relabelled), VAULT, {}),
        (blob, Vault(ring({1: DATA_1})), {}),
        (blob, Vault(ring({1: OTHER, 2: OTHER})), {}),
    ]
    fragments = [SECRET_TEXT, *(part for part in SECRET_TEXT.split() if len(part) >= 4)]
    for candidate, vault, moved in attempts:
        with pytest.raises(CiphertextRejected) as caught:
            vault.open(candidate, **{**WHERE, **moved})
        chain: list[BaseException] = []
        error: BaseException | None = caught.value
        while error is not None:
            chain.append(error)
            error = error.__cause__ or error.__context__
        shown = " ".join(f"{e!s} {e!r}" for e in chain)
        for fragment in fragments:
            assert fragment not in shown


# -- blind indexes ----------------------------------------------------------------------


def test_blind_index_is_deterministic_and_16_bytes() -> None:
    first = VAULT.blind_index("beneficiary.card", b"card tuple")
    assert len(first) == BLIND_INDEX_BYTES == 16
    assert VAULT.blind_index("beneficiary.card", b"card tuple") == first
    assert Vault(ring()).blind_index("beneficiary.card", b"card tuple") == first
    assert VAULT.blind_index("beneficiary.card", b"card tuple", version=2) == first
    assert VAULT.blind_index("beneficiary.card", b"card tuplf") != first


def test_blind_index_differs_per_purpose_version_and_key() -> None:
    value = b"1850578006084"
    indexes = {
        VAULT.blind_index("nir", value, version=2),
        VAULT.blind_index("beneficiary.card", value, version=2),
        VAULT.blind_index("nir", value, version=1),
        VAULT.blind_index("beneficiary.card", value, version=1),
        Vault(ring({1: OTHER, 2: OTHER})).blind_index("nir", value),
    }
    assert len(indexes) == 5


def test_blind_index_does_not_depend_on_the_pseudonym_key() -> None:
    other_pseudonym = Vault(ring(pseudonym=OTHER))
    assert other_pseudonym.blind_index("nir", b"x") == VAULT.blind_index("nir", b"x")


def test_blind_indexes_gives_one_index_per_version_in_the_ring() -> None:
    three = Vault(ring({1: DATA_1, 2: DATA_2, 3: OTHER}))
    indexes = three.blind_indexes("beneficiary.card", b"card")
    assert len(indexes) == 3
    assert set(indexes) == {
        three.blind_index("beneficiary.card", b"card", version=v) for v in (1, 2, 3)
    }
    single = Vault(ring({1: DATA_1}))
    assert single.blind_indexes("beneficiary.card", b"card") == (
        single.blind_index("beneficiary.card", b"card"),
    )


@given(value=st.binary(max_size=64))
def test_blind_indexes_always_include_the_active_index(value: bytes) -> None:
    assert VAULT.blind_index("nir", value) in VAULT.blind_indexes("nir", value)


# -- pseudonyms -------------------------------------------------------------------------


def test_pseudonym_is_stable_and_never_the_subject() -> None:
    subject = "1850578006084"
    name = VAULT.pseudonym("beneficiary", subject)
    assert name == VAULT.pseudonym("beneficiary", subject)
    assert name == Vault(ring()).pseudonym("beneficiary", subject)
    assert re.fullmatch(r"p1_[0-9a-f]{32}", name)
    assert subject not in name
    assert VAULT.pseudonym("beneficiary", "1850578006085") != name


def test_pseudonym_differs_by_kind() -> None:
    assert VAULT.pseudonym("beneficiary", "42") != VAULT.pseudonym("professional", "42")


def test_pseudonym_follows_the_pseudonym_secret_only() -> None:
    base = VAULT.pseudonym("beneficiary", "42")
    # Another pseudonym secret, same data keys: a different pseudonym.
    assert Vault(ring(pseudonym=OTHER)).pseudonym("beneficiary", "42") != base
    # Other data keys (or a data rotation), same pseudonym secret: the same pseudonym.
    assert Vault(ring({1: OTHER})).pseudonym("beneficiary", "42") == base
    assert Vault(ring().with_new_data_version()).pseudonym("beneficiary", "42") == base


# -- stored values stay readable ---------------------------------------------------------

# Sealed and indexed by the code of commit f157a93 (ring above, ROW, last_name of
# beneficiaries). Databases hold such values: a change to the layout or to the associated
# data must keep opening them (or come with a new format byte and a migration that
# re-seals), so these vectors are not to be regenerated. (f157a93 itself changed the
# associated data from that of 42c5fbb; ciphertexts written before it do not open.)
KNOWN_CIPHERTEXTS = {
    1: "010001420bf83b17404dba41f7287d16d6aefd914a924755773bb4c227715c0b8c9047a98b436536"
    "c3b92ca79534853b32d30736e7",
    2: "010002b9265ec9cd62893c3e3af47a3a5a444808bd347c615a72eb95c8abe74301da5107648a37fc"
    "15b4270136821030ee39dcd370",
}
KNOWN_PLAINTEXT = "Élise Dupont-Ñúñez"


@pytest.mark.parametrize("version", [1, 2])
def test_ciphertexts_sealed_by_earlier_code_still_open(version: int) -> None:
    blob = bytes.fromhex(KNOWN_CIPHERTEXTS[version])
    assert Vault.sealed_version(blob) == version
    assert VAULT.open(blob, **WHERE) == KNOWN_PLAINTEXT


def test_blind_indexes_and_pseudonyms_of_earlier_code_are_unchanged() -> None:
    assert VAULT.blind_index("beneficiary.card", b"abc").hex() == "4610dac9290efa9860d477ad64407ac7"
    assert (
        VAULT.blind_index("beneficiary.card", b"abc", version=1).hex()
        == "48c5a35952be82768170e404b7544d2d"
    )
    assert VAULT.pseudonym("beneficiary", "42") == "p1_52682be16f48be23213a8740e3638962"


# -- what a transaction's view tells its commit -------------------------------------------


def test_a_view_shares_the_keys_and_starts_unversioned() -> None:
    view = VAULT.for_transaction()
    assert not view.versioned
    assert view.open(seal(), **WHERE) == SECRET_TEXT
    assert VAULT.open(view.seal(SECRET_TEXT, **WHERE), **WHERE) == SECRET_TEXT
    assert view.for_transaction().versioned is False


def test_lookups_and_pseudonyms_leave_a_view_unversioned() -> None:
    view = VAULT.for_transaction()
    indexes = view.lookup_indexes("beneficiary.card", b"card tuple")
    assert indexes == VAULT.blind_indexes("beneficiary.card", b"card tuple")
    view.pseudonym("beneficiary", "42")
    view.open(seal(), **WHERE)
    assert not view.versioned


@pytest.mark.parametrize(
    "use",
    [
        lambda v: v.seal(SECRET_TEXT, **WHERE),
        lambda v: v.blind_index("nir", b"value"),
        lambda v: v.blind_indexes("nir", b"value"),
        lambda v: v.key_check("data", 1),
        lambda v: v.active_version,
    ],
    ids=["seal", "blind_index", "blind_indexes", "key_check", "active_version"],
)
def test_what_a_commit_could_write_marks_the_view_only(use: Any) -> None:
    base = Vault(ring())
    view = base.for_transaction()
    use(view)
    assert view.versioned
    assert not base.versioned
