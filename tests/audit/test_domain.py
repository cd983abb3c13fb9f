"""The canonical encoding never changes for a given event; the compact range agrees with
RFC 9162's definition of the root; the checkpoint message is fixed text."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.audit import merkle
from rempart.audit.domain import (
    AuditEvent,
    AuditTag,
    Category,
    Outcome,
    categories_mask,
    categories_of,
    checkpoint_message,
    decode,
    encode,
    leaf_of,
    months_before,
)
from rempart.audit.tree import CompactRange
from rempart.identity.permissions import Channel

RECORD = uuid.UUID("0196b5f0-1234-7abc-8def-0123456789ab")
EVENT = AuditEvent(
    at=datetime(2026, 11, 28, 9, 30, 0, 123456, tzinfo=UTC),
    tag=AuditTag.RIGHTS_CHECK_ANSWERED,
    outcome=Outcome.ALLOWED,
    channel=Channel.API,
    actor_account_id=uuid.UUID("0196b5f0-0000-7000-8000-000000000001"),
    actor_rpps="10000000006",
    structure_finess="750000001",
    client_id=uuid.UUID("0196b5f0-0000-7000-8000-000000000002"),
    target_pseudonym="p1_00112233445566778899aabbccddeeff",
    target_amc="123456789",
    categories=frozenset({Category.RIGHTS, Category.GUARANTEES}),
    request_id="req-1",
    address_hash="p1_ffeeddccbbaa99887766554433221100",
    user_agent_hash=None,
)
GOLDEN = (
    b'{"actor":"0196b5f0-0000-7000-8000-000000000001","address":'
    b'"p1_ffeeddccbbaa99887766554433221100","agent":null,"amc":"123456789",'
    b'"at":"2026-11-28T09:30:00.123456Z","categories":["guarantees","rights"],'
    b'"channel":"api","client":"0196b5f0-0000-7000-8000-000000000002","finess":"750000001",'
    b'"id":"0196b5f0-1234-7abc-8def-0123456789ab","outcome":"allowed","request":"req-1",'
    b'"rpps":"10000000006","tag":"rights:check:answered",'
    b'"target":"p1_00112233445566778899aabbccddeeff","v":1}'
)


def test_the_encoding_of_an_event_is_fixed() -> None:
    assert encode(RECORD, EVENT) == GOLDEN
    assert leaf_of(GOLDEN) == merkle.leaf_hash(GOLDEN)


def test_the_encoding_does_not_depend_on_the_time_zone_given() -> None:
    from datetime import timedelta, timezone

    paris = EVENT.at.astimezone(timezone(timedelta(hours=1)))
    from dataclasses import replace

    assert encode(RECORD, replace(EVENT, at=paris)) == GOLDEN


def test_decoding_gives_the_event_back() -> None:
    assert decode(GOLDEN) == (RECORD, EVENT)


def test_a_stated_purpose_is_version_2_and_changes_nothing_else() -> None:
    """Version 2 is version 1 with `purpose` in its sorted place: every record written
    without one keeps its bytes, hence its leaf."""
    stated = replace(EVENT, purpose="claim_review|case:p1_0123456789abcdef0123456789abcdef")
    payload = encode(RECORD, stated)
    assert payload == GOLDEN.replace(
        b'"outcome":"allowed",',
        b'"outcome":"allowed","purpose":"claim_review|case:p1_0123456789abcdef0123456789abcdef",',
    ).replace(b'"v":1}', b'"v":2}')
    assert decode(payload) == (RECORD, stated)


@pytest.mark.parametrize(
    "payload",
    [
        GOLDEN.replace(b'"v":1}', b'"v":2}'),  # version 2 without its purpose
        GOLDEN.replace(b'"request"', b'"purpose":"x","request"'),  # a purpose in version 1
        GOLDEN.replace(b'"v":1}', b'"v":3}'),
    ],
)
def test_a_payload_whose_version_and_keys_disagree_is_refused(payload: bytes) -> None:
    with pytest.raises(ValueError, match="version"):
        decode(payload)


@pytest.mark.parametrize("purpose", ["", "Free text with a Name", "x" * 121, "a b"])
def test_a_purpose_is_codes_and_pseudonyms_only(purpose: str) -> None:
    with pytest.raises(ValueError, match="purpose"):
        replace(EVENT, purpose=purpose)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="UTC-aware"):
        AuditEvent(
            at=datetime(2026, 1, 1),
            tag=AuditTag.IDENTITY_SESSION_OPENED,
            outcome=Outcome.ALLOWED,
            channel=Channel.PORTAL,
        )


def test_tags_are_shaped_source_subject_action() -> None:
    for tag in AuditTag:
        assert len(tag.value.split(":")) == 3, tag


@given(st.sets(st.sampled_from(list(Category))))
def test_category_masks_round_trip(categories: set[Category]) -> None:
    assert categories_of(categories_mask(categories)) == frozenset(categories)


def test_the_checkpoint_message_is_fixed_text() -> None:
    message = checkpoint_message(
        tree_size=12, root=bytes(32), issued_at=EVENT.at, key_id="00aa11bb22cc33dd"
    )
    assert message == (
        b"rempart-audit-checkpoint/1\n12\n" + b"00" * 32 + b"\n2026-11-28T09:30:00.123456Z\n"
        b"00aa11bb22cc33dd\n"
    )


@given(st.integers(min_value=0, max_value=70))
def test_the_compact_range_gives_the_rfc_root(size: int) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tree = CompactRange()
    tree.extend(leaves)
    assert tree.root() == merkle.root(leaves)
    again = CompactRange.from_bytes(tree.size, tree.to_bytes())
    assert again.root() == tree.root()


def test_a_malformed_tree_state_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed"):
        CompactRange.from_bytes(3, bytes(32))


@pytest.mark.parametrize(
    ("instant", "months", "expected"),
    [
        (datetime(2026, 11, 28, tzinfo=UTC), 12, datetime(2025, 11, 28, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 3, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 120, datetime(2016, 1, 15, tzinfo=UTC)),
    ],
)
def test_retention_cutoff_counts_calendar_months(
    instant: datetime, months: int, expected: datetime
) -> None:
    assert months_before(instant, months) == expected


@given(
    st.builds(
        AuditEvent,
        at=st.datetimes(timezones=st.just(UTC)),
        tag=st.sampled_from(list(AuditTag)),
        outcome=st.sampled_from(list(Outcome)),
        channel=st.sampled_from(list(Channel)),
        actor_account_id=st.none() | st.uuids(),
        actor_rpps=st.none() | st.text(max_size=11),
        structure_finess=st.none() | st.text(max_size=9),
        client_id=st.none() | st.uuids(),
        target_pseudonym=st.none() | st.text(max_size=40),
        target_amc=st.none() | st.text(max_size=9),
        categories=st.frozensets(st.sampled_from(list(Category))),
        request_id=st.none() | st.text(max_size=64),
        address_hash=st.none() | st.text(max_size=40),
        user_agent_hash=st.none() | st.text(max_size=40),
        purpose=st.none() | st.from_regex(r"[a-z0-9_:|-]{1,120}", fullmatch=True),
    ),
    st.uuids(),
)
def test_the_fast_encoder_writes_exactly_canonical_json(
    event: AuditEvent, record_id: uuid.UUID
) -> None:
    import json

    payload = encode(record_id, event)
    document = json.loads(payload)
    assert payload == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")
    assert decode(payload) == (record_id, event)
