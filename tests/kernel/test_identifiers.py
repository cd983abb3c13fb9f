"""The identifier parsers, checked against python-stdnum and schwifty as oracles.

The kernel computes every check digit itself (it may import no third-party library); the
oracles are imported here only.
"""

from __future__ import annotations

import calendar
import re
import string
import sys
from collections.abc import Callable

import pytest
import schwifty
from hypothesis import example, given, settings
from hypothesis import strategies as st
from schwifty import registry as schwifty_registry
from stdnum import luhn as std_luhn
from stdnum.fr import nir as std_nir
from stdnum.fr import siret as std_siret

from rempart.kernel.errors import InvalidIdentifier, InvalidInput
from rempart.kernel.identifiers import (
    IBAN_LENGTHS,
    BirthDateOnCard,
    Iban,
    Nir,
    iban_check_digits,
    luhn_check_digit,
    luhn_valid,
    nir_key,
    nir_number,
    parse_amc_number,
    parse_bic,
    parse_birth_rank,
    parse_finess,
    parse_rpps,
    parse_siret,
    rib_key,
)

DIGITS = string.digits
ALNUM = string.ascii_uppercase + string.digits


def digit_strings(size: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=size, max_size=size)


def replace_at(text: str, position: int, char: str) -> str:
    return text[:position] + char + text[position + 1 :]


def other_digit(original: str, pick: int) -> str:
    """A digit different from `original`, chosen by `pick` (0..8)."""
    return [d for d in DIGITS if d != original][pick]


# --- NIR -------------------------------------------------------------------------------

NIR_MONTHS = [*range(1, 13), *range(20, 43), *range(50, 100)]
IMPOSSIBLE_MONTHS = [0, *range(13, 20), *range(43, 50)]


# Overseas departments and collectivities: 3-digit code, 2-digit commune.
OVERSEAS = ["971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988"]


@st.composite
def nir_locations(draw: st.DrawFn) -> str:
    """Department and commune, 5 characters: metropolitan (2 + 3), Corsica, overseas (3 + 2)
    or born abroad (99 + country)."""
    kind = draw(st.sampled_from(["metropolitan", "corsica", "overseas", "abroad"]))
    if kind == "metropolitan":
        department = f"{draw(st.integers(1, 95)):02d}"
        return department + draw(digit_strings(3))
    if kind == "corsica":
        return draw(st.sampled_from(["2A", "2B"])) + draw(digit_strings(3))
    if kind == "overseas":
        return draw(st.sampled_from(OVERSEAS)) + draw(digit_strings(2))
    return "99" + draw(digit_strings(3))


@st.composite
def nir_bodies(draw: st.DrawFn, months: list[int] = NIR_MONTHS) -> str:
    """The 13 characters before the key."""
    sex = draw(st.sampled_from("1278"))
    year = draw(digit_strings(2))
    month = f"{draw(st.sampled_from(months)):02d}"
    order = f"{draw(st.integers(1, 999)):03d}"
    return sex + year + month + draw(nir_locations()) + order


def valid_nirs() -> st.SearchStrategy[str]:
    return nir_bodies().map(lambda body: body + nir_key(body))


@given(nir_bodies())
def test_nir_key_agrees_with_stdnum_and_is_the_only_one_accepted(body: str) -> None:
    key = nir_key(body)
    assert key == std_nir.calc_check_digits(body)
    nir = Nir.parse(body + key)
    assert nir.value == body + key
    assert str(nir) == body + key
    assert std_nir.is_valid(body + key)
    for wrong in (f"{k:02d}" for k in range(100)):
        if wrong != key:
            with pytest.raises(InvalidIdentifier, match="key"):
                Nir.parse(body + wrong)
    # Overseas (97x, 98x) the department has 3 digits and the commune 2.
    if body[5:8] in OVERSEAS:
        assert nir.department == body[5:8]
        assert len(nir.department) == 3
    else:
        assert nir.department == body[5:7]
    assert nir.is_provisional is (body[0] in "78")
    for shown in (repr(nir), repr([nir]), repr({"nir": nir})):
        assert not re.search(r"[0-9]{4}", shown)


