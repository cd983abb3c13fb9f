"""The portal's framework: languages, the message catalogue, formats, form reading, the
assets it serves (vendored htmx, no inline script or style anywhere), and where a page
may send a person back to."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from rempart.audit.domain import Category
from rempart.claims.domain import InvoiceStatus, LineStatus
from rempart.demo.personas import PERSONAS
from rempart.identity.permissions import Channel, Role
from rempart.incidents.domain import Kind as IncidentKind
from rempart.incidents.domain import Status as IncidentStatus
from rempart.kernel.errors import InvalidInput
from rempart.portal import forms
from rempart.portal.formats import Formats
from rempart.portal.messages import LANGUAGES, Translator, catalogue
from rempart.portal.rendering import local_path, negotiate
from rempart.registry.domain import (
    CareCategory,
    Profession,
    RightsStatus,
    RuleKind,
    StructureKind,
)
from rempart.rights.eligibility import CheckStatus
from rempart.rights.reasons import Reason

PORTAL = Path(__file__).parents[2] / "src" / "rempart" / "portal"
TEMPLATES = PORTAL / "templates"
STATIC = PORTAL / "static"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "fr"),
        ("fr-FR,fr;q=0.9", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9", "fr"),
        ("de,en;q=0.5", "en"),
        ("fr;q=0.4,en;q=0.8", "en"),
        ("en;q=nonsense,fr", "fr"),
    ],
)
def test_the_language_follows_the_browser_and_defaults_to_french(
    header: str, expected: str
) -> None:
    assert negotiate(header) == expected


def test_every_message_has_both_languages() -> None:
    for key, texts in catalogue().items():
        assert len(texts) == len(LANGUAGES), key
        assert all(text.strip() for text in texts), key


def _template_keys() -> set[str]:
    keys: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        keys |= set(re.findall(r"""\bt\(\s*["']([^"'~]+)["']\s*[,)]""", template.read_text()))
    return keys


def test_every_key_a_template_names_is_in_the_catalogue() -> None:
    keys = _template_keys()
    assert len(keys) > 100
    assert not keys - set(catalogue()), sorted(keys - set(catalogue()))


def test_dynamic_keys_cover_their_domain() -> None:
    """Keys templates build from a domain value (`"role." ~ actor.role`): each value of
    each enumeration has its words."""
    messages = catalogue()
    families = {
        "category": CareCategory,
        "role": Role,
        "check": CheckStatus,
        "kind": RuleKind,
        "invoice.status": InvoiceStatus,
        "line.status": LineStatus,
        "period": RightsStatus,
        "structure": StructureKind,
        "profession": Profession,
        "channel": Channel,
        "data": Category,
        "incident.status": IncidentStatus,
        "incident.kind": IncidentKind,
    }
    for prefix, values in families.items():
        for value in values:
            assert f"{prefix}.{value.value}" in messages, (prefix, value)
    for persona in PERSONAS:
        assert f"persona.{persona.key}.name" in messages
        assert f"persona.{persona.key}.what" in messages
    t = Translator("en")
    assert t.reason(Reason.RIGHTS_CLOSED) == Reason.RIGHTS_CLOSED.label_en
    assert t.rule("COV-PERCENT-BR").startswith("Percentage")
    assert t.field("unheard_of") == "unheard_of"  # an unknown field shows its name
    assert t.problem_title("no-such-code", 503) == messages["problem.status.5xx"][1]


def test_amounts_dates_and_rates_read_as_each_language_writes_them() -> None:
    fr, en = Formats("fr"), Formats("en")
    assert fr.euros(123456) == "1\u202f234,56\u202f€"
    assert en.euros(-5) == "-€0.05"
    assert fr.day(date(2026, 3, 7)) == "07/03/2026"
    assert en.day(date(2026, 3, 7)) == "7 Mar 2026"
    assert fr.instant(datetime(2026, 7, 1, 8, 5, tzinfo=UTC)) == "01/07/2026 10:05"  # Paris
    assert fr.rate(6550) == "65,50\u202f%"
    assert en.rate(20000) == "200%"


def test_amounts_are_read_as_a_counter_types_them() -> None:
    form = forms.FormData({"a": ["1 234,50"], "b": ["12.5"], "c": ["12,345"], "d": ["abc"]})
    assert forms.euros(form, "a") == 123450
    assert forms.euros(form, "b") == 1250
    for name in ("c", "d"):
        with pytest.raises(InvalidInput) as refused:
            forms.euros(form, name)
        assert refused.value.field == name
    assert forms.percent("rate", "65") == 6500


def test_blank_line_rows_are_left_out_and_the_amo_share_defaults_to_its_definition() -> None:
    form = forms.FormData(
        {
            "line_category": ["pharmacy_65", "pharmacy_65"],
            "line_code": ["3400930000001", ""],
            "line_quantity": ["3", "1"],
            "line_unit_price": ["2,10", ""],
            "line_unit_br": ["2,10", ""],
            "line_amo_rate": ["65", ""],
        }
    )
    (line,) = forms.care_lines(form)
    assert (line.quantity, line.unit_price_cents, line.amo_cents) == (3, 210, 410)  # 6,30 x 65 %
    with pytest.raises(InvalidInput):
        forms.care_lines(forms.FormData({"line_code": [""]}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/pro/invoices", "/pro/invoices"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ],
)
def test_the_language_switch_returns_to_this_site_only(value: str, expected: str) -> None:
    assert local_path(value) == expected


def test_the_vendored_htmx_is_the_pinned_release() -> None:
    vendored = (STATIC / "vendor" / "htmx.min.js").read_bytes()
    assert hashlib.sha256(vendored).hexdigest() == HTMX_SHA256
    assert b'version:"2.0.11"' in vendored


def test_no_inline_script_or_style_in_any_template() -> None:
    """The CSP (default-src 'self') would block them: everything lives in static files."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert "<style" not in text, template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template  # no inline handlers
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S):
            assert 'src="/static/' in attributes, template
            assert not body.strip(), template
        assert "hx-on" not in text, template  # nothing that needs eval
        assert "js:" not in text, template


def test_every_key_a_table_macro_builds_is_in_the_catalogue() -> None:
    """`data_table(rows, "name", "keys", [columns])` names its texts by stem and column:
    the caption, the sentence for no rows and each column's heading."""
    call = re.compile(r"""data_table\(\w+, "[\w-]+", "([\w.]+)", \[([^\]]*)\]""")
    built: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        for stem, columns in call.findall(template.read_text()):
            built |= {f"{stem}.caption", f"{stem}.none"}
            built |= {stem + "." + c.strip(' "') for c in columns.split(",")}
    assert len(built) > 30
    assert not built - set(catalogue()), sorted(built - set(catalogue()))
