"""Notifications: each insurer concerned gets the processor's notice (through the outbox,
to its DPO) and, through the document port, the notice, a draft of its own art. 33
notification and one art. 34 letter per person, as HTML and PDF — letters that name
nobody, identified by a reference. Then, by the platform DPO only, the mail-merge file
that ties each reference to the insurer's member keys: the one step that re-identifies
the keyed pseudonyms of the scope, each person so re-identified being audited.

The registry holds names but no postal address (it never needed one): the insurer, the
controller, holds both, addresses the letters and decides whether to send them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from rempart.audit.domain import Category, categories_of
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.incidents import domain, letters, notices, rendering
from rempart.incidents.domain import Containment, Entry, IncidentTag, Status
from rempart.incidents.models import IncidentControllerRow, IncidentExposureRow, IncidentRow
from rempart.incidents.ports import DocumentSink
from rempart.incidents.repository import append, controller_rows, incident_row, log_of
from rempart.incidents.scoping import exposures
from rempart.incidents.views import ScopingView, admitted, current_scoping, kinds_of_row
from rempart.kernel.errors import Conflict
from rempart.outbox.service import enqueue
from rempart.registry.disclosure import beneficiaries_of, card_keys, insurer_contacts
from rempart.shield.port import Shield

LETTERS_PER_FILE = 5_000
logger = logging.getLogger("rempart.incidents")
NOTICE_TOPIC = "insurer:incident:notice"
DPO = "insurer_dpo"  # outbox recipient kind; the reference is the AMC number


@dataclass(frozen=True, slots=True)
class InsurerNotified:
    amc: str
    version: int
    people: int
    letters_pdf: int  # letters rendered as PDF (HTML holds them all)
    documents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MailMerge:
    amc: str
    people: int  # re-identified, one line each
    unmatched: int  # pseudonyms no beneficiary of the registry gives any more
    document: str


def facts(
    uow: UnitOfWork, row: IncidentRow, scoping: ScopingView | None, contact: str
) -> notices.Facts:
    steps = [
        (Containment(e.details["kind"]), str(e.details["effect"]))
        for e in log_of(uow, row.id)
        if e.kind is Entry.CONTAINMENT
    ]
    return notices.Facts(
        reference=row.reference,
        kinds=kinds_of_row(row),
        description=row.description,
        detected_at=row.detected_at,
        aware_at=row.aware_at,
        contained_at=row.contained_at,
        window_start=None if scoping is None else scoping.window_start,
        window_end=None if scoping is None else scoping.window_end,
        unintelligible=row.unintelligible,
        measures=notices.measures(steps),
        contact=contact,
    )


def _concerned(
    uow: UnitOfWork, row: IncidentRow
) -> tuple[ScopingView, list[IncidentControllerRow]]:
    domain.require_active(Status(row.status))
    scoping = current_scoping(uow, row)
    if scoping is None:
        raise Conflict("scope the incident first")
    controllers = [c for c in controller_rows(uow, row.id, lock=True) if c.in_scope]
    if not controllers:
        raise Conflict("no insurer is concerned by the scope: nothing to notify")
    return scoping, controllers


def notify_controllers(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    incident_id: uuid.UUID,
    sink: DocumentSink,
    contact: str = "",
    pdf_limit: int = 20_000,
) -> list[InsurerNotified]:
    """A new version of every insurer's documents from the current scoping; each notice
    is queued to the insurer's DPO, and an insurer not yet informed is informed now."""
    admitted(uow, shield, actor, Permission.INCIDENT_MANAGE, "incidents.notify")
    with uow:
        # Letters are rendered between the reads of the exposures' cursor: a few
        # thousand PDF letters hold the transaction idle for over a minute.
        uow.allow_long_idle()
        row = incident_row(uow, incident_id, lock=True)
        scoping, controllers = _concerned(uow, row)
        told = facts(uow, row, scoping, contact)
        contacts = insurer_contacts(uow, [c.amc for c in controllers])
        now, today = uow.clock.now(), uow.clock.today()
        done = []
        for controller in controllers:
            figures = scoping.amc(controller.amc)
            contact_of = contacts.get(controller.amc)
            insurer = notices.Insurer(
                controller.amc,
                contact_of.name if contact_of else f"AMC {controller.amc}",
                contact_of.dpo_email if contact_of else None,
            )
            if figures is None:  # out of the scope's figures, yet concerned: nothing to count
                continue
            version = controller.notice_version + 1
            notice = notices.processor_notice(told, insurer, figures, version)
            draft = notices.authority_draft(told, insurer, figures)
            put = _putter(sink, row.reference, controller.amc)
            names = [
                put(f"notice-v{version}.html", rendering.html([notice], title=notice.title)),
                put(
                    f"notice-v{version}.pdf",
                    rendering.pdf([notice], title=notice.title, issued_on=today),
                ),
                put(f"notice-v{version}.txt", notices.plain_text(notice).encode("utf-8")),
                put(f"art33-draft-v{version}.html", rendering.html([draft], title=draft.title)),
                put(
                    f"art33-draft-v{version}.pdf",
                    rendering.pdf([draft], title=draft.title, issued_on=today),
                ),
            ]
            people, pdf_letters, letter_files = _letters(
                uow, scoping.id, told, insurer, put, today, pdf_limit
            )
            names += letter_files
            enqueue(
                uow,
                topic=NOTICE_TOPIC,
                recipient_kind=DPO,
                recipient_ref=controller.amc,
                subject=notice.subject,
                body=notices.plain_text(notice),
            )
            controller.notice_version, controller.notice_at = version, now
            controller.notice_subject = notice.subject[:200]
            controller.notice_text = notices.plain_text(notice)
            controller.art33_text = notices.plain_text(draft)
            if controller.informed_at is None:
                controller.informed_at = now
            record_action(uow, tag=IncidentTag.NOTIFIED, actor=actor, target_amc=controller.amc)
            done.append(InsurerNotified(controller.amc, version, people, pdf_letters, tuple(names)))
        append(
            uow,
            row,
            actor=actor,
            kind=Entry.CONTROLLERS_NOTIFIED,
            summary="notices sent: "
            + ", ".join(f"{d.amc} v{d.version} ({d.people} people)" for d in done),
            details={d.amc: {"version": d.version, "people": d.people} for d in done},
        )
        uow.commit()
    for d in done:
        logger.info(
            "incident %s: AMC %s notified (v%d, %d letters)",
            row.reference,
            d.amc,
            d.version,
            d.people,
        )
    return done


