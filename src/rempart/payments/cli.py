"""`rempart payments` and `rempart ledger`: runs, mandates and the ledger's invariants."""

from __future__ import annotations

from datetime import date, datetime

import typer
from rich.console import Console

from rempart.cli_support import operator_errors, platform
from rempart.kernel.money import Cents, format_euros
from rempart.payments.accounts import operator_from
from rempart.payments.checks import check_ledger
from rempart.payments.mandates import record_mandate
from rempart.payments.runs import run_payments

payments_app = typer.Typer(help="Payment runs and insurers' mandates.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
console = Console()


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("a date as YYYY-MM-DD", param_hint=option) from None


@payments_app.command("run")
def run(
    run_date: str = typer.Option(..., "--date", help="Value date of the transfers, YYYY-MM-DD."),
    batch_size: int = typer.Option(200, min=1, max=10_000, help="Structures per transaction."),
    batch_pause: float = typer.Option(
        0.0, min=0.0, max=60.0, help="Seconds between batches, to spare a busy database."
    ),
) -> None:
    """Pay every structure its accepted lines (one SEPA transfer each), advise rejections,
    debit each insurer what was paid for it, and write pain.001 / pain.008 files. Killed
    midway, run it again with the same date: it resumes and pays no line twice."""
    day = _day(run_date, "--date")
    with operator_errors(), platform() as opened:
        report = run_payments(
            uow=opened.uow(),
            run_date=day,
            operator=operator_from(opened.settings),
            out_dir=opened.settings.effective_payments_dir,
            batch_size=batch_size,
            batch_pause=batch_pause,
        )
    console.print(
        f"run {report.run_date}: {report.payouts} transfers, "
        f"EUR {format_euros(Cents(report.paid_cents))} for {report.paid_lines} lines; "
        f"{report.advised_rejections} rejections advised; {report.settlements} insurer debits"
    )
    if report.held:
        console.print(f"held (bank account change in cooling-off): {len(report.held)} structures")
    if report.unsettled:
        console.print(
            "insurers without a mandate (settle by transfer): " + " ".join(report.unsettled)
        )
    for path in report.files:
        console.print(f"wrote {path}")


@payments_app.command("mandate")
def mandate(
    amc_number: str = typer.Option(..., "--amc", help="The insurer's AMC number."),
    account_name: str = typer.Option(..., "--name", help="The account holder, as on the mandate."),
    bic: str = typer.Option(..., "--bic"),
    mandate_id: str = typer.Option(..., "--mandate-id", help="Unique mandate reference (RUM)."),
    signed_on: str = typer.Option(..., "--signed-on", help="YYYY-MM-DD"),
) -> None:
    """Record an insurer's SEPA B2B direct debit mandate. The IBAN is asked for on the
    terminal (never on the command line, where shell history would keep it)."""
    iban = typer.prompt("IBAN", hide_input=True)
    with operator_errors(), platform() as opened:
        record_mandate(
            uow=opened.uow(),
            amc_number=amc_number,
            account_name=account_name,
            iban=iban,
            bic=bic,
            mandate_id=mandate_id,
            signed_on=_day(signed_on, "--signed-on"),
        )
    console.print(f"mandate recorded for {amc_number}")


@ledger_app.command("check")
def check() -> None:
    """Verify the ledger: postings balance; each accepted line owed once by its insurer
    and once to its structure; paid at most once; payouts and settlements equal their
    lines. Exits 1 naming the first violations."""
    started = datetime.now()
    with operator_errors(), platform() as opened:
        report = check_ledger(uow=opened.uow())
    seconds = (datetime.now() - started).total_seconds()
    console.print(
        f"{report.postings} postings, {report.entries} entries, {report.lines} invoice lines "
        f"checked in {seconds:.1f} s"
    )
    for violation in report.violations:
        console.print(f"violation: {violation}")
    if not report.ok:
        raise typer.Exit(1)
    console.print("ledger consistent")
