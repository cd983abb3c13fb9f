"""A bulk operation collects less often, and the process's own pace comes back after it,
even when the operation fails."""

from __future__ import annotations

import gc

import pytest

from rempart.kernel.collections_pace import BULK_THRESHOLDS, fewer_collections


def test_the_thresholds_are_raised_for_the_block_and_restored_after_it() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == BULK_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the import failed")
    assert gc.get_threshold() == before