Put = Callable[[str, bytes], str]


def _putter(sink: DocumentSink, reference: str, amc: str) -> Put:
    def put(name: str, content: bytes) -> str:
        return sink.put(reference, amc, name, content)

    return put


def letter_ref(reference: str, amc: str, number: int) -> str:
    return f"{reference}-{amc}-{number:06d}"


def _people(
    uow: UnitOfWork, scoping_id: uuid.UUID, reference: str, amc: str
) -> Iterator[tuple[IncidentExposureRow, letters.Person]]:
    for number, exposure in enumerate(exposures(uow, scoping_id, amc), start=1):
        yield (
            exposure,
            letters.Person(
                letter_ref=letter_ref(reference, amc, number),
                categories=categories_of(exposure.categories),
                first_at=exposure.first_at,
                last_at=exposure.last_at,
                records=exposure.records,
            ),
        )


def _letters(
    uow: UnitOfWork,
    scoping_id: uuid.UUID,
    told: notices.Facts,
    insurer: notices.Insurer,
    put: Put,
    today: date,
    pdf_limit: int,
) -> tuple[int, int, list[str]]:
    """Letters in files of LETTERS_PER_FILE, HTML always, PDF up to `pdf_limit`."""
    files: list[str] = []
    people = in_pdf = 0
    chunk: list[notices.Document] = []

    def flush() -> None:
        nonlocal in_pdf
        part = len(files) // 2 + 1
        title = f"Courriers aux personnes — {told.reference} — AMC {insurer.amc}"
        files.append(put(f"letters-{part:04d}.html", rendering.html(chunk, title=title)))
        room = max(0, pdf_limit - in_pdf)
        if room:
            shown = chunk[:room]
            files.append(
                put(f"letters-{part:04d}.pdf", rendering.pdf(shown, title=title, issued_on=today))
            )
            in_pdf += len(shown)
        chunk.clear()

    for _, person in _people(uow, scoping_id, told.reference, insurer.amc):
        chunk.append(letters.person_letter(told, insurer, person))
        people += 1
        if len(chunk) >= LETTERS_PER_FILE:
            flush()
    if chunk:
        flush()
    return people, in_pdf, files


def prepare_mail_merge(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, incident_id: uuid.UUID, sink: DocumentSink
) -> list[MailMerge]:
    """The platform DPO re-identifies the scope, insurer by insurer: every beneficiary of
    the insurer has its keyed pseudonym recomputed, those in the scope are matched to
    their letter, and their card keys opened for the mail-merge file. Each person
    re-identified is an audit record on their own pseudonym (their history shows it)."""
    admitted(uow, shield, actor, Permission.INCIDENT_REIDENTIFY, "incidents.reidentify")
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        scoping, controllers = _concerned(uow, row)
        now = uow.clock.now()
        done = []
        for controller in controllers:
            letters = {
                e.pseudonym: (e, p)
                for e, p in _people(uow, scoping.id, row.reference, controller.amc)
            }
            matched: dict[str, uuid.UUID] = {}
            for beneficiary_id in beneficiaries_of(uow, controller.amc):
                pseudonym = pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id))
                if pseudonym in letters:
                    matched[pseudonym] = beneficiary_id
            keys = card_keys(uow, matched.values())
            lines = []
            for pseudonym, (exposure, person) in letters.items():
                key = keys.get(matched.get(pseudonym, uuid.UUID(int=0)))
                if key is None:
                    continue
                record_action(
                    uow,
                    tag=IncidentTag.REIDENTIFIED,
                    actor=actor,
                    target_pseudonym=pseudonym,
                    target_amc=controller.amc,
                    categories={Category.IDENTITY},
                )
                lines.append(
                    rendering.MailMergeLine(
                        letter_ref=person.letter_ref,
                        amc=controller.amc,
                        member_number=key.member_number,
                        birth_date=key.birth_date,
                        birth_rank=key.birth_rank,
                        first_at=exposure.first_at,
                        last_at=exposure.last_at,
                        records=exposure.records,
                        categories=person.categories,
                    )
                )
            name = sink.put(
                row.reference, controller.amc, "mail-merge.csv", rendering.mail_merge_csv(lines)
            )
            controller.letters_at = now
            done.append(MailMerge(controller.amc, len(lines), len(letters) - len(lines), name))
        append(
            uow,
            row,
            actor=actor,
            kind=Entry.LETTERS_PREPARED,
            summary="mail-merge files: "
            + ", ".join(f"{d.amc} ({d.people} people, {d.unmatched} unmatched)" for d in done),
            details={d.amc: {"people": d.people, "unmatched": d.unmatched} for d in done},
        )
        record_action(uow, tag=IncidentTag.LETTERS, actor=actor)
        uow.commit()
    for d in done:
        logger.info(
            "incident %s: AMC %s mail merge, %d people re-identified, %d unmatched",
            row.reference,
            d.amc,
            d.people,
            d.unmatched,
        )
    return done
