"""Identifiers read from cards, directories and bank details, as validated value types.

Every parser raises `InvalidIdentifier` naming the field and the rule broken, never the
value itself (it may be a NIR). The arithmetic is written here, without third-party
imports, and the tests check it against python-stdnum and schwifty as oracles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rempart.kernel.countries import ISO_3166_ALPHA2
from rempart.kernel.errors import InvalidIdentifier

_SPACES = re.compile(r"[\s.\-]")


def _compact(raw: str) -> str:
    """Drop spaces (including the no-break spaces of pasted text), dots and hyphens, then
    upper-case. Non-ASCII text is left as it is so that the ASCII-only shapes below reject
    it: upper-casing the "fi" ligature or "ß" would forge ASCII letters, and `\\d` or
    `str.isdigit` would let Arabic-Indic digits or superscripts through."""
    # Fast path: a value already compact (what files carry) skips the regular expression.
    text = raw if raw.isalnum() else _SPACES.sub("", raw)
    return text.upper() if text.isascii() else text


def _is_digits(text: str) -> bool:
    """Only ASCII 0-9 (`str.isdigit` also accepts "²" and "٣")."""
    return bool(text) and text.isascii() and text.isdigit()


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit to append to `digits` (RPPS, SIRET, FINESS)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(digits: str) -> bool:
    """True when the last digit is the Luhn digit of the others; False for anything but
    ASCII digits (including the empty string)."""
    return _is_digits(digits) and luhn_check_digit(digits[:-1]) == digits[-1]


# --- NIR -------------------------------------------------------------------------------

_NIR_SHAPE = re.compile(r"[1278][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}")


def nir_number(first13: str) -> int:
    """The 13 characters as a number, Corsica's 2A and 2B read as 19 and 18."""
    return int(first13.replace("2A", "19").replace("2B", "18"))


def nir_key(first13: str) -> str:
    return f"{97 - nir_number(first13) % 97:02d}"


