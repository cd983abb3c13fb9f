"""What every command needs: settings, a platform, and one way to report failures.

Operator errors (missing keys, wrong key file, unreadable database, a malformed file)
print one clear line and exit 1; they never print personal data or a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import DBAPIError

from rempart.bootstrap import Platform, open_platform
from rempart.kernel.errors import DomainError, InfrastructureError
from rempart.settings import Settings

err_console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Field names and rules only: the values may be secrets (REMPART_KEYS).
        fail("invalid settings: " + "; ".join(describe_errors(exc)))


def describe_errors(exc: ValidationError) -> list[str]:
    return [
        "REMPART_" + ".".join(str(p) for p in error["loc"]).upper() + ": " + error["msg"]
        if error["loc"]
        else error["msg"]
        for error in exc.errors(include_input=False, include_url=False)
    ]


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr. The message is printed as text, never as Rich markup (a file
    name may contain brackets)."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def operator_errors() -> Iterator[None]:
    try:
        yield
    except (InfrastructureError, DomainError) as exc:
        fail(str(exc))
    except DBAPIError as exc:
        # Database errors carry SQL and parameters: name the kind only.
        fail(
            f"the database refused the operation ({type(exc.orig).__name__}); nothing was "
            "committed by the failing step: check the database and run the command again"
        )
    except IsADirectoryError as exc:
        fail(f"{exc.filename} is a directory")
    except FileNotFoundError as exc:
        fail(f"no such file: {exc.filename}")
    except PermissionError as exc:
        fail(f"permission denied: {exc.filename}")
    except OSError as exc:
        fail(f"cannot read or write a file ({exc.strerror})")


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


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date YYYY-MM-DD")
