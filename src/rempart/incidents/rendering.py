"""Renderings of the incident documents: HTML (Jinja2, autoescaped), PDF (fpdf2, the
standard fonts, like the payment documents) and the mail-merge CSV. Bytes in, bytes out;
no storage, no person looked up here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from rempart.audit.domain import Category
from rempart.incidents.notices import Document, categories_fr, day
from rempart.payments.documents_pdf import printable

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=False,
)
_FONT = "Helvetica"


def html(documents: Sequence[Document], *, title: str) -> bytes:
    """One HTML file holding the documents, one per printed page."""
    template = _TEMPLATES.get_template("documents.html")
    return template.render(title=title, documents=documents).encode("utf-8")


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.reference = ""

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(_FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 5, printable(self.reference), align="L")
        self.set_text_color(0)


def pdf(documents: Iterable[Document], *, title: str, issued_on: date) -> bytes:
    """The documents as one PDF, each starting on a new page (the same bytes for the
    same documents and day)."""
    out = _Pdf()
    out.set_creation_date(datetime.combine(issued_on, time(0), tzinfo=UTC))
    out.set_title(printable(title))
    out.set_author("Rempart")
    out.set_creator("Rempart")
    out.set_lang("fr")
    for document in documents:
        out.reference = document.reference
        out.add_page()
        _document(out, document)
    if out.page_no() == 0:
        out.add_page()
    return bytes(out.output())


def _document(out: FPDF, document: Document) -> None:
    width = out.w - out.l_margin - out.r_margin
    out.set_font(_FONT, style="B", size=14)
    out.multi_cell(width, 7, printable(document.title), new_x="LMARGIN", new_y="NEXT")
    out.set_font(_FONT, size=9)
    out.set_text_color(90)
    out.multi_cell(width, 5, printable(document.reference), new_x="LMARGIN", new_y="NEXT")
    out.set_text_color(0)
    for section in document.sections:
        out.ln(3)
        if section.heading:
            out.set_font(_FONT, style="B", size=11)
            out.multi_cell(width, 6, printable(section.heading), new_x="LMARGIN", new_y="NEXT")
        out.set_font(_FONT, size=10)
        for paragraph in section.paragraphs:
            out.multi_cell(width, 5, printable(paragraph), new_x="LMARGIN", new_y="NEXT")
            out.ln(1)
        for item in section.items:
            out.set_x(out.l_margin + 4)
            out.multi_cell(width - 4, 5, printable(f"- {item}"), new_x="LMARGIN", new_y="NEXT")
        for label, value in section.rows:
            out.set_font(_FONT, size=10)
            out.cell(62, 5, printable(f"{label} :"))
            out.set_font(_FONT, style="B", size=10)
            out.multi_cell(width - 62, 5, printable(value), new_x="LMARGIN", new_y="NEXT")
        out.set_font(_FONT, size=10)


# -- the mail-merge file ----------------------------------------------------------------------

MAIL_MERGE_COLUMNS = (
    "reference_courrier",
    "numero_amc",
    "numero_adherent",
    "date_naissance_carte",
    "rang_naissance",
    "premiere_consultation",
    "derniere_consultation",
    "consultations",
    "donnees_vues",
)


@dataclass(frozen=True, slots=True)
class MailMergeLine:
    """One letter and what the insurer needs to find its addressee in its own member file:
    the card key (member number, birth date as on the card, birth rank), never a name."""

    letter_ref: str
    amc: str
    member_number: str
    birth_date: str
    birth_rank: int
    first_at: datetime
    last_at: datetime
    records: int
    categories: frozenset[Category]


def mail_merge_csv(lines: Iterable[MailMergeLine]) -> bytes:
    """UTF-8 with a byte order mark and semicolons: what French office suites open as
    columns. Cells starting with a formula character are quoted with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(MAIL_MERGE_COLUMNS)
    for line in lines:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    line.letter_ref,
                    line.amc,
                    line.member_number,
                    line.birth_date,
                    str(line.birth_rank),
                    day(line.first_at),
                    day(line.last_at),
                    str(line.records),
                    categories_fr(line.categories),
                )
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
