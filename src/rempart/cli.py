"""The `rempart` command."""

from __future__ import annotations

import typer
from rich.console import Console

from rempart.audit.cli import app as audit_app
from rempart.bootstrap import open_database
from rempart.cli_support import load_settings, operator_errors
from rempart.demo.cli import personas
from rempart.identity.cli import app as identity_app
from rempart.incidents.cli import app as incident_app
from rempart.outbox.cli import app as outbox_app
from rempart.payments.cli import ledger_app, payments_app
from rempart.registry.cli import demo_app, import_app, registry_app, stats
from rempart.shield.cli import app as shield_app
from rempart.simulation.cli import simulate
from rempart.vault.cli import app as keys_app

app = typer.Typer(
    help="Rempart: tiers-payant operator platform (registry, rights, claims, payments).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a traceback could carry personal data
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
console = Console()

app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(registry_app, name="registry")
app.add_typer(import_app, name="import")
demo_app.command("personas")(personas)
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(identity_app, name="identity")
app.add_typer(outbox_app, name="outbox")
app.add_typer(incident_app, name="incident")
app.add_typer(payments_app, name="payments")
app.add_typer(ledger_app, name="ledger")
app.add_typer(shield_app, name="shield")
app.command("stats")(stats)
app.command("simulate")(simulate)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the code's version."""
    settings = load_settings()
    with operator_errors():
        database = open_database(settings)
        try:
            database.upgrade()
        finally:
            database.dispose()
    console.print("database at head")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve the web app and API (REMPART_ENV=production unless told otherwise)."""
    import uvicorn

    from rempart.app import create_app

    settings = load_settings()
    with operator_errors():
        application = create_app(settings)
    # The client address feeds sign-in throttling: X-Forwarded-For is believed only from
    # the proxies named in REMPART_TRUSTED_PROXIES, never from anyone who sends it.
    uvicorn.run(
        application,
        host=host,
        port=port,
        # The C parser, never a silent fallback to the pure-Python one (see pyproject);
        # the loop is uvloop wherever it installs.
        http="httptools",
        log_level="info",
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )


def main() -> None:
    app()