@given(valid_nirs(), st.data())
def test_nir_single_character_change_is_rejected(nir: str, data: st.DataObject) -> None:
    """A digit of the body changed moves N by d * 10**k (0 < |d| < 10), 2A and 2B swapped
    by 10**6: the prime 97 divides neither, so the key no longer matches. A digit of the
    key changed changes the key."""
    position = data.draw(st.integers(0, len(nir) - 1))
    if nir[position] in "AB":
        changed = replace_at(nir, position, "B" if nir[position] == "A" else "A")
    else:
        changed = replace_at(
            nir, position, other_digit(nir[position], data.draw(st.integers(0, 8)))
        )
    with pytest.raises(InvalidIdentifier):
        Nir.parse(changed)


@pytest.mark.parametrize(
    "nir",
    # python-stdnum's own examples, one per Corsican department, and a metropolitan one.
    ["253072A07300443", "253072B07300470", "295109912611193"],
)
def test_nir_golden_examples(nir: str) -> None:
    assert std_nir.is_valid(nir)
    assert Nir.parse(nir).value == nir


def test_nir_corsica_reads_2a_as_19_and_2b_as_18() -> None:
    assert nir_number("253072A073004") == 2530719073004
    assert nir_number("253072B073004") == 2530718073004
    assert nir_key("253072A073004") == "43"
    assert nir_key("253072B073004") == "70"
    # Reading the department as 20 (its pre-1976 number) gives another key.
    assert nir_key("2530720073004") != "43"
    assert Nir.parse("2 53 07 2a 073 004 43").department == "2A"


def test_nir_is_compacted_and_upper_cased() -> None:
    assert Nir.parse(" 2 53 07 2a 073 004 43 ").value == "253072A07300443"
    assert Nir.parse("2.95.10.99.126.111.93").value == "295109912611193"
    assert Nir.parse("2-95-10-99-126-111-93").value == "295109912611193"
    assert Nir.parse("2\u00a095\u202f10 99 126 111 93").value == "295109912611193"


def test_nir_overseas_department_golden() -> None:
    body = "1850597411" + "012"  # Réunion (974), commune 11
    nir = Nir.parse(body + nir_key(body))
    assert nir.department == "974"
    assert std_nir.is_valid(body + nir_key(body))


def test_nir_provisional_golden() -> None:
    for sex in "1278":
        body = sex + "850578006084"
        nir = Nir.parse(body + nir_key(body))
        assert nir.is_provisional is (sex in "78")
        assert nir.department == "78"


@given(nir_bodies(months=IMPOSSIBLE_MONTHS))
def test_nir_impossible_month_is_rejected_even_with_the_right_key(body: str) -> None:
    assert std_nir.is_valid(body + nir_key(body))  # stdnum does not look at the month
    with pytest.raises(InvalidIdentifier, match="month"):
        Nir.parse(body + nir_key(body))


@pytest.mark.parametrize(
    ("month", "accepted"),
    [
        *((m, True) for m in ["01", "12", "20", "42", "50", "99"]),
        *((m, False) for m in ["00", "13", "19", "43", "49"]),
    ],
)
def test_nir_month_boundaries(month: str, accepted: bool) -> None:
    body = "185" + month + "75056" + "123"
    if accepted:
        assert Nir.parse(body + nir_key(body)).value == body + nir_key(body)
    else:
        with pytest.raises(InvalidIdentifier, match="month"):
            Nir.parse(body + nir_key(body))


@pytest.mark.parametrize("sex", ["0", "3", "4", "5", "6", "9"])
def test_nir_impossible_sex_digit_is_rejected(sex: str) -> None:
    body = sex + "951099126111"
    with pytest.raises(InvalidIdentifier, match="shape"):
        Nir.parse(body + nir_key(body))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "29510991261119",  # 14
        "2951099126111930",  # 16
        "253072C07300443",  # no such department letter
        "2530A2A07300443",  # letter outside the department
        "2951099126111A3",  # letter in the key
        "2951099126111\u00b93",  # superscript one in the key
    ],
)
def test_nir_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        Nir.parse(raw)


