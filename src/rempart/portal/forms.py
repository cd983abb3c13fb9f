"""Form bodies of the portal's pages, read and turned into the services' requests.

Pages post `application/x-www-form-urlencoded` bodies (HTMX sends forms so). Values are
parsed here the way a French counter types them (`12,50` euros, `65` per cent); every
malformed value is an `InvalidInput` naming its field, drawn next to the form by the one
error mapping. The rules themselves (identifier formats, dates of care, line
consistency) stay with the services and their domain."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import parse_qs

from fastapi import Depends, Request

from rempart.deps import CSRF_FORM_FIELD, CSRF_FORM_STATE, CSRF_HEADER, media_type
from rempart.identity.sessions import COOKIE_NAME
from rempart.kernel.errors import InvalidInput
from rempart.kernel.money import parse_euros
from rempart.portal.formats import PARIS
from rempart.registry.domain import CareCategory
from rempart.rights.attestation import parse_attestation
from rempart.rights.domain import NOT_CARE, CareLine, apply_rate

MAX_FORM_BYTES = 64 * 1024
CARE_CATEGORIES = tuple(c for c in CareCategory if c not in NOT_CARE)
CARD_FIELDS = (
    "insured_nir",
    "birth_date",
    "birth_rank",
    "amc_number",
    "member_number",
    "agreement_type",
)
MAX_LINES = 20
Choice = TypeVar("Choice", bound=StrEnum)


class FormData:
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def get(self, name: str) -> str:
        found = self._values.get(name)
        return found[0].strip() if found else ""

    def all(self, name: str) -> list[str]:
        return [value.strip() for value in self._values.get(name, [])]

    def has(self, name: str) -> bool:
        return bool(self.get(name))


URL_ENCODED = "application/x-www-form-urlencoded"
_FORM_STATE = "portal_form"  # the body read once per request, kept for every reader
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def read_form(request: Request) -> FormData:
    """The url-encoded body (an empty one is an empty form), read once per request: the
    CSRF reader below may have read it already (a body can be streamed only once)."""
    kept = getattr(request.state, _FORM_STATE, None)
    if isinstance(kept, InvalidInput):
        raise kept
    if isinstance(kept, FormData):
        return kept
    try:
        form = await _read_body(request)
    except InvalidInput as refused:
        setattr(request.state, _FORM_STATE, refused)
        raise
    setattr(request.state, _FORM_STATE, form)
    return form


async def _read_body(request: Request) -> FormData:
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        raise InvalidInput("the form is too large")
    body = b""
    async for chunk in request.stream():  # bounded even when no length was declared
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InvalidInput("the form is too large")
    if not body:
        return FormData({})
    if media_type(request) != URL_ENCODED:
        raise InvalidInput("send the form url-encoded")
    try:
        text = body.decode("utf-8")
        values = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=400)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the form could not be read") from None
    return FormData(values)


FormDep = Annotated[FormData, Depends(read_form)]


def sent_from(request: Request) -> str:
    """The `back` field of a form already read (the page it was sent from), or ''."""
    kept = getattr(request.state, _FORM_STATE, None)
    return kept.get("back") if isinstance(kept, FormData) else ""


async def form_csrf(request: Request) -> None:
    """A form posted without JavaScript has no X-CSRF-Token header: its token travels in
    the hidden `csrf_token` field. Read before the actor is resolved (a dependency of the
    portal's routers, so it runs first) and left for `deps.get_actor`, which checks it
    exactly as it checks the header. A body that cannot be read is refused later, by the
    route's own reader, once the caller is authenticated: a stranger learns nothing."""
    if (
        request.method not in _UNSAFE
        or request.headers.get(CSRF_HEADER)
        or COOKIE_NAME not in request.cookies
        or media_type(request) != URL_ENCODED  # an upload is its route's to read, once
    ):
        return
    try:
        form = await read_form(request)
    except InvalidInput:
        return
    setattr(request.state, CSRF_FORM_STATE, form.get(CSRF_FORM_FIELD))


def text(form: FormData, name: str, *, max_length: int = 40) -> str:
    value = form.get(name)
    if not value:
        raise InvalidInput(f"{name} is required", field=name)
    if len(value) > max_length:
        raise InvalidInput(f"{name} is too long", field=name)
    return value


def integer(form: FormData, name: str, *, low: int, high: int, default: int | None = None) -> int:
    value = form.get(name)
    if not value and default is not None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidInput(f"{name} is a whole number from {low} to {high}", field=name)
    return int(value)


def day(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(form.get(name))
    except ValueError:
        raise InvalidInput(f"{name} is a date", field=name) from None


def euros(form: FormData, name: str, value: str | None = None) -> int:
    """Euros as typed at a French counter (`12,50`, `12.50`, `1 234,50`) in cents."""
    typed = form.get(name) if value is None else value
    cleaned = typed.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        cents = parse_euros(cleaned)
    except ValueError:
        raise InvalidInput(
            f"{name} is an amount in euros, two decimals at most", field=name
        ) from None
    if cents < 0:
        raise InvalidInput(f"{name} cannot be negative", field=name)
    return int(cents)


def percent(name: str, value: str) -> int:
    """A rate in per cent (`65`, `65,5`) in basis points."""
    try:
        return euros(FormData({}), name, value)  # the same decimal rules: 65,5 -> 6550
    except InvalidInput:
        raise InvalidInput(f"{name} is a rate in per cent", field=name) from None


def instant(form: FormData, name: str) -> datetime:
    """An instant as a `datetime-local` input sends it (Paris wall-clock time, the
    reader's), or ISO 8601 with its offset."""
    try:
        value = datetime.fromisoformat(form.get(name))
    except ValueError:
        raise InvalidInput(f"{name} is a date and time", field=name) from None
    return value.replace(tzinfo=PARIS) if value.tzinfo is None else value


def named(form: FormData, name: str, *, limit: int = 10_000) -> list[str]:
    """The references typed in a text area: one per line (commas and spaces also part
    them). Never echoed in a refusal: an address is personal data."""
    found = [part for value in form.all(name) for part in re.split(r"[\s,;]+", value) if part]
    if len(found) > limit:
        raise InvalidInput(f"{name}: at most {limit}", field=name)
    return found


def identifiers(form: FormData, name: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(value) for value in named(form, name)]
    except ValueError:
        raise InvalidInput(f"{name} are named by their ids (UUIDs)", field=name) from None


def choice(form: FormData, name: str, kind: type[Choice]) -> Choice:
    """One of a select's or radio group's values."""
    try:
        return kind(form.get(name))
    except ValueError:
        raise InvalidInput(f"choose the {name} from the list", field=name) from None


def identifier(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(form.get(name))
    except ValueError:
        raise InvalidInput(f"{name} is not a reference this platform issued", field=name) from None


def structure(form: FormData) -> str | None:
    """The FINESS acted for, when the person belongs to several structures."""
    return form.get("structure") or None


def categories(form: FormData) -> tuple[CareCategory, ...]:
    chosen = []
    for value in form.all("categories"):
        try:
            category = CareCategory(value)
        except ValueError:
            raise InvalidInput("choose care categories from the list", field="categories") from None
        if category in NOT_CARE:
            raise InvalidInput("choose care categories from the list", field="categories")
        chosen.append(category)
    if not chosen:
        raise InvalidInput("choose at least one care category", field="categories")
    return tuple(dict.fromkeys(chosen))


@dataclass(frozen=True)
class Card:
    """The card fields, typed or read from an attestation code."""

    insured_nir: str
    birth_date: str
    birth_rank: int
    amc_number: str
    member_number: str
    agreement_type: str


def card(form: FormData) -> Card | None:
    """From the attestation code when one was scanned, else from the typed fields; None
    when neither was given."""
    code = form.get("attestation")
    if code:
        read = parse_attestation(code)
        return Card(
            read.insured_nir,
            read.birth_date,
            read.birth_rank,
            read.amc_number,
            read.member_number,
            read.agreement_type,
        )
    if not any(form.has(name) for name in CARD_FIELDS):
        return None
    return Card(
        insured_nir=text(form, "insured_nir", max_length=21).replace(" ", ""),
        birth_date=text(form, "birth_date", max_length=8),
        birth_rank=integer(form, "birth_rank", low=1, high=9, default=1),
        amc_number=text(form, "amc_number", max_length=9),
        member_number=text(form, "member_number", max_length=20),
        agreement_type=text(form, "agreement_type", max_length=8),
    )


LINE_FIELDS = (
    "line_category",
    "line_code",
    "line_quantity",
    "line_unit_price",
    "line_unit_br",
    "line_amo_rate",
    "line_amo",
    "line_franchise",
)


@dataclass(frozen=True)
class TypedLine:
    """A line as typed (kept to fill the next form with it)."""

    category: str
    code: str
    quantity: str
    unit_price: str
    unit_br: str
    amo_rate: str
    amo: str
    franchise: str


def typed_lines(form: FormData) -> list[TypedLine]:
    columns = [form.all(name) for name in LINE_FIELDS]
    count = max((len(column) for column in columns), default=0)
    rows = [
        TypedLine(*(column[i] if i < len(column) else "" for column in columns))
        for i in range(min(count, MAX_LINES))
    ]
    return [row for row in rows if row.code]


def care_lines(form: FormData) -> tuple[CareLine, ...]:
    """The lines with a code (blank rows are left out). The AMO amount, when left blank,
    is the base rate times the AMO rate (`CareLine.amo_cents`' definition), rounded the
    calculation's one way."""
    lines = []
    for row in typed_lines(form):
        try:
            category = CareCategory(row.category)
        except ValueError:
            raise InvalidInput("choose the line's care category", field="line_category") from None
        quantity = integer(
            FormData({"line_quantity": [row.quantity]}), "line_quantity", low=1, high=999
        )
        unit_price = euros(form, "line_unit_price", row.unit_price)
        unit_br = euros(form, "line_unit_br", row.unit_br)
        rate = percent("line_amo_rate", row.amo_rate)
        amo = euros(form, "line_amo", row.amo) if row.amo else apply_rate(unit_br * quantity, rate)
        franchise = euros(form, "line_franchise", row.franchise) if row.franchise else 0
        lines.append(
            CareLine(
                category=category,
                code=row.code,
                quantity=quantity,
                unit_price_cents=unit_price,
                unit_br_cents=unit_br,
                amo_rate_bp=rate,
                amo_cents=amo,
                franchise_cents=franchise,
            )
        )
    if not lines:
        raise InvalidInput("give at least one line with its code", field="line_code")
    return tuple(lines)
