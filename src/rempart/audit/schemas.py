"""Request and response bodies of the audit API. A scoping answers pseudonyms and
counts, never an identifier, and never echoes the addresses it was asked about."""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rempart.audit.domain import Category, Outcome
from rempart.audit.exposure import (
    MAX_NAMED,
    AmcExposure,
    ExposedPerson,
    ExposureReport,
    ExposureSelector,
)


class ExposureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="Start of the window, included")
    end: AwareDatetime = Field(description="End of the window, excluded (366 days at most)")
    accounts: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMED)
    structures: list[str] = Field(default=[], max_length=MAX_NAMED, description="FINESS")
    clients: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMED)
    addresses: list[str] = Field(
        default=[], max_length=MAX_NAMED, description="IP addresses as seen by the platform"
    )
    outcomes: list[Outcome] = Field(
        default=[Outcome.ALLOWED], description="Default: only answers actually given"
    )
    include_people: bool = Field(
        default=False, description="List each insurer's pseudonyms (100,000 people at most)"
    )

    def selector(self) -> ExposureSelector:
        return ExposureSelector(
            start=self.start,
            end=self.end,
            accounts=frozenset(self.accounts),
            structures=frozenset(self.structures),
            clients=frozenset(self.clients),
            addresses=frozenset(self.addresses),
            outcomes=frozenset(self.outcomes),
        )


class ExposedPersonRead(BaseModel):
    pseudonym: str
    categories: list[Category]
    first_at: AwareDatetime
    last_at: AwareDatetime
    records: int

    @classmethod
    def of(cls, person: ExposedPerson) -> ExposedPersonRead:
        return cls(
            pseudonym=person.pseudonym,
            categories=sorted(person.categories),
            first_at=person.first_at,
            last_at=person.last_at,
            records=person.records,
        )


class AmcExposureRead(BaseModel):
    amc: str | None
    people: int
    records: int
    people_by_category: dict[Category, int]
    records_by_category: dict[Category, int]
    first_at: AwareDatetime | None
    last_at: AwareDatetime | None
    expired_records: int = Field(
        description="Records of the window already cleared by retention: whether they "
        "belong to the scope, and whom they concern, can no longer be known"
    )
    people_list: list[ExposedPersonRead] | None = None

    @classmethod
    def of(cls, part: AmcExposure) -> AmcExposureRead:
        return cls(
            amc=part.amc,
            people=part.people,
            records=part.records,
            people_by_category=part.people_by_category,
            records_by_category=part.records_by_category,
            first_at=part.first_at,
            last_at=part.last_at,
            expired_records=part.expired_records,
            people_list=None
            if part.people_list is None
            else [ExposedPersonRead.of(p) for p in part.people_list],
        )


class ExposureRead(BaseModel):
    start: AwareDatetime
    end: AwareDatetime
    platform_wide: bool = Field(description="False: the caller's own insurer only")
    complete: bool = Field(description="False when retention has cleared records of the window")
    people: int
    records: int
    expired_records: int
    by_amc: list[AmcExposureRead]

    @classmethod
    def of(cls, report: ExposureReport) -> ExposureRead:
        return cls(
            start=report.selector.start,
            end=report.selector.end,
            platform_wide=report.platform_wide,
            complete=report.complete,
            people=report.people,
            records=report.records,
            expired_records=report.expired_records,
            by_amc=[AmcExposureRead.of(part) for part in report.by_amc],
        )