ARABIC_INDIC = str.maketrans(DIGITS, "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
FULLWIDTH = str.maketrans(DIGITS, "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
@pytest.mark.parametrize(
    ("parse", "valid", "start", "end"),
    [
        # Only valid[start:end] is disguised: the characters that an ASCII-only part of the
        # check (the sex digit, a check digit compared as text, the BBAN) would catch anyway.
        (Nir.parse, "295109912611193", 1, 13),
        (parse_rpps, "10000000009", 0, 10),
        (parse_siret, "73282932000074", 0, 13),
        (parse_finess, "750712184", 0, 8),
        (parse_amc_number, "123456789", 0, 9),
        (BirthDateOnCard.parse, "19800101", 0, 8),
        (Iban.parse, "DE89370400440532013000", 2, 4),
        (parse_birth_rank, "3", 0, 1),
    ],
)
def test_look_alike_digits_are_rejected(
    parse: Callable[[str], object], valid: str, start: int, end: int, table: dict[int, str]
) -> None:
    """`\\d`, `str.isdigit` and `int()` all accept these; the identifiers must not."""
    parse(valid)
    with pytest.raises(InvalidIdentifier):
        parse(valid[:start] + valid[start:end].translate(table) + valid[end:])


# --- Luhn: RPPS, SIRET, FINESS -----------------------------------------------------------


@given(st.text(DIGITS, max_size=30))
def test_luhn_agrees_with_stdnum(digits: str) -> None:
    assert luhn_check_digit(digits) == std_luhn.calc_check_digit(digits)
    assert luhn_valid(digits) is std_luhn.is_valid(digits)
    assert luhn_valid(digits + luhn_check_digit(digits))


@pytest.mark.parametrize("raw", ["", "12a4", "4" + "\u0663", "\u00b2\u00b2"])
def test_luhn_valid_is_false_for_non_digits(raw: str) -> None:
    assert luhn_valid(raw) is False


@given(digit_strings(10))
def test_rpps_accepts_the_luhn_digit_and_no_other(payload: str) -> None:
    for last in DIGITS:
        if std_luhn.is_valid(payload + last):
            assert parse_rpps(payload + last) == payload + last
        else:
            with pytest.raises(InvalidIdentifier, match="Luhn"):
                parse_rpps(payload + last)


@pytest.mark.parametrize(
    "raw", ["", "1000000000", "100000000008", "1000000000A", "10000000 00", "1000000000\u0663"]
)
def test_rpps_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_rpps(raw)


def test_rpps_accepts_separators() -> None:
    number = "1000000000" + luhn_check_digit("1000000000")
    assert parse_rpps(" 100 000 000 0" + number[-1] + " ") == number


def with_luhn(payload: str) -> str:
    return payload + luhn_check_digit(payload)


@st.composite
def sirets(draw: st.DrawFn) -> str:
    """14-digit strings, built valid, nearly valid or random, La Poste's included."""
    kind = draw(st.sampled_from(["valid", "bad-siren", "la-poste", "la-poste-valid", "random"]))
    if kind == "valid":
        return with_luhn(with_luhn(draw(digit_strings(8))) + draw(digit_strings(4)))
    if kind == "bad-siren":
        # The 14 digits pass Luhn but the SIREN (first 9) does not.
        siren = draw(digit_strings(8))
        siren += other_digit(luhn_check_digit(siren), draw(st.integers(0, 8)))
        return with_luhn(siren + draw(digit_strings(4)))
    if kind == "la-poste":
        return "356000000" + draw(digit_strings(5))
    if kind == "la-poste-valid":
        nic = draw(digit_strings(4))
        total = sum(int(c) for c in "356000000" + nic)
        return "356000000" + nic + str((-total) % 5 + 5 * draw(st.integers(0, 1)))
    return draw(digit_strings(14))


@given(sirets())
@example("35600000000048")  # La Poste's head office: Luhn, not the digit sum
@example("35600000000055")  # digit sum 24: refused
@example("73282932000074")  # python-stdnum's example
def test_siret_agrees_with_stdnum(number: str) -> None:
    try:
        assert parse_siret(number) == number
    except InvalidIdentifier:
        accepted = False
    else:
        accepted = True
    assert accepted is std_siret.is_valid(number)


def test_siret_la_poste_rules() -> None:
    assert parse_siret("35600000000048") == "35600000000048"  # head office, Luhn
    assert parse_siret("356 000 000 00060") == "35600000000060"  # establishment, sum 20
    assert parse_siret("35600000000056") == "35600000000056"  # sum 25
    assert not luhn_valid("35600000000056")
    with pytest.raises(InvalidIdentifier):
        parse_siret("35600000000061")  # sum 21


def test_siret_checks_the_siren_digit_too() -> None:
    siret = with_luhn("732829321" + "0000")  # SIREN 732829321 fails Luhn
    assert luhn_valid(siret)
    with pytest.raises(InvalidIdentifier, match="SIREN"):
        parse_siret(siret)


@pytest.mark.parametrize("raw", ["", "7328293200007", "732829320000740", "7328293200007A"])
def test_siret_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_siret(raw)


@given(digit_strings(8))
def test_finess_accepts_its_luhn_digit_and_no_other(payload: str) -> None:
    check = luhn_check_digit(payload)
    assert parse_finess(payload + check) == payload + check
    for wrong in DIGITS:
        if wrong != check:
            with pytest.raises(InvalidIdentifier):
                parse_finess(payload + wrong)


@given(st.sampled_from(["2A", "2B"]), digit_strings(6), st.data())
def test_finess_corsica_is_tolerant_of_both_readings(
    department: str, rest: str, data: st.DataObject
) -> None:
    read_as_20 = luhn_check_digit("20" + rest)
    read_as_19_18 = luhn_check_digit(("19" if department == "2A" else "18") + rest)
    assert parse_finess(department + rest + read_as_20) == department + rest + read_as_20
    assert parse_finess(department + rest + read_as_19_18) == department + rest + read_as_19_18
    assert parse_finess(department.lower() + rest + read_as_20) == department + rest + read_as_20
    wrong = data.draw(st.sampled_from([d for d in DIGITS if d not in (read_as_20, read_as_19_18)]))
    with pytest.raises(InvalidIdentifier):
        parse_finess(department + rest + wrong)


def test_finess_golden() -> None:
    assert parse_finess("750712184") == "750712184"
    with pytest.raises(InvalidIdentifier):
        parse_finess("750712185")


@pytest.mark.parametrize(
    "raw",
    ["", "75071218", "7507121840", "2C0000000", "7A0712184", "75071218A", "75071218\u0663"],
)
def test_finess_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_finess(raw)


@pytest.mark.parametrize("number", ["000000000", "123456789", "999999999"])
def test_amc_number_is_any_nine_digits(number: str) -> None:
    assert parse_amc_number(number) == number
    assert parse_amc_number(f" {number[:3]} {number[3:6]} {number[6:]} ") == number


@pytest.mark.parametrize("raw", ["", "12345678", "1234567890", "12345678A", "12345678\u00b2"])
def test_amc_number_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_amc_number(raw)


# --- IBAN and BIC ------------------------------------------------------------------------


def schwifty_accepts_iban(text: str) -> bool:
    """schwifty's verdict, with the national key checked where we check it (FR, MC)."""
    try:
        schwifty.IBAN(text, validate_bban=text[:2] in ("FR", "MC"))
    except (schwifty.exceptions.SchwiftyException, ValueError):
        return False
    return True


def we_accept_iban(text: str) -> bool:
    try:
        Iban.parse(text)
    except InvalidIdentifier:
        return False
    return True


@st.composite
def french_bbans(draw: st.DrawFn) -> str:
    bank, branch = draw(digit_strings(5)), draw(digit_strings(5))
    account = draw(st.text(ALNUM, min_size=11, max_size=11))
    return bank + branch + account + rib_key(bank, branch, account)


@st.composite
def french_ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(["FR", "MC"]))
    bban = draw(french_bbans())
    return country + iban_check_digits(country, bban) + bban


_SPEC_CLASSES = {"n": DIGITS, "a": string.ascii_uppercase, "c": ALNUM}


@st.composite
def bbans_for(draw: st.DrawFn, country: str) -> str:
    """A BBAN of the right structure, read from schwifty's registry, not from our table."""
    spec = schwifty_registry.get_iban_spec(country).bban_spec
    parts = re.findall(r"(\d+)!([nac])", spec)
    assert "".join(f"{n}!{k}" for n, k in parts) == spec
    return "".join(
        draw(st.text(_SPEC_CLASSES[kind], min_size=int(n), max_size=int(n))) for n, kind in parts
    )


@st.composite
def sepa_ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(IBAN_LENGTHS)))
    bban = draw(french_bbans() if country in ("FR", "MC") else bbans_for(country))
    return country + iban_check_digits(country, bban) + bban


