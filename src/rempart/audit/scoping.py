"""Exposure scoping: every pseudonym disclosed to the named actors within a window, by
insurer, in a few set-based grouped queries.

SQL shape. The match is one WHERE with an OR of one branch per kind of actor named,
each branch `<actor column> IN (...) AND at >= :start AND at < :end`, so that each is
answered by its own `(actor column, at)` index (PostgreSQL: a BitmapOr of index scans;
SQLite: its OR-by-union plan) and a record named by two branches is still read once.
Over that match:

- the summary: records grouped by (insurer, pseudonym) into a subquery (OR of category
  bits, first and last instant, count), then grouped by insurer: people, records, people
  and records per category. Only one row per insurer leaves the database.
- the people, when asked: the same per-person grouping, ordered, streamed from a
  server-side cursor in batches, never held whole unless the caller collects it.
- records cleared by retention in the window (their actor and pseudonym are gone, so
  they can be neither attributed nor counted as people): counted per insurer, and only
  looked for when the window's oldest record is an expired one (the `at` index answers
  that in one probe; retention expires records in time order, so otherwise none is).

An insurer's DPO gets their insurer's part only: `target_amc = :own` is in every WHERE,
so nothing of another insurer's (not even a count) is read. Each scoping is itself
recorded in the audit log before anything is returned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from rempart.audit.domain import CATEGORY_BITS, AuditEvent, AuditTag, Category, Outcome
from rempart.audit.exposure import (
    AmcExposure,
    ExposedPerson,
    ExposureReport,
    ExposureSelector,
    by_category,
    check_selector,
)
from rempart.audit.models import AuditRecordRow
from rempart.audit.recorder import hash_address, record
from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import (
    Actor,
    ObjectKind,
    Permission,
    Target,
    allows,
    authorize,
    may_ever,
)
from rempart.kernel.errors import Forbidden, InvalidInput

# People listed inline in a report; beyond it the caller streams (`stream_exposure`).
PEOPLE_INLINE_LIMIT = 100_000
# Rows fetched per round trip from the server-side cursor.
STREAM_BATCH = 5_000

_T = table_of(AuditRecordRow)


class _BitOr(FunctionElement[int]):
    """The OR of an integer column over a group: `bit_or` on PostgreSQL; SQLite has no
    such aggregate, and the sum of each bit's maximum is the same number."""

    type = Integer()
    name = "bit_or"
    inherit_cache = True


@compiles(_BitOr)
def _bit_or_default(element: _BitOr, compiler: SQLCompiler, **kw: Any) -> str:
    return f"bit_or({compiler.process(element.clauses, **kw)})"


