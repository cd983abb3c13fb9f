"""The EPC rules a SEPA file must follow beyond the ISO 20022 schema, checked before any
XML is built: the SEPA Latin character set, lengths, identifiers, amounts, bank details.

Every refusal is a `SepaFileError` naming the field (with its position in the batch, such
as `transfers[3].creditor.iban`) and the rule broken, never the value: names, IBANs and
mandate references are personal or banking data, and these messages reach logs.
"""

from __future__ import annotations

import re
import unicodedata

from rempart.kernel.errors import InvalidIdentifier, InvalidInput
from rempart.kernel.identifiers import Iban, parse_bic
from rempart.kernel.money import Cents, format_euros


class SepaFileError(InvalidInput):
    """A SEPA file cannot be produced from the input, or a file breaks its schema."""

    code = "invalid-sepa-input"
    title = "A payment file cannot be built from this input"


# EPC "Basic Latin" set (SEPA Rulebooks, section on the character set): what every bank
# of the scheme must accept. Anything else may be refused or mangled on the way.
SEPA_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")

# Characters NFKD does not reduce to the set, mapped by hand. Accented letters (é, à, ç,
# ô, ë...) need no entry: NFKD splits them into a base letter and a combining mark, and
# the mark is dropped.
_TRANSLITERATION = str.maketrans(
    {
        "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O",
        "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D",
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "`": "'", "\u00b4": "'",
        "\u201c": "'", "\u201d": "'", "\u201e": "'", "«": "'", "»": "'", '"': "'",
        "&": "+", "_": "-", ";": ",", "!": ".", "*": ".", "#": "-",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "°": "o", "€": "EUR", "\u2026": "...",
        "\t": " ", "\n": " ", "\r": " ", "\xa0": " ", "\u202f": " ", "\u2009": " ",
    }
)  # fmt: skip

_SPACES = re.compile(r" {2,}")

NAME_MAX = 70  # EPC: Name, Max70Text
REMITTANCE_MAX = 140  # EPC: one unstructured remittance line, Max140Text
IDENTIFIER_MAX = 35  # Max35Text: message, payment information, end-to-end, mandate ids
# EPC: from EUR 0.01 to EUR 999,999,999.99 a transaction.
AMOUNT_MAX_CENTS = 99_999_999_999


def transliterate(text: str) -> str:
    """Map `text` onto the SEPA Latin set where a faithful spelling exists: accents are
    dropped ("Pharmacie de l'Étoile" -> "Pharmacie de l'Etoile"), ligatures spelt out
    ("Cœur" -> "Coeur"), typographic quotes and dashes made plain, "&" written "+".
    Whitespace is collapsed and trimmed. What remains outside the set is left in place
    for `sepa_text` to refuse."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # NFKD can itself produce characters of the table (a compatibility form of a quote).
    return _SPACES.sub(" ", stripped.translate(_TRANSLITERATION)).strip()


def sepa_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """A free text (name, remittance information), transliterated and checked."""
    text = transliterate(value)
    if not text:
        if required:
            raise SepaFileError(f"{field} must not be empty", field=field)
        return text
    for position, char in enumerate(text, start=1):
        if char not in SEPA_LATIN:
            raise SepaFileError(
                f"{field} has a character outside the SEPA Latin set at position {position} "
                "with no transliteration (allowed: letters a-z, digits, space "
                "and / - ? : ( ) . , ' +)",
                field=field,
            )
    if len(text) > max_length:
        raise SepaFileError(
            f"{field} is longer than {max_length} characters (after transliteration)",
            field=field,
        )
    return text


def sepa_identifier(value: str, *, field: str, max_length: int = IDENTIFIER_MAX) -> str:
    """An identifier (message, end-to-end, mandate): never transliterated, since changing
    it would change what it identifies. 1 to 35 characters of the SEPA Latin set without
    spaces, neither starting nor ending with "/" and without "//" (EPC rule)."""
    if not value:
        raise SepaFileError(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise SepaFileError(f"{field} is longer than {max_length} characters", field=field)
    if any(char not in SEPA_LATIN or char == " " for char in value):
        raise SepaFileError(
            f"{field} may hold only letters a-z, digits and / - ? : ( ) . , ' + (no spaces, "
            "no accents)",
            field=field,
        )
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise SepaFileError(f"{field} must not start or end with '/' nor contain '//'", field=field)
    return value


def sepa_amount(value: int, *, field: str) -> str:
    """Cents as the XML amount, "123.45", after the scheme's bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise SepaFileError(f"{field} must be an integer number of cents", field=field)
    if value <= 0:
        raise SepaFileError(f"{field} must be positive", field=field)
    if value > AMOUNT_MAX_CENTS:
        raise SepaFileError(f"{field} exceeds the SEPA maximum of 999999999.99", field=field)
    return format_euros(Cents(value))


def sepa_iban(value: str, *, field: str) -> str:
    """The IBAN, compact and upper-case, after the kernel's checks (SEPA country, length,
    BBAN structure, ISO 7064 check digits, French RIB key), which schwifty checks in the
    kernel's tests."""
    try:
        return Iban.parse(value, field=field).value
    except InvalidIdentifier as error:
        raise SepaFileError(error.message, field=field) from None


def sepa_bic(value: str, *, field: str) -> str:
    try:
        return parse_bic(value, field=field)
    except InvalidIdentifier as error:
        raise SepaFileError(error.message, field=field) from None


_CREDITOR_ID = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}")


def creditor_identifier_check_digits(country: str, national_id: str) -> str:
    """ISO 7064 mod 97-10 over the national identifier and the country code, the 3-letter
    business code left out (EPC262-08, creditor identifier structure)."""
    digits = "".join(str(int(char, 36)) for char in national_id + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def sepa_creditor_identifier(value: str, *, field: str) -> str:
    """The SEPA creditor identifier (ICS in France, e.g. FR + 2 check digits + ZZZ + 6
    characters): shape and check digits."""
    text = value.replace(" ", "").upper()
    if len(text) > IDENTIFIER_MAX or not _CREDITOR_ID.fullmatch(text):
        raise SepaFileError(
            f"{field} must be a country code, 2 check digits, a 3-character business code "
            "and the national identifier",
            field=field,
        )
    if text[:2] == "FR" and len(text) != 13:
        raise SepaFileError(f"{field} must be 13 characters for France", field=field)
    if creditor_identifier_check_digits(text[:2], text[7:]) != text[2:4]:
        raise SepaFileError(f"{field} check digits do not match (ISO 7064 mod 97-10)", field=field)
    return text
