"""Preparing lines in a worker process changes nothing but the speed: same registry, same
outcome, same resumption after a kill, same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.bootstrap import Platform, open_platform
from rempart.registry import service
from rempart.registry.preparation import (
    prepared_batches,
    prepared_batches_in_worker,
)
from rempart.registry.repository import RegistryRepository
from rempart.registry.rights_file import FileFormatError

from .. import factories
from ..conftest import make_settings, write_keys

BENEFICIARIES = 600


class Killed(Exception):
    pass


def _content(platform: Platform) -> tuple[dict[str, int], list[object]]:
    world = factories.france(BENEFICIARIES)
    views = []
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        for s in factories.statements(world, BENEFICIARIES):
            found = repository.find_beneficiary_id(
                insured_nir=s.insured_nir,
                birth_date=s.birth_date,
                birth_rank=s.birth_rank,
                amc_number=s.amc_number,
                member_number=s.member_number,
            )
            assert found is not None
            view = repository.load_beneficiary(found)
            views.append((view.last_name, view.first_name, view.beneficiary_nir, view.rights))
    return service.count_rows(uow=platform.uow()), views


def _fresh_platform(tmp_path: Path, name: str, clock: object) -> Platform:
    home = tmp_path / name
    write_keys(home)
    url = f"sqlite:///{home / 'rempart.sqlite3'}"
    opened = open_platform(make_settings(home, url), clock=clock, migrate=True)  # type: ignore[arg-type]
    factories.register(opened, factories.france(BENEFICIARIES))
    return opened


def test_worker_and_in_process_imports_agree(tmp_path: Path, clock: object) -> None:
    world = factories.france(BENEFICIARIES)
    rights = factories.write_file(
        tmp_path / "rights.csv", factories.statements(world, BENEFICIARIES)
    )
    results = []
    for in_worker in (True, False):
        opened = _fresh_platform(tmp_path, f"home-{in_worker}", clock)
        try:
            outcome = service.import_rights_file(
                uow=opened.uow(), path=rights, batch_size=128, prepare_in_worker=in_worker
            )
            again = service.import_rights_file(
                uow=opened.uow(), path=rights, batch_size=128, prepare_in_worker=in_worker
            )
            assert (outcome.created, outcome.rejected) == (BENEFICIARIES, 0)
            assert again.unchanged == BENEFICIARIES
            results.append(_content(opened))
        finally:
            opened.close()
    assert results[0] == results[1]


def test_a_killed_worker_import_resumes_to_the_clean_state(tmp_path: Path, clock: object) -> None:
    world = factories.france(BENEFICIARIES)
    rights = factories.write_file(
        tmp_path / "rights.csv", factories.statements(world, BENEFICIARIES)
    )
    clean = _fresh_platform(tmp_path, "clean", clock)
    killed = _fresh_platform(tmp_path, "killed", clock)
    try:
        service.import_rights_file(uow=clean.uow(), path=rights, batch_size=100)
        batches = 0

        def kill_after_two(_: service.Progress) -> None:
            nonlocal batches
            batches += 1
            if batches == 2:
                raise Killed

        with pytest.raises(Killed):
            service.import_rights_file(
                uow=killed.uow(),
                path=rights,
                batch_size=100,
                prepare_in_worker=True,
                on_progress=kill_after_two,
            )
        resumed = service.import_rights_file(
            uow=killed.uow(), path=rights, batch_size=100, prepare_in_worker=True
        )
        assert resumed.resumed
        assert resumed.created == BENEFICIARIES
        assert _content(killed) == _content(clean)
    finally:
        clean.close()
        killed.close()


def test_a_failure_in_the_worker_reaches_the_caller(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    headless = tmp_path / "headless.csv"
    headless.write_text("123456789,M1\n", encoding="utf-8")
    with pytest.raises(FileFormatError):
        list(
            prepared_batches_in_worker(
                headless, "csv", vault=sqlite_platform.vault, skip_through=0, batch_size=10
            )
        )


def test_batches_cover_every_line_in_order(sqlite_platform: Platform, tmp_path: Path) -> None:
    world = factories.france(50)
    rights = factories.write_file(tmp_path / "rights.csv", factories.statements(world, 50))
    for produce in (prepared_batches, prepared_batches_in_worker):
        batches = list(
            produce(rights, "csv", vault=sqlite_platform.vault, skip_through=10, batch_size=7)
        )
        numbers = [p.line_no for b in batches for p in b.lines]
        assert numbers == list(range(11, 52))
        assert [b.last_line for b in batches][-1] == 51
        assert all(len(b) <= 7 for b in batches)