@compiles(_BitOr, "sqlite")
def _bit_or_sqlite(element: _BitOr, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return "(" + " + ".join(f"max({column} & {bit})" for bit in CATEGORY_BITS.values()) + ")"


def has_category(column: ColumnElement[int], bit: int) -> ColumnElement[int]:
    """1 when the category bit is set in the mask `column`, else 0 (to sum)."""
    return case((column.op("&")(bit) != 0, 1), else_=0)


# -- authorisation --------------------------------------------------------------------------


def _own_amc(actor: Actor) -> str | None:
    """None for a platform-wide scoping; the actor's insurer for an insurer's DPO.
    Forbidden for anyone else."""
    if not may_ever(actor, Permission.EXPOSURE_SCOPE):
        raise Forbidden(f"{Permission.EXPOSURE_SCOPE} is not allowed here")
    if allows(actor, Permission.EXPOSURE_SCOPE, Target.platform()):
        return None
    authorize(actor, Permission.EXPOSURE_SCOPE, Target(ObjectKind.AMC, actor.amc_number or ""))
    return actor.amc_number


# -- the statements -------------------------------------------------------------------------


def _match(
    selector: ExposureSelector, address_hashes: Sequence[str], amc: str | None
) -> list[ColumnElement[bool]]:
    window = and_(_T.c.at >= selector.start, _T.c.at < selector.end)
    branches: list[ColumnElement[bool]] = []
    # Sorted: the same selector gives the same statement text and parameters.
    for column, values in (
        (_T.c.actor_account_id, sorted(selector.accounts)),
        (_T.c.structure_finess, sorted(selector.structures)),
        (_T.c.client_id, sorted(selector.clients)),
        (_T.c.address_hash, sorted(address_hashes)),
    ):
        if values:
            branches.append(and_(column.in_(values), window))
    where = [
        or_(*branches),
        _T.c.outcome.in_(sorted(o.value for o in selector.outcomes)),
        # Records with no person (scopings) disclose no one; nor do records that disclosed
        # nothing (security events carry the account's own pseudonym, a stranger's check
        # none): an exposure is a record that gave out some category of someone's data.
        _T.c.target_pseudonym.is_not(None),
        _T.c.categories != 0,
    ]
    if amc is not None:
        where.append(_T.c.target_amc == amc)
    return where


def _per_person(where: list[ColumnElement[bool]], *, category_counts: bool) -> Select[Any]:
    columns: list[Any] = [
        _T.c.target_amc.label("amc"),
        _T.c.target_pseudonym.label("pseudonym"),
        _BitOr(_T.c.categories).label("mask"),
        func.min(_T.c.at).label("first_at"),
        func.max(_T.c.at).label("last_at"),
        func.count().label("records"),
    ]
    if category_counts:
        columns += [
            func.sum(has_category(_T.c.categories, bit)).label(f"r_{category.value}")
            for category, bit in CATEGORY_BITS.items()
        ]
    return select(*columns).where(*where).group_by(_T.c.target_amc, _T.c.target_pseudonym)


def summary_statement(
    selector: ExposureSelector, address_hashes: Sequence[str], amc: str | None
) -> Select[Any]:
    """One row per insurer (exposed for EXPLAIN in the benchmark)."""
    person = _per_person(_match(selector, address_hashes, amc), category_counts=True).subquery()
    return (
        select(
            person.c.amc,
            func.count().label("people"),
            func.sum(person.c.records).label("records"),
            func.min(person.c.first_at).label("first_at"),
            func.max(person.c.last_at).label("last_at"),
            *[
                func.sum(has_category(person.c.mask, bit)).label(f"p_{category.value}")
                for category, bit in CATEGORY_BITS.items()
            ],
            *[
                func.sum(person.c[f"r_{category.value}"]).label(f"r_{category.value}")
                for category in CATEGORY_BITS
            ],
        )
        .group_by(person.c.amc)
        .order_by(person.c.amc)
    )


def people_statement(
    selector: ExposureSelector, address_hashes: Sequence[str], amc: str | None
) -> Select[Any]:
    return _per_person(_match(selector, address_hashes, amc), category_counts=False).order_by(
        _T.c.target_amc, _T.c.target_pseudonym
    )


def _expired_counts(uow: UnitOfWork, selector: ExposureSelector, amc: str | None) -> dict[Any, int]:
    window = (_T.c.at >= selector.start, _T.c.at < selector.end)
    oldest = uow.session.execute(
        select(_T.c.payload_expired_at).where(*window).order_by(_T.c.at).limit(1)
    ).first()
    if oldest is None or oldest.payload_expired_at is None:
        return {}
    where = [
        *window,
        _T.c.payload_expired_at.is_not(None),
        _T.c.outcome.in_(sorted(o.value for o in selector.outcomes)),
        _T.c.categories != 0,
    ]
    if amc is not None:
        where.append(_T.c.target_amc == amc)
    rows = uow.session.execute(
        select(_T.c.target_amc, func.count()).where(*where).group_by(_T.c.target_amc)
    )
    return {row[0]: int(row[1]) for row in rows}


def _people(
    uow: UnitOfWork, selector: ExposureSelector, hashes: Sequence[str], amc: str | None
) -> Iterator[ExposedPerson]:
    statement = people_statement(selector, hashes, amc).execution_options(yield_per=STREAM_BATCH)
    for row in uow.session.execute(statement):
        yield ExposedPerson(
            amc=row.amc,
            pseudonym=row.pseudonym,
            categories_mask=int(row.mask),
            first_at=row.first_at,
            last_at=row.last_at,
            records=int(row.records),
        )


def _hashes(uow: UnitOfWork, selector: ExposureSelector) -> list[str]:
    return sorted(hash_address(uow.vault, address) for address in selector.addresses)


def _record_scoping(uow: UnitOfWork, actor: Actor, amc: str | None) -> None:
    """A scoping reads who was exposed: it is on record too (no person named on it)."""
    record(
        uow,
        AuditEvent(
            at=uow.clock.now(),
            tag=AuditTag.AUDIT_EXPOSURE_SCOPED,
            outcome=Outcome.ALLOWED,
            channel=actor.channel,
            actor_account_id=actor.account_id,
            actor_rpps=actor.rpps,
            client_id=actor.client_id,
            target_amc=amc,
        ),
    )


# -- the use cases --------------------------------------------------------------------------


def scope_exposure(
    *,
    uow: UnitOfWork,
    actor: Actor,
    selector: ExposureSelector,
    include_people: bool = False,
    people_limit: int = PEOPLE_INLINE_LIMIT,
) -> ExposureReport:
    """The per-insurer figures of the scope; with `include_people`, each insurer's
    pseudonyms too (refused above `people_limit` people: stream them instead)."""
    own_amc = _own_amc(actor)
    selector = check_selector(selector)
    with uow:
        hashes = _hashes(uow, selector)
        rows = list(uow.session.execute(summary_statement(selector, hashes, own_amc)))
        expired = _expired_counts(uow, selector, own_amc)
        people: dict[str | None, list[ExposedPerson]] | None = None
        if include_people:
            total = sum(int(row.people) for row in rows)
            if total > people_limit:
                raise InvalidInput(
                    f"the scope holds {total} people, more than {people_limit} listed at "
                    "once: take the figures, or export the list through the incident",
                    field="include_people",
                )
            people = {}
            for person in _people(uow, selector, hashes, own_amc):
                people.setdefault(person.amc, []).append(person)
        by_amc: dict[str | None, AmcExposure] = {}
        for row in rows:
            by_amc[row.amc] = AmcExposure(
                amc=row.amc,
                people=int(row.people),
                records=int(row.records),
                people_by_category=by_category(
                    (c, int(getattr(row, f"p_{c.value}"))) for c in Category
                ),
                records_by_category=by_category(
                    (c, int(getattr(row, f"r_{c.value}"))) for c in Category
                ),
                first_at=row.first_at,
                last_at=row.last_at,
                expired_records=expired.pop(row.amc, 0),
                people_list=None if people is None else tuple(people.get(row.amc, ())),
            )
        for number, count in expired.items():  # insurers with expired records only
            by_amc[number] = AmcExposure(
                amc=number,
                people=0,
                records=0,
                people_by_category=by_category(()),
                records_by_category=by_category(()),
                first_at=None,
                last_at=None,
                expired_records=count,
                people_list=None if people is None else (),
            )
        _record_scoping(uow, actor, own_amc)
        uow.commit()
    return ExposureReport(
        selector=selector,
        platform_wide=own_amc is None,
        by_amc=tuple(sorted(by_amc.values(), key=lambda a: (a.amc is None, a.amc or ""))),
    )


# The columns `copy_exposure` fills, after the caller's constants.
EXPOSURE_COLUMNS = ("amc", "pseudonym", "categories", "first_at", "last_at", "records")


def copy_exposure(
    *,
    uow: UnitOfWork,
    actor: Actor,
    selector: ExposureSelector,
    into: Table,
    constants: Mapping[str, object],
) -> int:
    """Every exposed person of the scope written into the table `into` by the database
    itself (INSERT ... SELECT: no person crosses into this process, whatever the scope's
    size), one row each with `constants` in columns of their own and the columns of
    EXPOSURE_COLUMNS; in one transaction with the scoping's own audit record. Returns the
    rows written."""
    own_amc = _own_amc(actor)
    selector = check_selector(selector)
    with uow:
        where = _match(selector, _hashes(uow, selector), own_amc)
        person = _per_person(where, category_counts=False).subquery()
        source = select(
            *[literal(value, into.c[name].type).label(name) for name, value in constants.items()],
            person.c.amc,
            person.c.pseudonym,
            person.c.mask,
            person.c.first_at,
            person.c.last_at,
            person.c.records,
        )
        written = uow.session.execute(
            insert(into).from_select([*constants, *EXPOSURE_COLUMNS], source)
        )
        _record_scoping(uow, actor, own_amc)
        uow.commit()
        return int(written.rowcount)  # type: ignore[attr-defined]


def stream_exposure(
    *, uow: UnitOfWork, actor: Actor, selector: ExposureSelector
) -> Iterator[ExposedPerson]:
    """Every exposed person of the scope, by insurer then pseudonym, from a server-side
    cursor: for scopes too large to hold (the incident flow writes them out as they come).
    Authorisation and the selector are checked now; the scoping is on record before the
    first person is read."""
    own_amc = _own_amc(actor)
    selector = check_selector(selector)
    return _stream(uow, actor, selector, own_amc)


def _stream(
    uow: UnitOfWork, actor: Actor, selector: ExposureSelector, own_amc: str | None
) -> Iterator[ExposedPerson]:
    with uow:
        _record_scoping(uow, actor, own_amc)
        uow.commit()
        yield from _people(uow, selector, _hashes(uow, selector), own_amc)