@dataclass(frozen=True, slots=True)
class Nir:
    """A NIR with its key, 15 characters, compacted and upper-case."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "nir") -> Nir:
        text = _compact(raw)
        if len(text) != 15:
            raise InvalidIdentifier(f"{field} must be 13 characters and a 2-digit key", field=field)
        if not _NIR_SHAPE.fullmatch(text):
            raise InvalidIdentifier(
                f"{field} has an impossible shape (sex 1, 2, 7 or 8; digits; "
                "department 2A/2B allowed)",
                field=field,
            )
        if not _nir_month_valid(text[3:5]):
            raise InvalidIdentifier(f"{field} has an impossible month of birth", field=field)
        if nir_key(text[:13]) != text[13:]:
            raise InvalidIdentifier(f"{field} key does not match (97 - N mod 97)", field=field)
        return cls(text)

    @property
    def is_provisional(self) -> bool:
        return self.value[0] in "78"

    @property
    def department(self) -> str:
        """2 characters, or 3 digits for overseas departments (97x, 98x)."""
        return self.value[5:8] if self.value[5:7] in ("97", "98") else self.value[5:7]

    def __repr__(self) -> str:  # never leak the number into logs or tracebacks
        return "Nir(<redacted>)"

    def __str__(self) -> str:
        return self.value


def nir_shape_pattern() -> re.Pattern[str]:
    """The shape `Nir.parse` requires of 15 compact characters, for callers that match
    whole records at once (then `nir_checks_out` on what matched)."""
    return _NIR_SHAPE


def nir_checks_out(text: str) -> bool:
    """Month and key as `Nir.parse` checks them, for 15 characters already of its shape:
    True exactly when `Nir.parse(text)` would return `Nir(text)`."""
    # `int` of the two key digits equals the key `nir_key` writes with two digits.
    return _nir_month_valid(text[3:5]) and 97 - nir_number(text[:13]) % 97 == int(text[13:])


def _nir_month_valid(month: str) -> bool:
    number = int(month)
    # 01-12; 20-42 and 50-99 are used when the month is unknown or the record is provisional.
    return 1 <= number <= 12 or 20 <= number <= 42 or number >= 50


# --- Birth date as on the card ---------------------------------------------------------

_BIRTH_DATE_SHAPE = re.compile(r"[0-9]{8}")


@dataclass(frozen=True, slots=True)
class BirthDateOnCard:
    """`YYYYMMDD` exactly as printed: may be "lunar" (month or day 00, or out of range).

    Deliberately not a `date`: converting would lose or reject what the card says.
    """

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "birth_date") -> BirthDateOnCard:
        text = raw.strip()
        if not _BIRTH_DATE_SHAPE.fullmatch(text):
            raise InvalidIdentifier(f"{field} must be 8 digits, YYYYMMDD", field=field)
        year = int(text[:4])
        if not 1850 <= year <= 2199:
            raise InvalidIdentifier(f"{field} has an impossible year", field=field)
        return cls(text)

    @property
    def is_lunar(self) -> bool:
        from datetime import date

        try:
            date(int(self.value[:4]), int(self.value[4:6]), int(self.value[6:]))
        except ValueError:
            return True
        return False

    def __repr__(self) -> str:
        return "BirthDateOnCard(<redacted>)"

    def __str__(self) -> str:
        return self.value


def parse_birth_rank(raw: str | int, *, field: str = "birth_rank") -> int:
    text = str(raw).strip()
    if len(text) != 1 or text not in "123456789":
        raise InvalidIdentifier(f"{field} must be a single digit from 1 to 9", field=field)
    return int(text)


# --- Professionals, structures, insurers -----------------------------------------------


def _digits(raw: str, length: int, field: str, label: str) -> str:
    text = _compact(raw)
    if len(text) != length or not _is_digits(text):
        raise InvalidIdentifier(f"{field} must be {length} digits ({label})", field=field)
    return text


def parse_rpps(raw: str, *, field: str = "rpps") -> str:
    text = _digits(raw, 11, field, "RPPS")
    if not luhn_valid(text):
        raise InvalidIdentifier(f"{field} check digit does not match (Luhn)", field=field)
    return text


_LA_POSTE_HEAD_OFFICE = "35600000000048"


def parse_siret(raw: str, *, field: str = "siret") -> str:
    text = _digits(raw, 14, field, "SIRET")
    # La Poste's establishments (SIREN 356000000) use a digit-sum rule instead of Luhn,
    # except its head office, whose SIRET is an ordinary Luhn number.
    if text.startswith("356000000") and text != _LA_POSTE_HEAD_OFFICE:
        if sum(int(c) for c in text) % 5 != 0:
            raise InvalidIdentifier(f"{field} check digit does not match", field=field)
    elif not luhn_valid(text):
        raise InvalidIdentifier(f"{field} check digit does not match (Luhn)", field=field)
    # The first 9 digits are the company's SIREN, which carries its own Luhn digit.
    if not luhn_valid(text[:9]):
        raise InvalidIdentifier(f"{field} SIREN check digit does not match (Luhn)", field=field)
    return text


_FINESS_SHAPE = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{7}")


def parse_finess(raw: str, *, field: str = "finess") -> str:
    """9 characters, Luhn over the first 8; Corsica's 2A/2B count as 20.

    Kept tolerant: the directory holds a few historical numbers whose check digit follows
    other rules, so a Corsican number is accepted when it passes with 2A/2B read as either
    20 or 19/18.
    """
    text = _compact(raw)
    if len(text) != 9 or not _FINESS_SHAPE.fullmatch(text):
        raise InvalidIdentifier(f"{field} must be 9 characters (2A/2B allowed)", field=field)
    readings = [text.replace("2A", "20").replace("2B", "20")]
    if text[:2] in ("2A", "2B"):
        readings.append(text.replace("2A", "19").replace("2B", "18"))
    if not any(luhn_check_digit(r[:8]) == r[8] for r in readings):
        raise InvalidIdentifier(f"{field} check digit does not match (Luhn)", field=field)
    return text


def parse_amc_number(raw: str, *, field: str = "amc_number") -> str:
    return _digits(raw, 9, field, "AMC number")


# --- Bank details ----------------------------------------------------------------------

# ISO 13616 lengths for the SEPA area, which is where a French platform pays.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}  # fmt: skip

# The BBAN's structure per country, in the registry's notation (n digits, a upper-case
# letters, c letters or digits; "!" fixed length). Four characters plus these make
# IBAN_LENGTHS.
_BBAN_FORMATS: dict[str, str] = {
    "AD": "4!n4!n12!c", "AT": "5!n11!n", "BE": "3!n7!n2!n", "BG": "4!a4!n2!n8!c",
    "CH": "5!n12!c", "CY": "3!n5!n16!c", "CZ": "4!n6!n10!n", "DE": "8!n10!n",
    "DK": "4!n9!n1!n", "EE": "2!n2!n11!n1!n", "ES": "4!n4!n1!n1!n10!n", "FI": "3!n11!n",
    "FR": "5!n5!n11!c2!n", "GB": "4!a6!n8!n", "GI": "4!a15!c", "GR": "3!n4!n16!c",
    "HR": "7!n10!n", "HU": "3!n4!n1!n15!n1!n", "IE": "4!a6!n8!n", "IS": "4!n2!n6!n10!n",
    "IT": "1!a5!n5!n12!c", "LI": "5!n12!c", "LT": "5!n11!n", "LU": "3!n13!c",
    "LV": "4!a13!c", "MC": "5!n5!n11!c2!n", "MT": "4!a5!n18!c", "NL": "4!a10!n",
    "NO": "4!n6!n1!n", "PL": "8!n16!n", "PT": "4!n4!n11!n2!n", "RO": "4!a16!c",
    "SE": "3!n16!n1!n", "SI": "5!n8!n2!n", "SK": "4!n6!n10!n", "SM": "1!a5!n5!n12!c",
    "VA": "3!n15!n",
}  # fmt: skip

_BBAN_CLASSES = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}


def _bban_pattern(spec: str) -> re.Pattern[str]:
    parts = re.findall(r"([0-9]+)!([nac])", spec)
    return re.compile("".join(f"{_BBAN_CLASSES[kind]}{{{count}}}" for count, kind in parts))


_BBAN_PATTERNS = {country: _bban_pattern(spec) for country, spec in _BBAN_FORMATS.items()}


def _iban_mod97(text: str) -> int:
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def iban_check_digits(country: str, bban: str) -> str:
    return f"{98 - _iban_mod97(country + '00' + bban):02d}"


_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def rib_key(bank: str, branch: str, account: str) -> str:
    """The French BBAN's own key (clé RIB) over bank, branch and account codes."""
    numeric = (bank + branch + account).upper().translate(_RIB_LETTERS)
    bank_n, branch_n, account_n = int(numeric[:5]), int(numeric[5:10]), int(numeric[10:21])
    return f"{97 - (89 * bank_n + 15 * branch_n + 3 * account_n) % 97:02d}"


