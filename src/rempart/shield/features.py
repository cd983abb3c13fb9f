"""What the detectors keep, and under which keys: opaque keys, keyed digests of card
data, clock buckets. The card data of a request is turned into a `Trait` here and
dropped; nothing else of it is kept."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from rempart.shield.detectors.lookups import Trait
from rempart.shield.domain import Subject

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
# 1970-01-01 was a Thursday: shift so that weeks (and hours of the week) start on Monday.
_WEEK_SHIFT_MS = 3 * DAY_MS

# A structure opens and closes by its own clock: hours of the week are counted in its
# local time, so that a daylight-saving change does not move its first and last hours
# into hours it never worked. A FINESS begins with the structure's department; the
# overseas ones keep their own time (no daylight saving there), all others Paris's.
PARIS = ZoneInfo("Europe/Paris")
_OVERSEAS = {
    "971": ZoneInfo("America/Guadeloupe"),
    "972": ZoneInfo("America/Martinique"),
    "973": ZoneInfo("America/Cayenne"),
    "974": ZoneInfo("Indian/Reunion"),
    "975": ZoneInfo("America/Miquelon"),
    "976": ZoneInfo("Indian/Mayotte"),
}

DIGEST_CHARS = 12  # 48 bits of a keyed HMAC: enough to compare, too short to carry more


@dataclass(frozen=True)
class Card:
    """The card data a rights check read, as the service validated it. Never stored,
    never shown, never logged: `trait` keeps keyed digests and small numbers of it."""

    insured_nir: str = field(repr=False)
    birth_date: str = field(repr=False)
    birth_rank: int = field(repr=False)
    amc_number: str = field(repr=False)
    member_number: str = field(repr=False)


Digest = Callable[[str], str]  # a keyed digest (the vault's pseudonym function)


def trait(card: Card, *, matched: bool, digest: Digest) -> Trait:
    nir = card.insured_nir[:13].upper()
    order_text = nir[10:13]
    head = card.member_number.rstrip("0123456789")
    digits = card.member_number[len(head) :]
    return Trait(
        matched=matched,
        nir=digest(f"nir|{nir}")[:DIGEST_CHARS],
        prefix=digest(f"nir-prefix|{nir[:10]}")[:DIGEST_CHARS],
        order=int(order_text) if order_text.isdigit() else -1,
        variant=digest(
            "card|"
            + "|".join((nir, card.birth_date, str(card.birth_rank), card.amc_number, head, digits))
        )[:DIGEST_CHARS],
        member=digest(f"member-shape|{card.amc_number}|{head}|{len(digits)}")[:DIGEST_CHARS],
        tail=int(digits[-6:]) if digits else -1,
    )


def feature_key(subject: Subject | str, name: str) -> str:
    """`<kind>:<sha256 of the subject>:<feature>`: the identifier never appears."""
    return f"{subject_prefix(subject)}:{name}"


def subject_prefix(subject: Subject | str) -> str:
    """`<kind>:<sha256 of the subject>`, the start of all its feature keys."""
    return _prefix_of(subject.key if isinstance(subject, Subject) else subject)


# Every lookup names the same few subjects (the actor, its structure, their peer groups,
# the platform) several times: hashed once each.
@functools.lru_cache(maxsize=1 << 14)
def _prefix_of(text: str) -> str:
    kind = text.split(":", 1)[0]
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def minute_of(now_ms: int) -> int:
    return now_ms // MINUTE_MS


def hour_of(now_ms: int) -> int:
    return now_ms // HOUR_MS


def day_of(now_ms: int) -> int:
    return now_ms // DAY_MS


def structure_zone(finess: str) -> ZoneInfo:
    """The time zone a structure works in, from its FINESS's department."""
    return _OVERSEAS.get(finess[:3], PARIS)


def _local_ms(now_ms: int, zone: ZoneInfo) -> int:
    """The instant as the wall clock of `zone` reads it, in ms since 1970-01-01 00:00 of
    that clock. Every zone used is a whole number of hours from UTC, so local hours
    start with UTC ones and `hour_of` still names them."""
    return now_ms + _offset_ms(now_ms // HOUR_MS, zone)


# A zone's offset changes only on whole UTC hours (daylight saving in Paris at 01:00 UTC;
# the overseas zones keep theirs): one computation an hour per zone.
@functools.lru_cache(maxsize=256)
def _offset_ms(hour: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(hour * HOUR_MS // 1000, zone).utcoffset()
    return int(offset.total_seconds()) * 1000 if offset is not None else 0


def week_of(now_ms: int, zone: ZoneInfo) -> int:
    """The week (Monday 00:00 to Sunday 24:00, local time in `zone`) since 1970."""
    return (_local_ms(now_ms, zone) + _WEEK_SHIFT_MS) // WEEK_MS


def hour_of_week(now_ms: int, zone: ZoneInfo) -> int:
    """0 = Monday 00:00-01:00 ... 167 = Sunday 23:00-24:00, local time in `zone`. On the
    night clocks go back, the repeated hour counts twice in one bucket; when they go
    forward, one bucket of that Sunday stays empty."""
    return ((_local_ms(now_ms, zone) + _WEEK_SHIFT_MS) % WEEK_MS) // HOUR_MS
