"""A plain PDF report layout with fpdf2: a title, labelled facts, totals, and a table whose
heading repeats on every page, "Page n/N" at the foot. It knows nothing of payments;
`documents` maps remittance advices and settlement statements onto it.

The standard PDF fonts (Helvetica here) need no font file and cover the Windows-1252
repertoire, which holds every French letter, "œ", "€" and typographic quotes. Text
outside it is reduced to its base letters, or "?" when there is none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from fpdf import FPDF
from fpdf.fonts import FontFace

_ENCODING = "windows-1252"
_FONT = "Helvetica"

Align = Literal["LEFT", "RIGHT", "CENTER"]


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # relative to the other columns
    align: Align = "LEFT"


@dataclass(frozen=True)
class Report:
    title: str
    reference: str  # printed in every page's footer, beside the page number
    issued_on: date  # the PDF's creation date, so that the same report gives the same bytes
    facts: Sequence[tuple[str, str]]
    totals: Sequence[tuple[str, str]]
    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]
    empty_table: str = "Aucune ligne."


def printable(text: str) -> str:
    """`text` in the standard fonts' repertoire: control characters become spaces,
    characters outside Windows-1252 lose their accents or become "?"."""
    out = []
    for char in text:
        if unicodedata.category(char).startswith("C"):
            out.append(" ")
            continue
        try:
            char.encode(_ENCODING)
        except UnicodeEncodeError:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            try:
                base.encode(_ENCODING)
            except UnicodeEncodeError:
                base = ""
            out.append(base or "?")
        else:
            out.append(char)
    return "".join(out)


class _Pdf(FPDF):
    def __init__(self, reference: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._reference = reference
        self.core_fonts_encoding = _ENCODING
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(_FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 5, self._reference, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="R")


def render(report: Report) -> bytes:
    pdf = _Pdf(printable(report.reference))
    pdf.set_creation_date(datetime.combine(report.issued_on, time(0), tzinfo=UTC))
    pdf.set_title(printable(report.title))
    pdf.set_author("Rempart")
    pdf.set_creator("Rempart")
    pdf.set_lang("fr")
    pdf.add_page()

    pdf.set_font(_FONT, style="B", size=16)
    pdf.cell(0, 10, printable(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _pairs(pdf, report.facts, bold_values=False)
    pdf.ln(3)
    _pairs(pdf, report.totals, bold_values=True)
    pdf.ln(5)
    _table(pdf, report)
    return bytes(pdf.output())


def _pairs(pdf: FPDF, pairs: Sequence[tuple[str, str]], *, bold_values: bool) -> None:
    for label, value in pairs:
        pdf.set_font(_FONT, size=10)
        pdf.cell(60, 6, printable(f"{label} :"))
        pdf.set_font(_FONT, style="B" if bold_values else "", size=10)
        pdf.multi_cell(0, 6, printable(value), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, report: Report) -> None:
    pdf.set_font(_FONT, size=8)
    if not report.rows:
        pdf.set_font(_FONT, style="I", size=10)
        pdf.cell(0, 6, printable(report.empty_table), new_x="LMARGIN", new_y="NEXT")
        return
    widths = tuple(column.width for column in report.columns)
    aligns = tuple(column.align for column in report.columns)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
        line_height=4.5,
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for column in report.columns:
            heading.cell(printable(column.label))
        for values in report.rows:
            row = table.row()
            for value in values:
                row.cell(printable(value))