@given(french_ibans(), st.data())
def test_french_iban_accepted_and_changed_character_judged_like_schwifty(
    iban: str, data: st.DataObject
) -> None:
    assert Iban.parse(iban).value == iban
    assert schwifty.IBAN(iban, validate_bban=True) == iban
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert Iban.parse(spaced.lower()).value == iban
    position = data.draw(st.integers(0, len(iban) - 1))
    char = data.draw(st.sampled_from([c for c in ALNUM if c != iban[position]]))
    changed = replace_at(iban, position, char)
    ours, theirs = we_accept_iban(changed), schwifty_accepts_iban(changed)
    assert ours is theirs
    # ISO 7064 mod 97-10 catches every substitution that keeps the character's kind; a
    # digit swapped for a letter (two digits once numerified) can slip through both.
    if iban[position].isdigit() is char.isdigit():
        assert not ours


@given(digit_strings(5), digit_strings(5), digit_strings(11))
def test_french_all_digit_bban_is_divisible_by_97(bank: str, branch: str, account: str) -> None:
    """The clé RIB's weights 89, 15 and 3 are 10**18, 10**13 and 10**2 modulo 97: a French
    BBAN of digits is a multiple of 97, so its IBAN always starts FR76 (MC58)."""
    bban = bank + branch + account + rib_key(bank, branch, account)
    assert int(bban) % 97 == 0
    assert iban_check_digits("FR", bban) == "76"
    assert iban_check_digits("MC", bban) == "58"


