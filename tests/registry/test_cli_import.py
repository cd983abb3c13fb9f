"""`rempart import rights`, `demo seed` and `stats` through the command line (SQLite)."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from rempart.cli import app

SEED_SIZE = 500


@dataclass
class Cli:
    home: Path
    database: Path
    export: Path
    runner: CliRunner

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, [*args], catch_exceptions=True)

    def stats(self) -> dict[str, int]:
        result = self("stats", "--json")
        assert result.exit_code == 0, result.output
        counts: dict[str, int] = json.loads(result.stdout)
        return counts


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded home for the module (keys init, demo seed, export): each test copies it."""
    root = tmp_path_factory.mktemp("seeded")
    with pytest.MonkeyPatch.context() as patch:
        cli = environment(patch, root)
        result = cli("keys", "init")
        assert result.exit_code == 0, result.output
        result = cli(
            "demo",
            "seed",
            "--beneficiaries",
            str(SEED_SIZE),
            "--seed",
            "2",
            "--export",
            str(cli.export),
            "--today",
            "2026-11-28",
        )
        assert result.exit_code == 0, result.output
        assert f"{SEED_SIZE} beneficiaries" in result.stdout
    return root


def environment(patch: pytest.MonkeyPatch, root: Path) -> Cli:
    home, database = root / "home", root / "rempart.sqlite3"
    patch.setenv("REMPART_HOME", str(home))
    patch.setenv("REMPART_DATABASE_URL", f"sqlite:///{database}")
    patch.setenv("REMPART_ENV", "development")
    # Wide enough that an error message stays on the line it was printed on.
    patch.setenv("COLUMNS", "400")
    return Cli(home, database, root / "export", CliRunner())


@pytest.fixture
def cli(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    root = tmp_path / "copy"
    shutil.copytree(seeded, root)
    return environment(monkeypatch, root)


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, content: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(content)
    return path


def report_lines(path: Path) -> list[int]:
    content = rows(path)
    assert content[0] == ["line", "code", "field", "message"]
    return [int(row[0]) for row in content[1:]]


def assert_one_clean_error(result: Result) -> str:
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: ")
    return errors[0]


def test_seeded_stats_count_the_demo(cli: Cli) -> None:
    stats = cli.stats()
    assert stats["beneficiaries"] == SEED_SIZE
    assert stats["insurers"] > 0
    assert stats["rights_periods"] >= SEED_SIZE
    assert not any(name.startswith(("import_", "vault_", "alembic")) for name in stats)
    header = rows(cli.export / "rights.csv")[0]
    assert "insured_nir" in header
    assert len(rows(cli.export / "rights.csv")) == SEED_SIZE + 1


def test_importing_the_exported_file_again_exits_0_and_changes_nothing(cli: Cli) -> None:
    before = cli.stats()
    result = cli("import", "rights", str(cli.export / "rights.csv"))
    assert result.exit_code == 0, result.output
    assert f"{SEED_SIZE} unchanged, 0 rejected" in result.stdout
    assert cli.stats() == before


def test_three_corrupted_lines_exit_2_and_are_reported_by_number(cli: Cli, tmp_path: Path) -> None:
    content = rows(cli.export / "rights.csv")
    header = content[0]
    nir, rank = header.index("insured_nir"), header.index("birth_rank")
    corrupted = {12: "nir", 250: "rank", 401: "fields"}  # line numbers, header = line 1
    nirs = {row[nir] for row in content[1:]}
    for line, kind in corrupted.items():
        row = content[line - 1]
        if kind == "nir":
            row[nir] = row[nir][:13] + f"{int(row[nir][13:]) % 97 + 1:02d}"
        elif kind == "rank":
            row[rank] = "0"
        else:
            del row[-2:]
    path = write_rows(tmp_path / "corrupted.csv", content)
    report = tmp_path / "reports" / "corrupted.rejected.csv"
    before = cli.stats()

    result = cli("import", "rights", str(path), "--report", str(report))
    assert result.exit_code == 2, result.output
    assert "3 rejected" in result.stdout
    assert report_lines(report) == sorted(corrupted)
    text = report.read_text(encoding="utf-8")
    assert not any(value in text for value in nirs)
    assert cli.stats() == before


def test_a_file_of_only_bad_lines_exits_1(cli: Cli, tmp_path: Path) -> None:
    content = rows(cli.export / "rights.csv")[:6]
    rank = content[0].index("birth_rank")
    for row in content[1:]:
        row[rank] = "x"
    path = write_rows(tmp_path / "bad.csv", content)
    report = tmp_path / "bad.rejected.csv"
    before = cli.stats()
    result = cli("import", "rights", str(path), "--report", str(report))
    assert result.exit_code == 1, result.output
    assert report_lines(report) == [2, 3, 4, 5, 6]
    assert cli.stats() == before


def test_the_default_report_goes_under_the_home(cli: Cli, tmp_path: Path) -> None:
    content = rows(cli.export / "rights.csv")[:3]
    content[2][content[0].index("birth_rank")] = "x"
    path = write_rows(tmp_path / "some.csv", content)
    result = cli("import", "rights", str(path))
    assert result.exit_code == 2, result.output
    (report,) = (cli.home / "reports").glob("some.csv.*.rejected.csv")
    assert report_lines(report) == [3]
    # The console may wrap the long path anywhere: compare without white space.
    assert f"reasons:{report}" in "".join(result.output.split())


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("bad-header.csv", b"who,what\n1,2\n")],
)
def test_a_file_that_is_not_a_rights_file_is_one_clean_error(
    cli: Cli, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = cli.stats()
    error = assert_one_clean_error(cli("import", "rights", str(path)))
    assert "header" in error or "empty" in error
    assert cli.stats() == before


def test_a_missing_file_is_one_clean_error(cli: Cli, tmp_path: Path) -> None:
    error = assert_one_clean_error(cli("import", "rights", str(tmp_path / "nowhere.csv")))
    assert "no such file" in error


def test_a_truncated_database_is_one_clean_error(cli: Cli) -> None:
    assert cli.stats()["beneficiaries"] == SEED_SIZE
    for suffix in ("-wal", "-shm"):
        cli.database.with_name(cli.database.name + suffix).unlink(missing_ok=True)
    size = cli.database.stat().st_size
    with cli.database.open("r+b") as handle:
        handle.truncate(size // 2)

    error = assert_one_clean_error(cli("stats"))
    assert str(cli.database) in error
    assert "cannot be used" in error
    assert "restored from backup" in error
    assert result_is_quiet(cli("stats", "--json"))


def result_is_quiet(result: Result) -> bool:
    """Exit 1, nothing on stdout (no half-written JSON), one error line."""
    assert_one_clean_error(result)
    return result.stdout == ""