_FR_LIKE = ("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "NC", "PF", "PM", "TF", "WF", "BL", "MF")


_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")


@dataclass(frozen=True, slots=True)
class Iban:
    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "iban") -> Iban:
        text = _compact(raw)
        if not _IBAN_SHAPE.fullmatch(text):
            raise InvalidIdentifier(
                f"{field} must be a country code, 2 digits and the BBAN", field=field
            )
        expected = IBAN_LENGTHS.get(text[:2])
        if expected is None:
            raise InvalidIdentifier(f"{field} country is outside the SEPA area", field=field)
        if len(text) != expected:
            raise InvalidIdentifier(
                f"{field} must be {expected} characters for its country", field=field
            )
        if not _BBAN_PATTERNS[text[:2]].fullmatch(text[4:]):
            raise InvalidIdentifier(
                f"{field} account part (BBAN) has the wrong structure for its country",
                field=field,
            )
        # Comparing with the computed digits, not testing "mod 97 == 1": the latter also
        # passes the aliases 00, 01 and 99, which ISO 13616 never issues.
        if iban_check_digits(text[:2], text[4:]) != text[2:4]:
            raise InvalidIdentifier(
                f"{field} check digits do not match (ISO 7064 mod 97)", field=field
            )
        if text[:2] in _FR_LIKE:
            bban = text[4:]
            if rib_key(bban[:5], bban[5:10], bban[10:21]) != bban[21:23]:
                raise InvalidIdentifier(
                    f"{field} national key (clé RIB) does not match", field=field
                )
        return cls(text)

    def __repr__(self) -> str:
        return "Iban(<redacted>)"

    def __str__(self) -> str:
        return self.value


_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def parse_bic(raw: str, *, field: str = "bic") -> str:
    text = _compact(raw)
    if not _BIC_SHAPE.fullmatch(text):
        raise InvalidIdentifier(
            f"{field} must be 8 or 11 characters: bank, country, location, branch", field=field
        )
    if text[4:6] not in ISO_3166_ALPHA2:
        raise InvalidIdentifier(f"{field} country code is not an ISO 3166 country", field=field)
    return text