@given(french_bbans(), st.data())
def test_french_iban_wrong_rib_key_is_rejected_by_both(bban: str, data: st.DataObject) -> None:
    wrong_key = data.draw(
        st.sampled_from([f"{k:02d}" for k in range(100) if f"{k:02d}" != bban[-2:]])
    )
    bban = bban[:-2] + wrong_key
    iban = "FR" + iban_check_digits("FR", bban) + bban  # the IBAN's own digits are right
    assert not schwifty_accepts_iban(iban)
    with pytest.raises(InvalidIdentifier, match="RIB"):
        Iban.parse(iban)


def test_rib_key_golden() -> None:
    # A widely published French example IBAN.
    assert rib_key("20041", "01005", "0500013M026") == "06"
    assert Iban.parse("FR14 2004 1010 0505 0001 3M02 606").value == "FR1420041010050500013M02606"
    assert schwifty_accepts_iban("FR1420041010050500013M02606")


@given(sepa_ibans(), st.data())
def test_sepa_iban_accepted_and_damage_judged_like_schwifty(iban: str, data: st.DataObject) -> None:
    parsed = Iban.parse(iban)
    assert parsed.value == iban
    assert schwifty_accepts_iban(iban)
    assert not re.search(r"[0-9]{4}", repr(parsed))
    position = data.draw(st.integers(0, len(iban) - 1))
    char = data.draw(st.sampled_from([c for c in ALNUM if c != iban[position]]))
    changed = replace_at(iban, position, char)
    assert we_accept_iban(changed) is schwifty_accepts_iban(changed)
    # A character too many or too few never passes either.
    for wrong_length in (
        iban[:position] + iban[position + 1 :],
        iban[:position] + char + iban[position:],
    ):
        assert not we_accept_iban(wrong_length)
        assert not schwifty_accepts_iban(wrong_length)


@pytest.mark.parametrize("country", sorted(IBAN_LENGTHS))
def test_iban_lengths_agree_with_schwifty_registry(country: str) -> None:
    spec = schwifty_registry.get_iban_spec(country)
    assert IBAN_LENGTHS[country] == spec.iban_length
    assert spec.in_sepa_zone


