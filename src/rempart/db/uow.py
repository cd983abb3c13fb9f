"""The unit of work: one transaction, owned by the use case that opens it.

Routers and repositories never commit; a use case calls `uow.commit()` once its whole
operation (including the audit record, later) is written. Leaving the block without a
commit rolls everything back, so a half-done operation leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from rempart.kernel.clock import Clock
from rempart.vault.cipher import Vault


class UnitOfWork:
    session: Session

    def __init__(
        self, *, session_factory: Callable[[], Session], vault: Vault, clock: Clock
    ) -> None:
        self._session_factory = session_factory
        self.vault = vault
        self.clock = clock

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
