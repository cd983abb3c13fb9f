"""Row ids are UUIDv7 (RFC 9562): time-ordered by their millisecond prefix."""

from __future__ import annotations

import time
import uuid
from itertools import islice

from rempart.kernel.ids import id_stream, new_id


def unix_ms(value: uuid.UUID) -> int:
    return value.int >> 80


def test_version_7_and_rfc_variant() -> None:
    for _ in range(1000):
        value = new_id()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert (value.int >> 76) & 0xF == 7
        assert (value.int >> 62) & 0b11 == 0b10


def test_prefix_is_the_current_unix_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= unix_ms(value) <= after


def test_millisecond_prefix_is_monotonic_across_calls() -> None:
    prefixes = [unix_ms(new_id()) for _ in range(10_000)]
    assert prefixes == sorted(prefixes)


def test_ids_from_different_milliseconds_sort_by_creation() -> None:
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert unix_ms(first) < unix_ms(second)
    assert first < second
    assert str(first) < str(second)


def test_unique_across_10000_calls() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)


def test_random_bits_vary_within_one_millisecond() -> None:
    """74 random bits: two ids of the same millisecond still differ in both random fields."""
    ids = [new_id() for _ in range(200)]
    rand_a = {(value.int >> 64) & 0xFFF for value in ids}
    rand_b = {value.int & ((1 << 62) - 1) for value in ids}
    assert len(rand_a) > 1
    assert len(rand_b) == len(ids)


def test_a_stream_makes_the_same_kind_of_ids_across_chunks() -> None:
    before = time.time_ns() // 1_000_000
    ids = list(islice(id_stream(chunk=7), 1000))
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 1000
    for value in ids:
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert before <= unix_ms(value) <= after
    assert [unix_ms(v) for v in ids] == sorted(unix_ms(v) for v in ids)
    assert len({value.int & ((1 << 62) - 1) for value in ids}) == 1000