@pytest.mark.parametrize("country", sorted(IBAN_LENGTHS))
def test_iban_bban_structure_agrees_with_schwifty(country: str) -> None:
    """A character of the wrong kind anywhere in the BBAN (a letter where the registry wants
    a digit, a digit where it wants a letter) is refused even with correct check digits."""
    spec = schwifty_registry.get_iban_spec(country)
    kinds = "".join(kind * int(n) for n, kind in re.findall(r"(\d+)!([nac])", spec.bban_spec))
    good = "".join({"n": "1", "a": "B", "c": "C"}[kind] for kind in kinds)
    for position, kind in enumerate(kinds):
        if kind == "c":
            continue
        bban = replace_at(good, position, "X" if kind == "n" else "7")
        iban = country + iban_check_digits(country, bban) + bban
        assert not schwifty_accepts_iban(iban), (country, position)
        with pytest.raises(InvalidIdentifier, match="BBAN"):
            Iban.parse(iban)


@pytest.mark.parametrize("country", sorted(IBAN_LENGTHS))
def test_schwifty_generated_iban_is_accepted(country: str) -> None:
    spec = schwifty_registry.get_iban_spec(country)
    bban = "".join(
        {"n": "1", "a": "B", "c": "C"}[kind] * int(n)
        for n, kind in re.findall(r"(\d+)!([nac])", spec.bban_spec)
    )
    if country in ("FR", "MC"):
        bban = bban[:-2] + rib_key(bban[:5], bban[5:10], bban[10:21])
    iban = schwifty.IBAN.from_bban(country, bban)
    assert Iban.parse(str(iban)).value == str(iban)


@pytest.mark.parametrize("country", ["DE", "FR", "BE"])
def test_iban_check_digit_aliases_are_rejected_by_both(country: str) -> None:
    """00, 01 and 99 pass a bare "mod 97 == 1" test as aliases of 97, 98 and 02."""
    aliases = {"97": "00", "98": "01", "02": "99"}
    found: set[str] = set()
    length = IBAN_LENGTHS[country] - 4
    for n in range(100_000):
        if country == "FR":
            # With digits only the check digits are always 76 (see below): vary a letter.
            account = f"{n:010d}" + ALNUM[n % 26]
            bban = "30002" + "00550" + account + rib_key("30002", "00550", account)
        else:
            bban = f"{n:0{length}d}"
        check = iban_check_digits(country, bban)
        if check in aliases and check not in found:
            found.add(check)
            genuine = country + check + bban
            alias = country + aliases[check] + bban
            assert we_accept_iban(genuine)
            assert schwifty_accepts_iban(genuine)
            assert not we_accept_iban(alias)
            assert not schwifty_accepts_iban(alias)
        if found == set(aliases):
            break
    assert found == set(aliases)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "FR",
        "FR76",
        "US64SVBKUS6S3300958879",  # not SEPA
        "DE8937040044053201300A",  # letter where the German BBAN has digits
        "GB82WEST12345698765432X",
        "FR1420041010050500013M0260\u0666",
        "F\u0661" + "1420041010050500013M02606",
    ],
)
def test_iban_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        Iban.parse(raw)


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "GB82WEST12345698765432", "BE68539007547034"]
)
def test_iban_golden_foreign(iban: str) -> None:
    assert schwifty_accepts_iban(iban)
    assert Iban.parse(iban).value == iban


def test_iban_ligature_does_not_forge_a_country_code() -> None:
    # "\ufb01".upper() == "FI": upper-casing non-ASCII input must not make a Finnish IBAN.
    bban = "12345600000785"
    valid = "FI" + iban_check_digits("FI", bban) + bban
    assert Iban.parse(valid).value == valid
    with pytest.raises(InvalidIdentifier):
        Iban.parse("\ufb01" + valid[2:])


