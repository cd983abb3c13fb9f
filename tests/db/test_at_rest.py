"""Personal data is unintelligible at rest: after seeding 10,000 beneficiaries, neither the
SQLite file nor a dump of the PostgreSQL database holds any seeded NIR, birth date, last
name or IBAN in clear.

Two exclusions keep the search honest rather than flaky:
- a match inside a run of 32 or more hexadecimal characters is skipped: UUIDs stored as
  text and bytea dumped as hex contain every 8-digit string by chance sooner or later,
  while a birth date stored in clear stands alone;
- each kind of value is searched for in a fixed random sample of 300: a column stored in
  clear would leak every one of its values, so a sample finds it, at a fraction of the cost;
- last names shorter than 6 bytes, or that also occur in public reference strings kept in
  clear on purpose (structure and insurer names such as "Pharmacie Martin"), are skipped:
  short ASCII runs occur by chance in megabytes of ciphertext.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from rempart.bootstrap import Platform
from rempart.registry import service

from .. import factories

BENEFICIARIES = 10_000
_HEX_RUN = re.compile(rb"[0-9a-fA-F-]{32,}")  # hex text, UUIDs with their dashes
SAMPLE = 300


def _seed(
    platform: Platform, export: Path
) -> tuple[set[bytes], set[bytes], set[bytes], set[bytes]]:
    world = factories.france(BENEFICIARIES, seed=5)
    factories.register(platform, world)
    statements = factories.statements(world, BENEFICIARIES, seed=5)
    rights = factories.write_file(export / "rights.csv", statements)
    outcome = service.import_rights_file(uow=platform.uow(), path=rights, batch_size=2000)
    assert outcome.created == BENEFICIARIES
    public = " ".join(
        [s.name for s in world.structures] + [i.name for i in world.insurers]
    ).encode()
    nirs = {s.insured_nir.encode() for s in statements} | {
        s.beneficiary_nir.encode() for s in statements if s.beneficiary_nir
    }
    birth_dates = {s.birth_date.encode() for s in statements}
    names = {
        name.encode()
        for s in statements
        for name in (s.last_name,)
        if len(name.encode()) >= 6 and name.encode() not in public
    } | {
        p.last_name.encode()
        for p in world.professionals
        if len(p.last_name.encode()) >= 6 and p.last_name.encode() not in public
    }
    ibans = {s.iban.encode() for s in world.structures}
    return nirs, birth_dates, names, ibans


def _leaks(haystack: bytes, needles: set[bytes]) -> list[bytes]:
    hex_spans = [m.span() for m in _HEX_RUN.finditer(haystack)]
    starts = [s for s, _ in hex_spans]
    import bisect

    found = []
    for needle in needles:
        position = haystack.find(needle)
        while position != -1:
            slot = bisect.bisect_right(starts, position) - 1
            inside_hex = slot >= 0 and hex_spans[slot][1] >= position + len(needle)
            if not inside_hex:
                found.append(needle)
                break
            position = haystack.find(needle, position + 1)
    return found


def _database_bytes(platform: Platform) -> bytes:
    url = make_url(platform.database.url)
    platform.database.dispose()
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return b"".join(
            p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
        )
    dump = subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return dump.stdout


@pytest.mark.slow
def test_no_personal_field_is_stored_in_clear(platform: Platform, tmp_path: Path) -> None:
    nirs, birth_dates, names, ibans = _seed(platform, tmp_path)
    assert len(nirs) > BENEFICIARIES // 2
    assert len(names) > 50
    assert ibans
    stored = _database_bytes(platform)
    assert len(stored) > 1_000_000  # the search ran over real data
    sampler = random.Random(0)
    for label, needles in (
        ("NIR", nirs),
        ("birth date", birth_dates),
        ("last name", names),
        ("IBAN", ibans),
    ):
        sample = set(sampler.sample(sorted(needles), min(SAMPLE, len(needles))))
        leaked = _leaks(stored, sample)
        assert not leaked, f"{len(leaked)} {label} values found in clear"


def test_the_search_would_find_a_value_stored_in_clear(tmp_path: Path) -> None:
    """The detector itself: a clear value is found, one inside a hex run is not."""
    needle = b"19850312"
    assert _leaks(b"\x00\x05" + needle + b"\x00", {needle}) == [needle]
    assert _leaks(b"0a1b2c3d" + needle + b"4e5f6a7b8c9d0e1f2a3b", {needle}) == []
    assert _leaks(b"01234567-" + needle[:4] + b"-0123-4567-89ab" + needle + b"cdef", {needle}) == []
