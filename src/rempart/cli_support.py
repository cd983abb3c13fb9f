"""What every command needs: settings, a platform, and one way to report failures.

Operator errors (missing keys, wrong key file, unreadable database, a malformed file)
print one clear line and exit 1; they never print personal data or a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from rempart.bootstrap import Platform, open_platform
from rempart.kernel.errors import DomainError, InfrastructureError
from rempart.settings import Settings

err_console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        fail(f"invalid settings: {exc}")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def operator_errors() -> Iterator[None]:
    try:
        yield
    except (InfrastructureError, DomainError) as exc:
        fail(str(exc))


@contextmanager
def platform(*, migrate: bool = False) -> Iterator[Platform]:
    settings = load_settings()
    with operator_errors():
        opened = open_platform(settings, migrate=migrate)
    try:
        with operator_errors():
            yield opened
    finally:
        opened.close()


def interactive() -> bool:
    return sys.stderr.isatty()