@pytest.mark.parametrize(
    "bic", ["BNPAFRPP", "BNPAFRPPXXX", "DEUTDEFF500", "CEPAFRPP751", "PSSTFRPPMON", "SOGEFRPP"]
)
def test_bic_golden_accepted_by_us_and_schwifty(bic: str) -> None:
    assert schwifty.BIC(bic, enforce_swift_compliance=True) == bic
    assert parse_bic(bic) == bic
    assert parse_bic(f" {bic[:4].lower()} {bic[4:6]} {bic[6:]} ") == bic


@pytest.mark.parametrize(
    "bic",
    [
        "",
        "BNPAFRP",  # 7
        "BNPAFRPPX",  # 9
        "BNPAFRPPXX",  # 10
        "BNPAFRPPXXXX",  # 12
        "BNPAF1PP",  # digit in the country
        "BNPAFRP_",
        "BNPAFRP\u00e9",
        "BNP1FRPP",  # digit in the bank code: ISO 9362:2022 allows it, SWIFT's policy does not
    ],
)
def test_bic_golden_rejected_by_us_and_strict_schwifty(bic: str) -> None:
    # schwifty's default (ISO 9362:2022) differs from ours only on a digit in the bank code.
    assert schwifty.BIC(bic, allow_invalid=True).is_valid is (bic == "BNP1FRPP")
    with pytest.raises(schwifty.exceptions.SchwiftyException):
        schwifty.BIC(bic, enforce_swift_compliance=True)
    with pytest.raises(InvalidIdentifier):
        parse_bic(bic)


def test_bic_unknown_country_is_rejected() -> None:
    with pytest.raises(schwifty.exceptions.InvalidCountryCode):
        schwifty.BIC("BNPAXXPP")
    with pytest.raises(InvalidIdentifier):
        parse_bic("BNPAXXPP")


# --- Birth date as on the card, birth rank ----------------------------------------------


def calendar_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


@given(st.integers(1850, 2199), st.integers(0, 99), st.integers(0, 99))
@example(1980, 0, 0)
@example(1980, 13, 31)
@example(1985, 2, 29)
@example(2000, 2, 29)
@example(1900, 2, 29)
def test_birth_date_any_eight_digits_round_trip(year: int, month: int, day: int) -> None:
    text = f"{year:04d}{month:02d}{day:02d}"
    birth_date = BirthDateOnCard.parse(text)
    assert birth_date.value == text
    assert str(birth_date) == text
    assert birth_date.is_lunar is not calendar_date(year, month, day)
    assert text not in repr(birth_date)
    assert not re.search(r"[0-9]{2}", repr(birth_date))


@pytest.mark.parametrize(
    ("text", "lunar"),
    [
        ("19800000", True),
        ("19801331", True),
        ("19850229", True),
        ("19800100", True),
        ("19800431", True),
        ("19000229", True),
        ("20000229", False),
        ("19800101", False),
        ("18500101", False),
        ("21991231", False),
    ],
)
def test_birth_date_lunar_golden(text: str, lunar: bool) -> None:
    assert BirthDateOnCard.parse(text).is_lunar is lunar
    assert BirthDateOnCard.parse(f" {text}\n").value == text


@given(st.integers(0, 9999).filter(lambda y: not 1850 <= y <= 2199), digit_strings(4))
def test_birth_date_impossible_year_is_rejected(year: int, rest: str) -> None:
    with pytest.raises(InvalidIdentifier, match="year"):
        BirthDateOnCard.parse(f"{year:04d}{rest}")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1980010",  # 7
        "198001011",  # 9
        "1980-01-01",
        "1980 0101",
        "1980O101",
        "19800101\x00",
        "1980010\u0661",
        "\uff11\uff19\uff18\uff10\uff10\uff11\uff10\uff11",  # fullwidth digits
    ],
)
def test_birth_date_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        BirthDateOnCard.parse(raw)


@given(st.text(DIGITS + " \t\n-/O\x00\u0663\uff11\u00b2", max_size=12))
@example("19800101")
@example(" 19800101 ")
@example("1980010\u0661")
def test_birth_date_accepts_exactly_eight_ascii_digits(raw: str) -> None:
    text = raw.strip()
    expected = re.fullmatch(r"[0-9]{8}", text) is not None and 1850 <= int(text[:4]) <= 2199
    try:
        BirthDateOnCard.parse(raw)
    except InvalidIdentifier:
        accepted = False
    else:
        accepted = True
    assert accepted is expected


