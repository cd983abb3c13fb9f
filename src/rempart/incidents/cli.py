"""`rempart incident`: the breach runbook from the host — open, scope, contain, notify,
re-identify for the mail merge (platform DPO), record the timeline, close.

Every command acts as a person: `--as ACCOUNT_ID` (or REMPART_OPERATOR_ACCOUNT), an active
account whose role holds the permission, so that the register and the audit log say who.
Nothing printed here names an insured person: counts, pseudonymous figures, ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import typer
from rich.console import Console

from rempart.audit.exposure import ExposureSelector
from rempart.bootstrap import Platform
from rempart.cli_support import fail, platform
from rempart.identity.actors import actor_for_operator
from rempart.identity.permissions import Actor
from rempart.incidents import containment, from_alert, service
from rempart.incidents.actions import OnIncident
from rempart.incidents.domain import Closure, Containment, Milestone, Status, containment_step
from rempart.incidents.ports import document_sink_for
from rempart.incidents.schemas import IncidentOut
from rempart.shield.port import FixedBudgetShield
from rempart.shield.wiring import ShieldChannelBrakes, build_shield
from rempart.vault.provider import local_key_file
from rempart.vault.service import rotate_keys

app = typer.Typer(help="Breach incidents: register, scope, contain, notify.", no_args_is_help=True)
console = Console()
AS = typer.Option(..., "--as", envvar="REMPART_OPERATOR_ACCOUNT", help="Your account id.")
_SHIELD = FixedBudgetShield()


def _instant(value: str, option: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be an ISO 8601 instant with its offset")
    if instant.tzinfo is None:
        fail(f"{option} needs a UTC offset (e.g. 2026-11-28T09:30:00+00:00)")
    return instant


def _uuid(value: str, option: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(f"{option} takes ids (UUIDs)")


def _uuids(values: list[str], option: str) -> frozenset[uuid.UUID]:
    return frozenset(_uuid(v, option) for v in values)


@contextmanager
def _acting(as_account: str) -> Iterator[tuple[Platform, Actor]]:
    with platform() as opened:
        try:
            account_id = uuid.UUID(as_account)
        except ValueError:
            fail("--as takes your account id (a UUID)")
        yield opened, actor_for_operator(uow=opened.uow(), account_id=account_id)


def _incident(opened: Platform, named: str) -> uuid.UUID:
    return service.find_incident(uow=opened.uow(), named=named)


def _on(opened: Platform, actor: Actor, named: str) -> OnIncident:
    """The incident the operator names, acted on as `--as` (counted by the fixed budget)."""
    return OnIncident(opened.uow, actor, _SHIELD, _incident(opened, named))


def _selector(
    start: str | None,
    end: str | None,
    accounts: list[str],
    structures: list[str],
    clients: list[str],
    addresses: list[str],
) -> ExposureSelector:
    if start is None or end is None:
        fail("a scoping needs --start and --end")
    return ExposureSelector(
        start=_instant(start, "--start"),
        end=_instant(end, "--end"),
        accounts=_uuids(accounts, "--account"),
        structures=frozenset(structures),
        clients=_uuids(clients, "--client"),
        addresses=frozenset(addresses),
    )


ACCOUNTS = typer.Option([], "--account", help="An account the scope covers (repeatable).")
STRUCTURES = typer.Option([], "--structure", help="A structure's FINESS (repeatable).")
CLIENTS = typer.Option([], "--client", help="A software client's id (repeatable).")
ADDRESSES = typer.Option([], "--address", help="A client IP address (repeatable).")


@app.command("open")
def open_command(
    description: str = typer.Option(..., help="What happened, naming no insured person."),
    detected_at: str = typer.Option(..., "--detected-at", help="ISO 8601 instant."),
    aware_at: str | None = typer.Option(None, "--aware-at", help="Default: now."),
    kind: list[str] = typer.Option(["confidentiality"], "--kind", help="Repeatable."),
    unintelligible: bool = typer.Option(False, help="Only unintelligible data was disclosed."),
    alert: str | None = typer.Option(
        None, "--alert", help="The shield alert it comes from (its source; see from-alert)."
    ),
    start: str | None = typer.Option(None, help="Scope at once: window start."),
    end: str | None = typer.Option(None, help="Scope at once: window end (excluded)."),
    accounts: list[str] = ACCOUNTS,
    structures: list[str] = STRUCTURES,
    clients: list[str] = CLIENTS,
    addresses: list[str] = ADDRESSES,
    as_account: str = AS,
) -> None:
    """Open an incident; with subjects and a window, scope it at once."""
    subjects = start is not None or end is not None or accounts or structures or clients
    subjects = subjects or addresses
    with _acting(as_account) as (opened, actor):
        incident_id = service.open_incident(
            uow=opened.uow(),
            actor=actor,
            shield=_SHIELD,
            kinds=kind,
            description=description,
            detected_at=_instant(detected_at, "--detected-at"),
            aware_at=None if aware_at is None else _instant(aware_at, "--aware-at"),
            controller_target=opened.settings.controller_notice_target,
            unintelligible=unintelligible,
            source=service.Source("alert", alert) if alert else service.Source("manual"),
        )
        console.print(f"incident {incident_id} opened")
        if subjects:
            selector = _selector(start, end, accounts, structures, clients, addresses)
            _scope(OnIncident(opened.uow, actor, _SHIELD, incident_id), selector)


@app.command("from-alert")
def from_alert_command(
    alert: str = typer.Argument(..., help="The shield alert's id."),
    lookback_hours: int = typer.Option(
        24, "--lookback-hours", help="Scope from this long before the alert (1-8784)."
    ),
    description: str | None = typer.Option(None, help="Default: the alert's code, to qualify."),
    as_account: str = AS,
) -> None:
    """Open an incident from a shield alert and scope it at once on the account, client
    or structure the alert names, from the look-back until now (broad on purpose:
    narrow it with `rempart incident scope` once the attacker's addresses are known)."""
    with _acting(as_account) as (opened, actor):
        incident_id, scope = from_alert.open_from_stored_alert(
            uow_factory=opened.uow,
            actor=actor,
            shield=_SHIELD,
            alert_id=_uuid(alert, "ALERT"),
            controller_target=opened.settings.controller_notice_target,
            lookback=timedelta(hours=lookback_hours),
            description=description,
        )
        console.print(f"incident {incident_id} opened and scoped: {scope.people} people")


def _scope(on: OnIncident, selector: ExposureSelector) -> None:
    view = on.scope(selector)
    console.print(
        f"scoped: {view.people} people, {view.records} records, "
        f"{sum(1 for f in view.by_amc if f.amc and f.people)} insurers"
        + ("" if view.complete else f" ({view.expired_records} records expired: incomplete)")
    )
    for figures in view.by_amc:
        console.print(f"  AMC {figures.amc}: {figures.people} people, {figures.records} records")


@app.command("scope")
def scope_command(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    start: str = typer.Option(..., help="Window start (ISO 8601, with offset)."),
    end: str = typer.Option(..., help="Window end, excluded."),
    accounts: list[str] = ACCOUNTS,
    structures: list[str] = STRUCTURES,
    clients: list[str] = CLIENTS,
    addresses: list[str] = ADDRESSES,
    as_account: str = AS,
) -> None:
    """Scope the incident from the audit log (the people, as pseudonyms, by insurer)."""
    selector = _selector(start, end, accounts, structures, clients, addresses)
    with _acting(as_account) as (opened, actor):
        _scope(_on(opened, actor, incident), selector)


@app.command("list")
def list_command(
    status: Status | None = typer.Option(None, help="Only incidents in this status."),
    as_account: str = AS,
) -> None:
    """The register, newest first, with overdue flags."""
    with _acting(as_account) as (opened, actor):
        views = service.register(uow=opened.uow(), actor=actor, shield=_SHIELD, status=status)
    for view in views:
        late = []
        if view.deadlines.controllers_overdue:
            late.append("insurers overdue")
        if view.deadlines.authority_overdue:
            late.append("authority 72 h passed")
        console.print(
            f"{view.reference}  {view.id}  {view.status.value:<9} "
            f"aware {view.aware_at:%Y-%m-%d %H:%M}  {', '.join(late) or 'on time'}"
        )


@app.command("show")
def show(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    as_json: bool = typer.Option(False, "--json", help="The API's JSON."),
    as_account: str = AS,
) -> None:
    """Timeline, deadlines, scoping figures, insurers and the decision log."""
    with _acting(as_account) as (opened, actor):
        view = _on(opened, actor, incident).read()
    if as_json:
        typer.echo(IncidentOut.of(view).model_dump_json(indent=2))
        return
    due = view.deadlines
    console.print(f"{view.reference} ({view.status.value}) — {view.description}")
    console.print(f"detected {view.detected_at.isoformat()}, aware {view.aware_at.isoformat()}")
    console.print(
        f"insurers due by {due.controllers_due_at.isoformat()}"
        + (" OVERDUE" if due.controllers_overdue else "")
        + f"; authority (72 h) by {due.authority_due_at.isoformat()}"
        + (" OVERDUE" if due.authority_overdue else "")
    )
    for c in view.controllers:
        console.print(
            f"  AMC {c.amc}{'' if c.in_scope else ' (out of scope)'}: informed {c.informed_at}, "
            f"authority {c.authority_notified_at}, people {c.people_notified_at}"
        )
    for entry in view.log:
        console.print(f"  #{entry.seq} {entry.at.isoformat()} {entry.kind.value}: {entry.summary}")


@app.command("contain")
def contain_command(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    kind: Containment = typer.Argument(..., help="The containment step."),
    target: str | None = typer.Argument(None, help="Account or client id, or channel."),
    reason: str = typer.Option(..., help="Why (recorded in the decision log)."),
    recorded: bool = typer.Option(
        False, help="rotate_keys: record a rotation already run instead of running one."
    ),
    as_account: str = AS,
) -> None:
    """Carry out one containment step through its service and log it on the incident.
    rotate_keys runs the rotation the way `rempart keys rotate` does."""
    with _acting(as_account) as (opened, actor):
        step = containment_step(kind.value, target, reason)
        incident_id = _incident(opened, incident)
        rotation = None
        if step.kind is Containment.ROTATE_KEYS and not recorded:
            rotation = _rotate(opened)
        # The deployment's shield, not the fixed budget: suspensions and brakes live there.
        shield = build_shield(opened.settings, opened)
        on = OnIncident(opened.uow, actor, shield, incident_id)
        outcome = on.contain(
            step, brakes=ShieldChannelBrakes(opened.uow, shield), rotation=rotation
        )
    console.print(f"{outcome.kind.value}: {outcome.effect} (log entry #{outcome.seq})")


def _rotate(opened: Platform) -> containment.KeyRotation:
    from rempart.schema import SEALED_TABLES

    outcome = rotate_keys(
        source=local_key_file(opened.settings),
        vaults=opened.vaults,
        uow_factory=opened.uow,
        tables=SEALED_TABLES,
        batch_size=opened.settings.rotation_batch_size,
    )
    return containment.KeyRotation(outcome.active_version, outcome.new_version, outcome.resealed)


@app.command("milestone")
def milestone_command(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    milestone: Milestone = typer.Argument(..., help="What happened."),
    at: str = typer.Option(..., help="When (ISO 8601, with offset)."),
    amc: str | None = typer.Option(None, help="The insurer, for insurer milestones."),
    reference: str | None = typer.Option(None, help="The authority's reference."),
    note: str | None = typer.Option(None, help="A remark."),
    as_account: str = AS,
) -> None:
    """Record an instant of the timeline (containment; an insurer informed; the authority
    or the people notified by an insurer, as it tells us)."""
    with _acting(as_account) as (opened, actor):
        on = _on(opened, actor, incident)
        seq = on.milestone(
            milestone, at=_instant(at, "--at"), amc=amc, reference=reference, note=note
        )
    console.print(f"log entry #{seq}")


@app.command("decide")
def decide(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    text: str = typer.Argument(..., help="The decision, finding or action."),
    as_account: str = AS,
) -> None:
    """Add an entry to the decision log (entries are never changed)."""
    with _acting(as_account) as (opened, actor):
        seq = _on(opened, actor, incident).decide(text)
    console.print(f"log entry #{seq}")


@app.command("notify")
def notify_command(
    incident: str = typer.Argument(..., help="Incident id or reference."), as_account: str = AS
) -> None:
    """Each insurer concerned: notice (queued to its DPO; `rempart outbox deliver`),
    art. 33 draft and letters, to REMPART_INCIDENT_DOCUMENTS_DIR."""
    with _acting(as_account) as (opened, actor):
        on = _on(opened, actor, incident)
        done = on.notify(document_sink_for(opened.settings), opened.settings)
    for n in done:
        console.print(
            f"AMC {n.amc}: notice v{n.version}, {n.people} letters, {len(n.documents)} files"
        )


@app.command("mail-merge")
def mail_merge(
    incident: str = typer.Argument(..., help="Incident id or reference."), as_account: str = AS
) -> None:
    """Platform DPO: re-identify the scope into each insurer's mail-merge file (audited)."""
    with _acting(as_account) as (opened, actor):
        done = _on(opened, actor, incident).mail_merge(document_sink_for(opened.settings))
    for m in done:
        console.print(f"AMC {m.amc}: {m.people} people, {m.unmatched} unmatched -> {m.document}")


@app.command("close")
def close(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    closure: Closure = typer.Option(..., help="resolved or not_a_breach."),
    reason: str = typer.Option(..., help="Why (recorded)."),
    as_account: str = AS,
) -> None:
    with _acting(as_account) as (opened, actor):
        seq = _on(opened, actor, incident).close(closure, reason=reason)
    console.print(f"closed (log entry #{seq})")


@app.command("reopen")
def reopen(
    incident: str = typer.Argument(..., help="Incident id or reference."),
    reason: str = typer.Option(..., help="Why (recorded)."),
    as_account: str = AS,
) -> None:
    with _acting(as_account) as (opened, actor):
        seq = _on(opened, actor, incident).reopen(reason)
    console.print(f"reopened (log entry #{seq})")
