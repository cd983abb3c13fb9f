"""docs/formats/payments.md stays true to the code: columns, examples, the README's link."""

from __future__ import annotations

import re
from pathlib import Path

from rempart.payments.documents import ADVICE_COLUMNS, STATEMENT_COLUMNS
from rempart.payments.sepa import DirectDebitScheme, SequenceType
from rempart.payments.sepa_rules import transliterate

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "formats" / "payments.md"


def test_every_csv_column_is_documented_in_its_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    advice, statement = text.split("## Settlement statement")
    for columns, section in ((ADVICE_COLUMNS, advice), (STATEMENT_COLUMNS, statement)):
        for column in columns:
            assert re.search(rf"^\| [^|]*`{column}`", section, re.MULTILINE), column


def test_the_sepa_options_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for option in (*SequenceType, *DirectDebitScheme):
        assert f"`{option.value}`" in text, option


def test_the_documented_transliterations_hold() -> None:
    text = DOC.read_text(encoding="utf-8")
    pairs = re.findall(r"`([^`]+)`\s+→\s+`([^`]+)`", text)
    assert len(pairs) >= 10
    for raw, expected in pairs:
        assert transliterate(raw) == expected, raw


def test_links_resolve_and_the_readme_lists_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert (DOC.parent / target).is_file(), target
    assert "(docs/formats/payments.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