@pytest.mark.parametrize("rank", [*range(1, 10), *(str(r) for r in range(1, 10)), " 3 "])
def test_birth_rank_one_to_nine(rank: int | str) -> None:
    assert parse_birth_rank(rank) == int(rank)


@pytest.mark.parametrize(
    "rank", [0, 10, -1, "0", "10", "a", "", " ", "-1", "1.0", "\u0663", "\u00b2", "\uff13"]
)
def test_birth_rank_rejected(rank: int | str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_birth_rank(rank)


# --- Errors and representations never carry the value ------------------------------------

Parser = Callable[..., object]

PARSERS: dict[str, tuple[Parser, st.SearchStrategy[str]]] = {
    "nir": (Nir.parse, valid_nirs()),
    "birth_date": (BirthDateOnCard.parse, st.integers(0, 99_999_999).map(lambda n: f"{n:08d}")),
    "birth_rank": (parse_birth_rank, digit_strings(1)),
    "rpps": (parse_rpps, digit_strings(10).map(with_luhn)),
    "siret": (parse_siret, sirets()),
    "finess": (parse_finess, digit_strings(8).map(with_luhn)),
    "amc_number": (parse_amc_number, digit_strings(9)),
    "iban": (Iban.parse, sepa_ibans()),
    "bic": (parse_bic, st.sampled_from(["BNPAFRPPXXX", "DEUTDEFF500"])),
}


@st.composite
def damaged(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> str:
    """A valid value with a character changed, inserted or removed, or random text."""
    if draw(st.booleans()):
        return draw(st.text(DIGITS + "AB -.", min_size=5, max_size=40))
    text = draw(valid)
    position = draw(st.integers(0, len(text) - 1))
    char = draw(st.sampled_from(ALNUM + "\u0663"))
    how = draw(st.sampled_from(["replace", "insert", "delete"]))
    if how == "replace":
        return replace_at(text, position, char)
    if how == "insert":
        return text[:position] + char + text[position:]
    return text[:position] + text[position + 1 :]


def rejection(parser: Parser, raw: str, field: str) -> InvalidIdentifier | None:
    try:
        parser(raw, field=field)
    except InvalidIdentifier as error:
        return error
    return None


@settings(max_examples=200)
@given(name=st.sampled_from(sorted(PARSERS)), data=st.data())
def test_error_names_the_field_and_never_the_value(name: str, data: st.DataObject) -> None:
    parser, valid = PARSERS[name]
    raw = data.draw(damaged(valid))
    field = f"the_{name}_field"
    error = rejection(parser, raw, field)  # any other exception fails the test
    if error is None:
        return  # the damage happened to leave a valid value
    message = str(error)
    assert error.field == field
    assert error.message == message
    assert message.startswith(field)
    assert isinstance(error, InvalidInput)
    # No chained exception carries the value into a traceback either.
    assert error.__cause__ is None
    assert error.__context__ is None
    # Messages hold no 5 consecutive digits of their own, so a form of the value that long
    # found in one is a leak (a 1-character birth rank cannot be told apart, hence >= 5).
    value_free = message.replace(field, "")
    for form in {raw, raw.strip(), re.sub(r"[\s.\-]", "", raw).upper()}:
        if len(form) >= 5:
            assert form not in value_free
    assert not re.search(r"[0-9]{5}", value_free)


def test_reprs_are_redacted() -> None:
    assert repr(Nir.parse("295109912611193")) == "Nir(<redacted>)"
    assert repr(Iban.parse("FR1420041010050500013M02606")) == "Iban(<redacted>)"
    assert repr(BirthDateOnCard.parse("19800000")) == "BirthDateOnCard(<redacted>)"


# --- The kernel stays free of third-party imports --------------------------------------


def test_identifiers_module_imports_only_the_standard_library() -> None:
    import ast
    import inspect

    import rempart.kernel.identifiers as module

    tree = ast.parse(inspect.getsource(module))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "rempart"}
    assert not any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("rempart.")
        and not (node.module or "").startswith("rempart.kernel")
        for node in ast.walk(tree)
    )
