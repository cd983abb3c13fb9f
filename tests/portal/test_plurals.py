"""Counts in the portal's summaries agree with their nouns: "1 vérification", never
"1 vérifications" (French keeps 0 and 1 singular, English only 1)."""

from __future__ import annotations

import re

import pytest

from rempart.portal.messages import Translator, catalogue, plural


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("fr", 0, "alerte"),
        ("fr", 1, "alerte"),
        ("fr", 2, "alertes"),
        ("en", 0, "alertes"),
        ("en", 1, "alerte"),
        ("en", 2, "alertes"),
    ],
)
def test_the_word_agrees_with_the_count(lang: str, count: int, expected: str) -> None:
    assert plural(lang, count, "alerte", "alertes") == expected


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("fr", 1, "1 vérification en 24 heures, au plus 1 en une heure."),
        ("fr", 3, "3 vérifications en 24 heures, au plus 1 en une heure."),
        ("en", 1, "1 check in 24 hours, at most 1 in one hour."),
        ("en", 0, "0 checks in 24 hours, at most 1 in one hour."),
    ],
)
def test_a_summary_agrees(lang: str, count: int, expected: str) -> None:
    assert Translator(lang)("activity.checks.summary", total=count, peak=1) == expected


def test_an_import_report_agrees_word_by_word() -> None:
    said = Translator("fr")(
        "insurer.imports.done_text", lines=1, created=1, updated=0, unchanged=2, rejected=0
    )
    assert said == "1 ligne lue : 1 créée, 0 modifiée, 2 inchangées, 0 rejetée."


def test_a_template_can_ask_for_the_word() -> None:
    assert Translator("fr").plural(1, "ligne", "lignes") == "ligne"
    assert Translator("en").plural(0, "line", "lines") == "lines"


# A count written straight before a plural noun: "{total} vérifications".
_BARE_COUNT = re.compile(r"\{(\w+)\} (?!\{\1:)[^\s{]*[sx]\b")
_INVARIABLE = {"mois"}  # the same word in the singular


def test_no_message_writes_a_count_before_a_plural_it_does_not_choose() -> None:
    bare = [
        (key, text)
        for key, texts in catalogue().items()
        for text in texts
        for match in _BARE_COUNT.finditer(text)
        if match.group(0).split(" ", 1)[1] not in _INVARIABLE
    ]
    assert not bare, bare


def test_every_plural_choice_has_two_forms() -> None:
    for key, texts in catalogue().items():
        for text in texts:
            for spec in re.findall(r"\{\w+:([^}]*)\}", text):
                one, many = spec.split("|")
                assert one, key
                assert many, key
