"""The documentation stays true: its examples import, its code lists match the code."""

from __future__ import annotations

from pathlib import Path

from rempart.bootstrap import Platform
from rempart.registry import service
from rempart.registry.rights_file import COLUMNS, LineRejection, RejectionCode, read_lines
from rempart.registry.schemas import CatalogueIn

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ROOT / "docs" / "formats"


def test_every_rejection_code_is_documented_in_both_languages() -> None:
    text = (FORMATS / "rights-file.md").read_text(encoding="utf-8")
    for code in RejectionCode:
        rows = [line for line in text.splitlines() if line.startswith(f"| `{code.value}` |")]
        assert len(rows) == 1, f"{code.value} missing from the format doc"
        assert rows[0].count("|") == 4, f"{code.value} needs a French and an English label"


def test_every_column_is_documented() -> None:
    text = (FORMATS / "rights-file.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in text, column


def test_example_files_parse_without_rejection() -> None:
    for name, file_format in (("rights-example.csv", "csv"), ("rights-example.jsonl", "jsonl")):
        with (FORMATS / name).open("rb") as handle:
            parsed = list(read_lines(handle, file_format))
        assert parsed
        assert not [p for _, p in parsed if isinstance(p, LineRejection)], name


def test_example_catalogue_and_rights_file_import(sqlite_platform: Platform) -> None:
    catalogue = CatalogueIn.model_validate_json((FORMATS / "insurers-example.json").read_bytes())
    service.register_reference_data(uow=sqlite_platform.uow(), insurers=catalogue.to_domain())
    outcome = service.import_rights_file(
        uow=sqlite_platform.uow(), path=FORMATS / "rights-example.csv"
    )
    assert (outcome.created, outcome.rejected, outcome.exit_code) == (6, 0, 0)


def test_readme_keeps_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme
    assert "make test" in readme
    assert "BENCHMARK_RESULTS" not in readme, "the README shows placeholder benchmark figures"


def test_the_access_model_doc_shows_the_grant_table() -> None:
    from rempart.identity.permissions import GRANTS, Permission, Role

    text = (ROOT / "docs" / "security" / "access-model.md").read_text(encoding="utf-8")
    for permission in Permission:
        rows = [line for line in text.splitlines() if line.startswith(f"| `{permission.value}` |")]
        assert len(rows) == 1, permission
        cells = [cell.strip() for cell in rows[0].strip("|").split("|")[1:]]
        assert cells == [
            GRANTS[role][permission].value if permission in GRANTS[role] else "" for role in Role
        ], f"docs/security/access-model.md is out of date for {permission}"


def test_the_reason_codes_doc_lists_every_reason_code() -> None:
    from rempart.rights.reasons import Reason

    text = (ROOT / "docs" / "api" / "reason-codes.md").read_text(encoding="utf-8")
    for reason in Reason:
        assert f"| `{reason.value}` | {reason.label_fr} | {reason.label_en} |" in text
