"""Exposure scoping, pure: what a scoping asks (the selector, checked) and what it answers.

A scoping names the actors that may have been misused (accounts, structures, software
clients, client addresses) and a window; the answer is every target pseudonym the log
shows disclosed to any of them in that window, grouped by insurer (the data controller
to be told), with the categories disclosed. Pseudonyms only: re-identification belongs
to the incident flow, under the platform DPO.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rempart.audit.domain import Category, Outcome, categories_of
from rempart.kernel.errors import InvalidInput
from rempart.kernel.identifiers import parse_finess

# A year and a leap day: the longest window an incident needs (retention is 12 months by
# default, so a longer one would only reach expired records), and a bound on the work
# one request can ask of the database.
MAX_WINDOW = timedelta(days=366)
# Named actors per scoping, all kinds together: enough for a /22 of addresses or every
# account of a large group, small enough for an IN list the planner turns into index
# probes.
MAX_NAMED = 10_000


@dataclass(frozen=True, slots=True)
class ExposureSelector:
    """Records match when any named actor is on them (union), their instant lies in
    [start, end) and their outcome is one of `outcomes`."""

    start: datetime
    end: datetime
    accounts: frozenset[uuid.UUID] = field(default=frozenset())
    structures: frozenset[str] = field(default=frozenset())  # FINESS
    clients: frozenset[uuid.UUID] = field(default=frozenset())
    addresses: frozenset[str] = field(default=frozenset())  # raw; hashed before querying
    # Only ALLOWED by default: a refused or not-found answer disclosed nothing.
    outcomes: frozenset[Outcome] = field(default=frozenset({Outcome.ALLOWED}))


def check_selector(selector: ExposureSelector) -> ExposureSelector:
    """The selector with FINESS and addresses in canonical form, or InvalidInput naming
    the field at fault (never the value: an address is personal data)."""
    for name, instant in (("start", selector.start), ("end", selector.end)):
        if instant.tzinfo is None:
            raise InvalidInput(f"{name} must carry a time zone", field=name)
    if selector.end <= selector.start:
        raise InvalidInput("end must be after start", field="end")
    if selector.end - selector.start > MAX_WINDOW:
        raise InvalidInput(
            f"the window may span at most {MAX_WINDOW.days} days: scope a longer period "
            "in several windows",
            field="end",
        )
    named = (
        len(selector.accounts)
        + len(selector.structures)
        + len(selector.clients)
        + len(selector.addresses)
    )
    if named == 0:
        raise InvalidInput(
            "name at least one account, structure, client or address", field="selector"
        )
    if named > MAX_NAMED:
        raise InvalidInput(
            f"at most {MAX_NAMED} accounts, structures, clients and addresses together",
            field="selector",
        )
    if not selector.outcomes:
        raise InvalidInput("name at least one outcome", field="outcomes")
    structures = frozenset(parse_finess(f, field="structures") for f in selector.structures)
    return ExposureSelector(
        start=selector.start,
        end=selector.end,
        accounts=selector.accounts,
        structures=structures,
        clients=selector.clients,
        addresses=frozenset(_address(a) for a in selector.addresses),
        outcomes=selector.outcomes,
    )


def _address(raw: str) -> str:
    # The recorder hashes the address as the server saw it (`request.client.host`), which
    # is the canonical text form; a scoping typed by hand is brought to the same form.
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise InvalidInput(
            "each address must be an IPv4 or IPv6 address", field="addresses"
        ) from None


@dataclass(frozen=True, slots=True)
class ExposedPerson:
    """One pseudonym disclosed within the scope, with everything disclosed about it."""

    amc: str | None  # None: an event with no insurer (should not happen for reads)
    pseudonym: str
    categories_mask: int
    first_at: datetime
    last_at: datetime
    records: int

    @property
    def categories(self) -> frozenset[Category]:
        return categories_of(self.categories_mask)


@dataclass(frozen=True, slots=True)
class AmcExposure:
    """One insurer's part: the figures its notices need."""

    amc: str | None
    people: int
    records: int
    people_by_category: dict[Category, int]
    records_by_category: dict[Category, int]
    first_at: datetime | None
    last_at: datetime | None
    # Records of the window whose actor, structure, client, address and pseudonym were
    # cleared by retention: whether they belong to the scope cannot be known, nor whom
    # they concern. Zero while the window lies inside the retention period.
    expired_records: int = 0
    people_list: tuple[ExposedPerson, ...] | None = None  # when asked for

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(c for c, n in self.people_by_category.items() if n)


@dataclass(frozen=True, slots=True)
class ExposureReport:
    selector: ExposureSelector
    platform_wide: bool  # False: restricted to the actor's own insurer
    by_amc: tuple[AmcExposure, ...]  # ordered by AMC number

    @property
    def people(self) -> int:
        return sum(a.people for a in self.by_amc)

    @property
    def records(self) -> int:
        return sum(a.records for a in self.by_amc)

    @property
    def expired_records(self) -> int:
        return sum(a.expired_records for a in self.by_amc)

    @property
    def complete(self) -> bool:
        """False when retention has already cleared records of the window, which the
        scoping can then neither attribute nor count as people."""
        return self.expired_records == 0

    def amc(self, number: str | None) -> AmcExposure | None:
        return next((a for a in self.by_amc if a.amc == number), None)


def by_category(counts: Iterable[tuple[Category, int]]) -> dict[Category, int]:
    """Every category present, in declaration order, zero when absent."""
    found = dict(counts)
    return {category: found.get(category, 0) for category in Category}
