"""The key ring, where it comes from, and how a platform refuses keys that do not fit."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rempart.bootstrap import Platform, open_platform
from rempart.kernel.clock import FixedClock
from rempart.settings import Environment
from rempart.vault import provider as provider_module
from rempart.vault.errors import KeyMismatch, KeysMissing, VaultError
from rempart.vault.keyring import (
    DocumentKeySource,
    KeyFamily,
    KeyRing,
    LocalFileKeySource,
    SecretsDirKeySource,
)
from rempart.vault.models import KeyVersionRow
from rempart.vault.provider import VaultProvider, key_source_for, local_key_file

from ..conftest import make_settings, write_keys


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# -- the ring as a document -------------------------------------------------------------


def test_generate_gives_fresh_32_byte_secrets_at_version_1() -> None:
    first, second = KeyRing.generate(), KeyRing.generate()
    for ring in (first, second):
        assert ring.data.active == ring.pseudonym.active == 1
        assert set(ring.data.secrets) == set(ring.pseudonym.secrets) == {1}
        assert len(ring.data.secrets[1]) == len(ring.pseudonym.secrets[1]) == 32
        assert ring.data.secrets[1] != ring.pseudonym.secrets[1]
        assert ring.created_at
    assert first.data.secrets[1] != second.data.secrets[1]


def test_document_round_trip_through_json() -> None:
    ring = KeyRing.generate().with_new_data_version().with_new_data_version()
    document = json.loads(json.dumps(ring.to_document()))
    assert document["format"] == "rempart-keyring/1"
    assert document["data"]["active"] == 3
    again = KeyRing.from_document(document)
    assert again == ring
    assert dict(again.data.secrets) == dict(ring.data.secrets)
    assert dict(again.pseudonym.secrets) == dict(ring.pseudonym.secrets)


def test_a_new_data_version_keeps_the_others_and_the_pseudonym_key() -> None:
    ring = KeyRing.generate()
    rotated = ring.with_new_data_version()
    assert rotated.data.active == 2
    assert rotated.data.secrets[1] == ring.data.secrets[1]
    assert rotated.data.secrets[2] != ring.data.secrets[1]
    assert rotated.pseudonym == ring.pseudonym
    retired = rotated.without_data_version(1)
    assert set(retired.data.secrets) == {2}
    assert retired.data.active == 2
    # Numbers are never reused after a retirement.
    assert retired.with_new_data_version().data.active == 3


def test_the_active_or_an_unknown_version_cannot_be_retired() -> None:
    ring = KeyRing.generate().with_new_data_version()
    with pytest.raises(VaultError, match="active"):
        ring.without_data_version(2)
    with pytest.raises(VaultError, match="version 5"):
        ring.without_data_version(5)


def _document(**changes: Any) -> dict[str, Any]:
    document = KeyRing.generate().to_document()
    for path, value in changes.items():
        target = document
        *parents, last = path.split("__")
        for parent in parents:
            target = target[parent]
        target[last] = value
    return document


SECRET = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "rempart-keyring/1",
        {"format": "rempart-keyring/2"},
        _document(format="something-else"),
        {"format": "rempart-keyring/1"},
        _document(data="not a family"),
        _document(data__versions=[SECRET]),
        _document(data__versions=SECRET),
        _document(data__versions={"1": "not base64!"}),
        _document(data__versions={"1": base64.b64encode(bytes(16)).decode()}),
        _document(data__versions={"one": SECRET}),
        _document(data__versions={"0": SECRET}, data__active=0),
        _document(data__versions={"70000": SECRET}, data__active=70000),
        _document(data__active=2),
        _document(data__active=None),
        _document(pseudonym__versions={}),
    ],
)
def test_a_malformed_document_is_a_vault_error(document: Any) -> None:
    with pytest.raises(VaultError):
        KeyRing.from_document(document)


def test_a_family_refuses_a_missing_active_version() -> None:
    with pytest.raises(VaultError, match="active key version 2"):
        KeyFamily(2, {1: bytes(32)})


# -- the local key file -----------------------------------------------------------------


def test_save_writes_mode_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    source = LocalFileKeySource(tmp_path / "home" / "keys.json", require_private=True)
    previous = os.umask(0)
    try:
        source.save(KeyRing.generate())
    finally:
        os.umask(previous)
    assert mode_of(source.path) == 0o600
    assert source.load().data.active == 1


def test_save_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    source = LocalFileKeySource(tmp_path / "keys.json", require_private=True)
    first = KeyRing.generate()
    source.save(first)
    second = first.with_new_data_version()
    source.save(second)
    assert source.load() == second
    assert mode_of(source.path) == 0o600
    assert leftovers(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]


def test_a_failed_save_keeps_the_previous_ring_and_leaves_nothing(tmp_path: Path) -> None:
    source = LocalFileKeySource(tmp_path / "keys.json", require_private=True)
    ring = KeyRing.generate()
    source.save(ring)

    class Exploding:
        def to_document(self) -> dict[str, Any]:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        source.save(Exploding())  # type: ignore[arg-type]
    assert source.load() == ring
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]


def test_a_stale_temporary_file_never_lends_its_mode_to_the_keys(tmp_path: Path) -> None:
    for name in ("keys.tmp", ".keys.json.tmp"):
        stale = tmp_path / name
        stale.write_text("left over by a crash")
        stale.chmod(0o644)
    source = LocalFileKeySource(tmp_path / "keys.json", require_private=True)
    source.save(KeyRing.generate())
    assert mode_of(source.path) == 0o600
    source.load()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o660, 0o644])
def test_a_key_file_readable_by_others_is_refused_when_private_is_required(
    tmp_path: Path, mode: int
) -> None:
    source = write_keys(tmp_path)
    source.path.chmod(mode)
    with pytest.raises(VaultError, match="chmod 600"):
        source.load()
    # Development (and mounted secrets) do not insist.
    assert LocalFileKeySource(source.path, require_private=False).load() == KeyRing.from_document(
        json.loads(source.path.read_text())
    )


def test_a_missing_key_file_says_how_to_create_one(tmp_path: Path) -> None:
    source = LocalFileKeySource(tmp_path / "keys.json", require_private=True)
    assert not source.exists()
    with pytest.raises(KeysMissing, match="rempart keys init"):
        source.load()
    assert source.fingerprint() is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not JSON"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b'{"format": "rempart-keyring/1"}', "malformed"),
        (b'{"hello": "world"}', "not a key ring"),
        (b"[1, 2, 3]", "not a key ring"),
    ],
)
def test_a_key_file_that_is_not_a_ring_is_a_vault_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(VaultError, match=message):
        LocalFileKeySource(path, require_private=True).load()


# -- key sources from the settings ------------------------------------------------------


def test_key_source_for_the_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    ring = KeyRing.generate()
    document = json.dumps(ring.to_document())
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    mounted = KeyRing.generate()
    (secrets_dir / "keyring.json").write_text(json.dumps(mounted.to_document()))
    (secrets_dir / "keyring.json").chmod(0o644)  # mounted secrets are often 0644

    from_env = key_source_for(make_settings(home, url, keys=document, keys_dir=secrets_dir))
    assert isinstance(from_env, DocumentKeySource)
    assert from_env.load() == ring

    from_dir = key_source_for(make_settings(home, url, keys_dir=secrets_dir))
    assert isinstance(from_dir, SecretsDirKeySource)
    assert from_dir.load() == mounted

    development = key_source_for(make_settings(home, url))
    assert isinstance(development, LocalFileKeySource)
    assert development.path == home / "keys.json"
    assert not development.require_private

    production = key_source_for(make_settings(home, url, env=Environment.PRODUCTION))
    assert isinstance(production, LocalFileKeySource)
    assert production.require_private

    elsewhere = key_source_for(make_settings(home, url, keys_file=tmp_path / "k.json"))
    assert isinstance(elsewhere, LocalFileKeySource)
    assert elsewhere.path == tmp_path / "k.json"


def test_the_local_key_commands_refuse_keys_that_come_from_elsewhere(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    document = json.dumps(KeyRing.generate().to_document())
    for settings in (
        make_settings(tmp_path, url, keys=document),
        make_settings(tmp_path, url, keys_dir=tmp_path),
    ):
        with pytest.raises(KeysMissing, match="local key file only"):
            local_key_file(settings)
    assert local_key_file(make_settings(tmp_path, url)).path == tmp_path / "keys.json"


def test_rempart_keys_that_is_not_json_is_a_clear_error_without_the_value() -> None:
    value = "data=c2VjcmV0LXNlY3JldC1zZWNyZXQ"
    with pytest.raises(VaultError, match="REMPART_KEYS") as caught:
        DocumentKeySource(value).load()
    assert value not in str(caught.value)
    with pytest.raises(VaultError):
        DocumentKeySource('{"format": "rempart-keyring/0"}').load()


# -- opening a platform -----------------------------------------------------------------


def key_versions(platform: Platform) -> list[tuple[str, int, bytes]]:
    with platform.uow() as uow:
        return [
            (r.family, r.version, r.key_check)
            for r in uow.session.scalars(
                select(KeyVersionRow).order_by(KeyVersionRow.family, KeyVersionRow.version)
            )
        ]


def test_open_platform_registers_the_ring_once(platform: Platform) -> None:
    versions = key_versions(platform)
    assert [(f, v) for f, v, _ in versions] == [("data", 1), ("pseudonym", 1)]
    again = open_platform(platform.settings, clock=platform.clock)
    try:
        assert key_versions(again) == versions
    finally:
        again.close()


def test_a_different_key_file_on_an_existing_database_is_refused(
    platform: Platform, clock: FixedClock
) -> None:
    settings = platform.settings
    before = key_versions(platform)
    source = LocalFileKeySource(settings.effective_keys_file, require_private=True)
    right = source.load()

    source.save(KeyRing.generate())  # a wrong key file
    with pytest.raises(KeyMismatch, match="wrong key file"):
        open_platform(settings, clock=clock)

    # Same data key, another pseudonym key: refused too.
    source.save(KeyRing(right.data, KeyRing.generate().pseudonym))
    with pytest.raises(KeyMismatch, match="pseudonym"):
        open_platform(settings, clock=clock)

    # The refusals wrote nothing; the right file opens again.
    source.save(right)
    reopened = open_platform(settings, clock=clock)
    try:
        assert key_versions(reopened) == before
    finally:
        reopened.close()


def test_a_ring_lacking_a_version_the_database_uses_is_refused(
    sqlite_platform: Platform, clock: FixedClock
) -> None:
    settings = sqlite_platform.settings
    source = LocalFileKeySource(settings.effective_keys_file, require_private=True)
    old = source.load()
    source.save(old.with_new_data_version())
    open_platform(settings, clock=clock).close()  # registers version 2
    source.save(old)  # an outdated backup of the key file
    with pytest.raises(KeyMismatch, match="data key version 2"):
        open_platform(settings, clock=clock)


def test_open_platform_without_keys_says_so(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    settings = make_settings(tmp_path / "nokeys", url)
    with pytest.raises(KeysMissing, match="rempart keys init"):
        open_platform(settings, clock=clock, migrate=True)


def test_open_platform_through_rempart_keys_and_a_secrets_dir(
    tmp_path: Path, clock: FixedClock
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    home = tmp_path / "home"
    source = write_keys(home)
    open_platform(make_settings(home, url), clock=clock, migrate=True).close()
    document = source.path.read_text()

    through_env = open_platform(make_settings(tmp_path / "empty", url, keys=document), clock=clock)
    through_env.close()

    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "keyring.json").write_text(document)
    through_dir = open_platform(
        make_settings(tmp_path / "empty", url, keys_dir=secrets_dir), clock=clock
    )
    through_dir.close()

    wrong = json.dumps(KeyRing.generate().to_document())
    with pytest.raises(KeyMismatch):
        open_platform(make_settings(tmp_path / "empty", url, keys=wrong), clock=clock)


# -- a running process follows the key source --------------------------------------------


@pytest.fixture
def recheck_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_module, "RECHECK_SECONDS", 0.0)


def test_the_provider_picks_up_a_rotated_key_file(tmp_path: Path, recheck_always: None) -> None:
    source = write_keys(tmp_path)
    provider = VaultProvider(source)
    assert provider.current().active_version == 1
    assert provider.current() is provider.current()  # unchanged file, same vault

    source.save(source.load().with_new_data_version())
    assert provider.current().active_version == 2
    assert provider.current().versions == (2, 1)

    source.save(source.load().without_data_version(1))
    assert provider.current().versions == (2,)


def test_the_provider_rechecks_at_most_once_per_interval_but_reload_is_immediate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "RECHECK_SECONDS", 3600.0)
    source = write_keys(tmp_path)
    provider = VaultProvider(source)
    source.save(source.load().with_new_data_version())
    assert provider.current().active_version == 1
    assert provider.reload().active_version == 2
    assert provider.current().active_version == 2


def test_the_provider_refuses_a_different_ring_and_recovers_when_it_is_restored(
    tmp_path: Path, recheck_always: None
) -> None:
    source = write_keys(tmp_path)
    provider = VaultProvider(source)
    right = source.load()

    source.save(KeyRing.generate())  # someone drops a wrong key file in place
    raised = []
    for _ in range(3):  # every call, not only the first after the change
        with pytest.raises(KeyMismatch, match="wrong key file") as caught:
            provider.current()
        raised.append(caught.value)
    # A fresh exception each time (one instance re-raised would keep growing its traceback).
    assert len({id(e) for e in raised}) == 3
    with pytest.raises(KeyMismatch):
        provider.reload()

    source.save(KeyRing(right.data, KeyRing.generate().pseudonym))
    with pytest.raises(KeyMismatch, match="pseudonym key version 1"):
        provider.current()

    source.save(right.with_new_data_version())
    assert provider.current().active_version == 2


def test_the_provider_stops_while_the_key_file_is_missing_or_unreadable(
    tmp_path: Path, recheck_always: None
) -> None:
    source = write_keys(tmp_path)
    provider = VaultProvider(source)
    ring = source.load()

    source.path.unlink()
    for _ in range(2):
        with pytest.raises(KeysMissing):
            provider.current()

    source.save(ring)
    source.path.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        provider.current()

    source.path.chmod(0o600)
    assert provider.current().active_version == 1


def test_a_running_process_refuses_an_older_key_file(tmp_path: Path) -> None:
    """Restoring yesterday's key file after a rotation must stop data access, not quietly
    write under the old version."""
    source = LocalFileKeySource(tmp_path / "keys.json", require_private=True)
    first = KeyRing.generate()
    source.save(first)
    rotated = first.with_new_data_version()
    source.save(rotated)
    running = VaultProvider(source)
    assert running.current().active_version == 2
    source.save(first)
    with pytest.raises(KeyMismatch, match="older than version 2"):
        running.reload()
    source.save(rotated)
    assert running.reload().active_version == 2
